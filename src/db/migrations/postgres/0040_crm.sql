-- The CRM (decision 0041, seed 003): customers, vendors, leads, deals,
-- orders with their items, payments, issues and activities of an account,
-- with their numbers (ORD/PAY/ISS-YYYY-NNNN) counted per account and year
-- and the account's deal pipeline. Columns mirror src/crm/schema.cc; money
-- is BIGINT micro-units, times BIGINT microseconds, dates 'YYYY-MM-DD'.
-- Every list filter has an index that starts with the account and ends
-- with the default order (created_at, id); GET .../stats reads one index
-- that holds every column it counts and sums. search_text holds the search
-- fields lower-cased, for ?search=.

CREATE TABLE crm_customers (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    company TEXT,
    address TEXT,
    city TEXT,
    country TEXT,
    notes TEXT,
    customer_type TEXT,
    status TEXT NOT NULL,
    contact_id TEXT,
    assigned_to_id TEXT,
    created_by_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crm_customers_account ON crm_customers (account_id, created_at, id);
CREATE INDEX crm_customers_stats ON crm_customers (account_id, status, customer_type);
CREATE INDEX crm_customers_status ON crm_customers (account_id, status, created_at, id);
CREATE INDEX crm_customers_customer_type ON crm_customers (account_id, customer_type, created_at, id);
CREATE INDEX crm_customers_assigned_to ON crm_customers (account_id, assigned_to_id, created_at, id);
CREATE INDEX crm_customers_created_by ON crm_customers (account_id, created_by_id, created_at, id);
CREATE INDEX crm_customers_contact ON crm_customers (account_id, contact_id, created_at, id);
CREATE INDEX crm_customers_city ON crm_customers (account_id, city, created_at, id);
CREATE INDEX crm_customers_country ON crm_customers (account_id, country, created_at, id);

CREATE TABLE crm_vendors (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    company TEXT,
    address TEXT,
    city TEXT,
    country TEXT,
    notes TEXT,
    vendor_type TEXT,
    status TEXT NOT NULL,
    assigned_to_id TEXT,
    created_by_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crm_vendors_account ON crm_vendors (account_id, created_at, id);
CREATE INDEX crm_vendors_stats ON crm_vendors (account_id, status, vendor_type);
CREATE INDEX crm_vendors_status ON crm_vendors (account_id, status, created_at, id);
CREATE INDEX crm_vendors_vendor_type ON crm_vendors (account_id, vendor_type, created_at, id);
CREATE INDEX crm_vendors_assigned_to ON crm_vendors (account_id, assigned_to_id, created_at, id);
CREATE INDEX crm_vendors_created_by ON crm_vendors (account_id, created_by_id, created_at, id);
CREATE INDEX crm_vendors_city ON crm_vendors (account_id, city, created_at, id);
CREATE INDEX crm_vendors_country ON crm_vendors (account_id, country, created_at, id);

CREATE TABLE crm_leads (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    company TEXT,
    address TEXT,
    city TEXT,
    country TEXT,
    notes TEXT,
    source TEXT,
    status TEXT NOT NULL,
    estimated_value BIGINT,
    currency TEXT,
    lost_reason TEXT,
    converted_customer_id TEXT,
    converted_deal_id TEXT,
    converted_at BIGINT,
    assigned_to_id TEXT,
    created_by_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crm_leads_account ON crm_leads (account_id, created_at, id);
CREATE INDEX crm_leads_stats ON crm_leads (account_id, status, source);
CREATE INDEX crm_leads_status ON crm_leads (account_id, status, created_at, id);
CREATE INDEX crm_leads_source ON crm_leads (account_id, source, created_at, id);
CREATE INDEX crm_leads_assigned_to ON crm_leads (account_id, assigned_to_id, created_at, id);
CREATE INDEX crm_leads_created_by ON crm_leads (account_id, created_by_id, created_at, id);

CREATE TABLE crm_deals (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    customer_id TEXT,
    lead_id TEXT,
    value BIGINT,
    currency TEXT,
    stage TEXT,
    probability BIGINT,
    expected_close_date TEXT,
    status TEXT NOT NULL,
    lost_reason TEXT,
    closed_at BIGINT,
    assigned_to_id TEXT,
    created_by_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crm_deals_account ON crm_deals (account_id, created_at, id);
CREATE INDEX crm_deals_stats ON crm_deals (account_id, status, stage, currency, value);
CREATE INDEX crm_deals_status ON crm_deals (account_id, status, created_at, id);
CREATE INDEX crm_deals_stage ON crm_deals (account_id, stage, created_at, id);
CREATE INDEX crm_deals_customer ON crm_deals (account_id, customer_id, created_at, id);
CREATE INDEX crm_deals_lead ON crm_deals (account_id, lead_id, created_at, id);
CREATE INDEX crm_deals_assigned_to ON crm_deals (account_id, assigned_to_id, created_at, id);
CREATE INDEX crm_deals_created_by ON crm_deals (account_id, created_by_id, created_at, id);
CREATE INDEX crm_deals_expected_close_date ON crm_deals (account_id, expected_close_date, created_at, id);

CREATE TABLE crm_orders (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    order_number TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    order_type TEXT,
    status TEXT NOT NULL,
    customer_id TEXT,
    vendor_id TEXT,
    currency TEXT,
    subtotal BIGINT,
    tax_amount BIGINT,
    discount_amount BIGINT,
    total_amount BIGINT,
    amount_paid BIGINT,
    order_date TEXT,
    delivery_date TEXT,
    completed_at BIGINT,
    cancelled_at BIGINT,
    cancel_reason TEXT,
    notes TEXT,
    assigned_to_id TEXT,
    created_by_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crm_orders_account ON crm_orders (account_id, created_at, id);
CREATE INDEX crm_orders_stats ON crm_orders (account_id, status, order_type, currency, total_amount, amount_paid);
CREATE INDEX crm_orders_status ON crm_orders (account_id, status, created_at, id);
CREATE INDEX crm_orders_order_type ON crm_orders (account_id, order_type, created_at, id);
CREATE INDEX crm_orders_customer ON crm_orders (account_id, customer_id, created_at, id);
CREATE INDEX crm_orders_vendor ON crm_orders (account_id, vendor_id, created_at, id);
CREATE INDEX crm_orders_assigned_to ON crm_orders (account_id, assigned_to_id, created_at, id);
CREATE INDEX crm_orders_created_by ON crm_orders (account_id, created_by_id, created_at, id);
CREATE INDEX crm_orders_order_date ON crm_orders (account_id, order_date, created_at, id);
CREATE INDEX crm_orders_delivery_date ON crm_orders (account_id, delivery_date, created_at, id);
CREATE UNIQUE INDEX crm_orders_number ON crm_orders (account_id, order_number);

CREATE TABLE crm_payments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    payment_number TEXT NOT NULL,
    order_id TEXT,
    vendor_id TEXT,
    customer_id TEXT,
    amount BIGINT NOT NULL,
    currency TEXT,
    payment_date TEXT,
    due_date TEXT,
    payment_type TEXT,
    payment_method TEXT,
    status TEXT NOT NULL,
    invoice_number TEXT,
    reference_number TEXT,
    transaction_id TEXT,
    processed_at BIGINT,
    processed_by_id TEXT,
    failure_reason TEXT,
    notes TEXT,
    created_by_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crm_payments_account ON crm_payments (account_id, created_at, id);
CREATE INDEX crm_payments_stats ON crm_payments (account_id, status, payment_type, payment_method, currency, amount);
CREATE INDEX crm_payments_status ON crm_payments (account_id, status, created_at, id);
CREATE INDEX crm_payments_payment_type ON crm_payments (account_id, payment_type, created_at, id);
CREATE INDEX crm_payments_payment_method ON crm_payments (account_id, payment_method, created_at, id);
CREATE INDEX crm_payments_order ON crm_payments (account_id, order_id, created_at, id);
CREATE INDEX crm_payments_customer ON crm_payments (account_id, customer_id, created_at, id);
CREATE INDEX crm_payments_vendor ON crm_payments (account_id, vendor_id, created_at, id);
CREATE INDEX crm_payments_processed_by ON crm_payments (account_id, processed_by_id, created_at, id);
CREATE INDEX crm_payments_created_by ON crm_payments (account_id, created_by_id, created_at, id);
CREATE INDEX crm_payments_payment_date ON crm_payments (account_id, payment_date, created_at, id);
CREATE INDEX crm_payments_due_date ON crm_payments (account_id, due_date, created_at, id);
CREATE UNIQUE INDEX crm_payments_number ON crm_payments (account_id, payment_number);

CREATE TABLE crm_issues (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    issue_number TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    priority TEXT,
    category TEXT,
    status TEXT NOT NULL,
    vendor_id TEXT,
    order_id TEXT,
    customer_id TEXT,
    resolved_by_id TEXT,
    resolved_at BIGINT,
    resolution_notes TEXT,
    assigned_to_id TEXT,
    created_by_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crm_issues_account ON crm_issues (account_id, created_at, id);
CREATE INDEX crm_issues_stats ON crm_issues (account_id, status, priority, category);
CREATE INDEX crm_issues_status ON crm_issues (account_id, status, created_at, id);
CREATE INDEX crm_issues_priority ON crm_issues (account_id, priority, created_at, id);
CREATE INDEX crm_issues_category ON crm_issues (account_id, category, created_at, id);
CREATE INDEX crm_issues_vendor ON crm_issues (account_id, vendor_id, created_at, id);
CREATE INDEX crm_issues_order ON crm_issues (account_id, order_id, created_at, id);
CREATE INDEX crm_issues_customer ON crm_issues (account_id, customer_id, created_at, id);
CREATE INDEX crm_issues_assigned_to ON crm_issues (account_id, assigned_to_id, created_at, id);
CREATE INDEX crm_issues_resolved_by ON crm_issues (account_id, resolved_by_id, created_at, id);
CREATE INDEX crm_issues_created_by ON crm_issues (account_id, created_by_id, created_at, id);
CREATE UNIQUE INDEX crm_issues_number ON crm_issues (account_id, issue_number);

CREATE TABLE crm_activities (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    scheduled_at BIGINT,
    completed_at BIGINT,
    due_at BIGINT,
    customer_id TEXT,
    customer_name TEXT,
    lead_id TEXT,
    deal_id TEXT,
    phone_number TEXT,
    call_duration BIGINT,
    call_recording_url TEXT,
    email_subject TEXT,
    email_body TEXT,
    email_attachments TEXT,
    telegram_username TEXT,
    telegram_chat_id TEXT,
    meeting_location TEXT,
    meeting_url TEXT,
    attendees TEXT,
    task_priority TEXT,
    task_due_date BIGINT,
    is_pinned BOOLEAN,
    assigned_to_id TEXT,
    created_by_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crm_activities_account ON crm_activities (account_id, created_at, id);
CREATE INDEX crm_activities_stats ON crm_activities (account_id, status, activity_type);
CREATE INDEX crm_activities_status ON crm_activities (account_id, status, created_at, id);
CREATE INDEX crm_activities_activity_type ON crm_activities (account_id, activity_type, created_at, id);
CREATE INDEX crm_activities_customer ON crm_activities (account_id, customer_id, created_at, id);
CREATE INDEX crm_activities_lead ON crm_activities (account_id, lead_id, created_at, id);
CREATE INDEX crm_activities_deal ON crm_activities (account_id, deal_id, created_at, id);
CREATE INDEX crm_activities_assigned_to ON crm_activities (account_id, assigned_to_id, created_at, id);
CREATE INDEX crm_activities_created_by ON crm_activities (account_id, created_by_id, created_at, id);
CREATE INDEX crm_activities_scheduled_at ON crm_activities (account_id, scheduled_at, created_at, id);
CREATE INDEX crm_activities_is_pinned ON crm_activities (account_id, is_pinned, created_at, id);

CREATE TABLE crm_order_items (
    order_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    item_name TEXT NOT NULL,
    description TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    total_price BIGINT NOT NULL,
    PRIMARY KEY (order_id, position)
);

-- The last number given per account, prefix and year.
CREATE TABLE crm_counters (
    account_id TEXT NOT NULL,
    prefix TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (account_id, prefix, year)
);

-- The SMS templates an account attached to CRM events (order.created, ...).
CREATE TABLE crm_notifications (
    account_id TEXT NOT NULL,
    event TEXT NOT NULL,
    template_id TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, event)
);

-- An account's deal pipeline, in order (none: the default stages).
CREATE TABLE crm_pipeline_stages (
    account_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    name TEXT NOT NULL,
    probability BIGINT NOT NULL,
    position INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, stage)
);

-- ?search= looks for a substring of search_text: a trigram index answers it.
CREATE INDEX crm_customers_search ON crm_customers USING gin (search_text gin_trgm_ops);
CREATE INDEX crm_vendors_search ON crm_vendors USING gin (search_text gin_trgm_ops);
CREATE INDEX crm_leads_search ON crm_leads USING gin (search_text gin_trgm_ops);
CREATE INDEX crm_deals_search ON crm_deals USING gin (search_text gin_trgm_ops);
CREATE INDEX crm_orders_search ON crm_orders USING gin (search_text gin_trgm_ops);
CREATE INDEX crm_payments_search ON crm_payments USING gin (search_text gin_trgm_ops);
CREATE INDEX crm_issues_search ON crm_issues USING gin (search_text gin_trgm_ops);
CREATE INDEX crm_activities_search ON crm_activities USING gin (search_text gin_trgm_ops);
