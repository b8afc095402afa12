-- Plans (seed 001): a monthly fee, included messages and limits; an
-- account's subscription to one (none: pay as you go, no plan limits).
CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    monthly_fee BIGINT NOT NULL,          -- micro-units of the platform currency
    included_messages BIGINT NOT NULL,
    max_users BIGINT,                     -- NULL: no limit
    max_contacts BIGINT,
    max_messages_per_day BIGINT,
    sort_order INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO plans VALUES
    ('01a20000-0000-7000-8000-000000000001', 'pay_as_you_go', 'Pay as you go', 0, 0,
     NULL, NULL, NULL, 0, 0),
    ('01a20000-0000-7000-8000-000000000002', 'starter', 'Starter', 10000000, 500,
     3, 5000, 1000, 1, 0),
    ('01a20000-0000-7000-8000-000000000003', 'business', 'Business', 49000000, 5000,
     20, 100000, 20000, 2, 0),
    ('01a20000-0000-7000-8000-000000000004', 'enterprise', 'Enterprise', 299000000, 50000,
     NULL, NULL, NULL, 3, 0);

CREATE TABLE subscriptions (
    account_id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    status TEXT NOT NULL CHECK (status IN ('active', 'canceled')),
    period_start BIGINT NOT NULL,
    period_end BIGINT NOT NULL,
    included_used BIGINT NOT NULL DEFAULT 0,  -- messages of the period sent free
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
