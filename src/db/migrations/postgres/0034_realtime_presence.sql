-- Which accounts have a realtime client connected, and on which node
-- (decision 0037): nodes publish an account's events only while someone
-- listens. Written every second by each node; a row not renewed expires.
CREATE TABLE realtime_presence (
    account_id TEXT NOT NULL,
    node TEXT NOT NULL,
    until BIGINT NOT NULL,
    PRIMARY KEY (account_id, node)
);
