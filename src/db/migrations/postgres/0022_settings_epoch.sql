-- One counter that every change of the settings a send reads moves: the
-- account row, memberships, the plan and subscription (not its count of
-- included messages used) and the rate cards (decision 0028). Each request
-- reads it with its credentials; the caches of those settings answer only
-- for the epoch they were read at, so a change applies to the next request
-- on every node, as if nothing were cached. Triggers keep it, so no code
-- path that changes a setting can forget to.
CREATE TABLE settings_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO settings_epoch VALUES (1, 1);

CREATE FUNCTION settings_epoch_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE settings_epoch SET epoch = epoch + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER settings_epoch_accounts AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accounts
FOR EACH STATEMENT EXECUTE FUNCTION settings_epoch_move();
CREATE TRIGGER settings_epoch_memberships
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships
FOR EACH STATEMENT EXECUTE FUNCTION settings_epoch_move();
CREATE TRIGGER settings_epoch_plans AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plans
FOR EACH STATEMENT EXECUTE FUNCTION settings_epoch_move();
-- Every charge counts included messages used: that column alone does not
-- move the epoch (the send path reads it in its own transaction).
CREATE TRIGGER settings_epoch_subscriptions
AFTER INSERT OR UPDATE OF account_id, plan_id, status, period_start, period_end
    OR DELETE OR TRUNCATE ON subscriptions
FOR EACH STATEMENT EXECUTE FUNCTION settings_epoch_move();
CREATE TRIGGER settings_epoch_rates AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rates
FOR EACH STATEMENT EXECUTE FUNCTION settings_epoch_move();
