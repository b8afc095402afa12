-- Routing by mobile operator (docs/operators.md).
-- Number ranges to operators: the longest prefix of a number (digits with
-- the country code) names its operator. The rows below are a small default
-- for Kenya, Tanzania, Uganda and Rwanda; operators import their own as CSV.
CREATE TABLE operator_prefixes (
    prefix TEXT PRIMARY KEY,
    operator TEXT NOT NULL,
    mcc TEXT NOT NULL,
    mnc TEXT NOT NULL,
    country TEXT NOT NULL,
    source TEXT NOT NULL,          -- default | import
    updated_at BIGINT NOT NULL
);
INSERT INTO operator_prefixes (prefix, operator, mcc, mnc, country, source, updated_at) VALUES
    ('25470', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('25471', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('25472', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('254740', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('254741', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('254742', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('254743', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('254745', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('254746', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('254748', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('25479', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('25411', 'Safaricom', '639', '02', 'KE', 'default', 0),
    ('25473', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('25475', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('254780', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('254781', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('254782', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('254785', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('254786', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('254787', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('254788', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('254789', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('25410', 'Airtel', '639', '03', 'KE', 'default', 0),
    ('25477', 'Telkom', '639', '07', 'KE', 'default', 0),
    ('25574', 'Vodacom', '640', '04', 'TZ', 'default', 0),
    ('25575', 'Vodacom', '640', '04', 'TZ', 'default', 0),
    ('25576', 'Vodacom', '640', '04', 'TZ', 'default', 0),
    ('25568', 'Airtel', '640', '05', 'TZ', 'default', 0),
    ('25569', 'Airtel', '640', '05', 'TZ', 'default', 0),
    ('25578', 'Airtel', '640', '05', 'TZ', 'default', 0),
    ('25565', 'Tigo', '640', '02', 'TZ', 'default', 0),
    ('25567', 'Tigo', '640', '02', 'TZ', 'default', 0),
    ('25571', 'Tigo', '640', '02', 'TZ', 'default', 0),
    ('25562', 'Halotel', '640', '11', 'TZ', 'default', 0),
    ('25677', 'MTN', '641', '10', 'UG', 'default', 0),
    ('25678', 'MTN', '641', '10', 'UG', 'default', 0),
    ('25676', 'MTN', '641', '10', 'UG', 'default', 0),
    ('25670', 'Airtel', '641', '01', 'UG', 'default', 0),
    ('25675', 'Airtel', '641', '01', 'UG', 'default', 0),
    ('25674', 'Airtel', '641', '01', 'UG', 'default', 0),
    ('25078', 'MTN', '635', '10', 'RW', 'default', 0),
    ('25079', 'MTN', '635', '10', 'RW', 'default', 0),
    ('25072', 'Airtel', '635', '13', 'RW', 'default', 0),
    ('25073', 'Airtel', '635', '13', 'RW', 'default', 0);

-- A rule may match the destination's operator: a name, or MCC and MNC.
ALTER TABLE routes ADD COLUMN operator TEXT;

-- The number-portability lookup (one, platform-wide; its answers are cached in memory).
CREATE TABLE number_lookup (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    kind TEXT NOT NULL,
    settings TEXT NOT NULL,        -- JSON, without secrets
    secrets TEXT NOT NULL,         -- sealed JSON
    is_active BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL
);
