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

CREATE TRIGGER settings_epoch_accounts_insert AFTER INSERT ON accounts
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER settings_epoch_accounts_update AFTER UPDATE ON accounts
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER settings_epoch_accounts_delete AFTER DELETE ON accounts
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;

CREATE TRIGGER settings_epoch_memberships_insert AFTER INSERT ON memberships
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER settings_epoch_memberships_update AFTER UPDATE ON memberships
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER settings_epoch_memberships_delete AFTER DELETE ON memberships
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;

CREATE TRIGGER settings_epoch_plans_insert AFTER INSERT ON plans
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER settings_epoch_plans_update AFTER UPDATE ON plans
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER settings_epoch_plans_delete AFTER DELETE ON plans
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;

-- Every charge counts included messages used: that column alone does not
-- move the epoch (the send path reads it in its own transaction).
CREATE TRIGGER settings_epoch_subscriptions_insert AFTER INSERT ON subscriptions
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER settings_epoch_subscriptions_update
AFTER UPDATE OF account_id, plan_id, status, period_start, period_end ON subscriptions
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER settings_epoch_subscriptions_delete AFTER DELETE ON subscriptions
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;

CREATE TRIGGER settings_epoch_rates_insert AFTER INSERT ON rates
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER settings_epoch_rates_update AFTER UPDATE ON rates
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER settings_epoch_rates_delete AFTER DELETE ON rates
BEGIN UPDATE settings_epoch SET epoch = epoch + 1; END;
