-- Receipts that came before the record of their part (a very fast SMSC, or
-- a submit record held back while the database was away). They are kept
-- here, acknowledged once stored, and matched when the part is recorded
-- (docs/operations.md).
CREATE TABLE early_receipts (
    id TEXT PRIMARY KEY,
    gateway_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    provider_key TEXT NOT NULL,
    stat TEXT NOT NULL,
    status TEXT NOT NULL,
    error_code TEXT,
    submit_date TEXT,
    done_date TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX early_receipts_part ON early_receipts (gateway_id, provider_key);

-- A gateway's own receipt timeout in seconds (NULL: the server's
-- receipt_timeout_s): messages it sent that long ago without a final
-- receipt end expired, RECEIPT_TIMEOUT.
ALTER TABLE gateways ADD COLUMN receipt_timeout_s BIGINT;

-- One row per node, written when the pipeline checks whether the database
-- takes writes again after a fault (a write that needs room on its disk).
CREATE TABLE pipeline_probes (
    node_id TEXT PRIMARY KEY,
    probed_at BIGINT NOT NULL
);
