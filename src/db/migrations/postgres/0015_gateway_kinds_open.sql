-- Gateway kinds are plug-ins (channels::KindRegistry): the service checks a
-- kind against the kinds this server knows, so the table no longer lists them.
ALTER TABLE gateways DROP CONSTRAINT gateways_kind_check;
ALTER TABLE gateways ADD CONSTRAINT gateways_kind_named CHECK (kind <> '');
