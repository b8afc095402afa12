-- Plan periods renew on their own (decision 0032). A period's bounds are
-- whole months from the subscription's anchor; a renewal the wallet cannot
-- pay leaves it past due until it is paid or the grace period ends, when
-- the account goes back to pay as you go (lapsed_at).
ALTER TABLE subscriptions ADD COLUMN cycle_anchor BIGINT;
ALTER TABLE subscriptions ADD COLUMN past_due_since BIGINT;
ALTER TABLE subscriptions ADD COLUMN renewal_tried_at BIGINT;
ALTER TABLE subscriptions ADD COLUMN lapsed_at BIGINT;
-- A stored period runs to its end; the months after it count from there.
UPDATE subscriptions SET cycle_anchor = period_end;
CREATE INDEX subscriptions_due ON subscriptions (period_end) WHERE status = 'active';
