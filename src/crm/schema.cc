#include "crm/schema.h"

#include <stdexcept>

namespace ujumbe::crm {

namespace {

using K = Kind;

const std::vector<std::string> kPriorities = {"medium", "low", "high", "urgent"};

Field ref(std::string name, std::string target, bool filter = true) {
    return Field{.name = std::move(name),
                 .kind = K::kReference,
                 .target = std::move(target),
                 .filter = filter};
}

// A record's own number (ORD-2026-0001), set by the server.
Field number(std::string name) {
    return Field{.name = std::move(name),
                 .kind = K::kText,
                 .read_only = true,
                 .search = true,
                 .ordering = true};
}

Field title() {
    return Field{.name = "title",
                 .kind = K::kText,
                 .max = 200,
                 .required = true,
                 .search = true,
                 .ordering = true};
}

Field description() {
    return Field{.name = "description", .kind = K::kLongText, .max = 5000, .search = true};
}

// created_by, created_at, updated_at; assigned_to unless `assignee` is false.
void add_common(Entity& e, bool assignee = true) {
    if (assignee) e.fields.push_back(ref("assigned_to", "users"));
    e.fields.push_back(Field{.name = "created_by",
                             .kind = K::kReference,
                             .target = "users",
                             .read_only = true,
                             .filter = true});
    e.fields.push_back(Field{.name = "created_at",
                             .kind = K::kTime,
                             .read_only = true,
                             .filter = true,
                             .ordering = true});
    e.fields.push_back(
        Field{.name = "updated_at", .kind = K::kTime, .read_only = true, .ordering = true});
    e.has_assignee = assignee;
}

// name, email, phone, company, address, city, country: a person or business.
void add_party(Entity& e) {
    e.fields.push_back(Field{.name = "name",
                             .kind = K::kText,
                             .max = 200,
                             .required = true,
                             .search = true,
                             .ordering = true});
    e.fields.push_back(Field{.name = "email", .kind = K::kEmail, .search = true});
    e.fields.push_back(Field{.name = "phone", .kind = K::kPhone, .search = true});
    e.fields.push_back(
        Field{.name = "company", .kind = K::kText, .max = 200, .search = true, .ordering = true});
    e.fields.push_back(Field{.name = "address", .kind = K::kText, .max = 500});
    e.fields.push_back(Field{.name = "city", .kind = K::kText, .max = 100, .filter = true});
    e.fields.push_back(Field{.name = "country", .kind = K::kText, .max = 100, .filter = true});
    e.fields.push_back(Field{.name = "notes", .kind = K::kLongText, .max = 5000});
}

Entity customers() {
    Entity e{.key = "customers", .noun = "Customer", .title_field = "name"};
    add_party(e);
    e.fields.push_back(Field{.name = "customer_type",
                             .kind = K::kChoice,
                             .choices = {"individual", "business"},
                             .filter = true});
    e.fields.push_back(Field{.name = "status",
                             .kind = K::kChoice,
                             .choices = {"active", "inactive"},
                             .filter = true,
                             .ordering = true});
    e.fields.push_back(ref("contact", "contacts"));
    add_common(e);
    e.stats_by = {"status", "customer_type"};
    return e;
}

Entity vendors() {
    Entity e{.key = "vendors", .noun = "Vendor", .title_field = "name"};
    add_party(e);
    e.fields.push_back(Field{.name = "vendor_type",
                             .kind = K::kChoice,
                             .choices = {"supplier", "manufacturer", "distributor",
                                         "service_provider", "contractor", "other"},
                             .filter = true});
    e.fields.push_back(Field{.name = "status",
                             .kind = K::kChoice,
                             .choices = {"active", "inactive", "blacklisted"},
                             .filter = true,
                             .ordering = true});
    add_common(e);
    e.stats_by = {"status", "vendor_type"};
    return e;
}

Entity leads() {
    Entity e{.key = "leads", .noun = "Lead", .title_field = "name"};
    add_party(e);
    e.fields.push_back(Field{.name = "source",
                             .kind = K::kChoice,
                             .choices = {"other", "website", "referral", "social_media", "email",
                                         "phone", "event", "advertisement", "sms", "whatsapp"},
                             .filter = true});
    e.fields.push_back(Field{.name = "status",
                             .kind = K::kChoice,
                             .choices = {"new", "contacted", "qualified", "lost", "converted"},
                             .filter = true,
                             .ordering = true});
    e.fields.push_back(Field{.name = "estimated_value", .kind = K::kMoney, .ordering = true});
    e.fields.push_back(Field{.name = "currency", .kind = K::kCurrency});
    e.fields.push_back(Field{.name = "lost_reason", .kind = K::kText, .max = 500});
    e.fields.push_back(Field{.name = "converted_customer",
                             .kind = K::kReference,
                             .target = "customers",
                             .read_only = true});
    e.fields.push_back(Field{
        .name = "converted_deal", .kind = K::kReference, .target = "deals", .read_only = true});
    e.fields.push_back(Field{.name = "converted_at", .kind = K::kTime, .read_only = true});
    add_common(e);
    e.stats_by = {"status", "source"};
    e.editable_statuses = {"new", "contacted", "qualified", "lost"};
    e.final_statuses = {"converted"};
    return e;
}

Entity deals() {
    Entity e{.key = "deals", .noun = "Deal", .title_field = "title"};
    e.fields = {
        title(),
        description(),
        ref("customer", "customers"),
        ref("lead", "leads"),
        Field{.name = "value", .kind = K::kMoney, .ordering = true},
        Field{.name = "currency", .kind = K::kCurrency},
        // One of the account's pipeline stages (checked by the service).
        Field{.name = "stage", .kind = K::kText, .max = 50, .filter = true, .ordering = true},
        Field{.name = "probability", .kind = K::kInteger, .max = 100, .ordering = true},
        Field{.name = "expected_close_date", .kind = K::kDate, .filter = true, .ordering = true},
        Field{.name = "status",
              .kind = K::kChoice,
              .choices = {"open", "won", "lost"},
              .filter = true,
              .ordering = true},
        Field{.name = "lost_reason", .kind = K::kText, .max = 500, .read_only = true},
        Field{.name = "closed_at", .kind = K::kTime, .read_only = true, .ordering = true},
    };
    add_common(e);
    e.stats_by = {"status", "stage"};
    e.stats_sums = {{"total_value", "value"}};
    e.editable_statuses = {"open"};
    e.final_statuses = {"won", "lost"};
    return e;
}

Entity orders() {
    Entity e{.key = "orders",
             .noun = "Order",
             .title_field = "order_number",
             .number_field = "order_number",
             .number_prefix = "ORD"};
    e.fields = {
        number("order_number"),
        title(),
        description(),
        Field{.name = "order_type",
              .kind = K::kChoice,
              .choices = {"sales", "purchase", "service", "return"},
              .filter = true},
        Field{.name = "status",
              .kind = K::kChoice,
              .choices = {"pending", "confirmed", "processing", "shipped", "delivered", "completed",
                          "cancelled"},
              .filter = true,
              .ordering = true},
        ref("customer", "customers"),
        ref("vendor", "vendors"),
        Field{.name = "currency", .kind = K::kCurrency},
        Field{.name = "subtotal", .kind = K::kMoney, .read_only = true},
        Field{.name = "tax_amount", .kind = K::kMoney},
        Field{.name = "discount_amount", .kind = K::kMoney},
        Field{.name = "total_amount", .kind = K::kMoney, .read_only = true, .ordering = true},
        Field{.name = "amount_paid", .kind = K::kMoney, .read_only = true},
        Field{.name = "order_date", .kind = K::kDate, .filter = true, .ordering = true},
        Field{.name = "delivery_date", .kind = K::kDate, .filter = true, .ordering = true},
        Field{.name = "completed_at", .kind = K::kTime, .read_only = true},
        Field{.name = "cancelled_at", .kind = K::kTime, .read_only = true},
        Field{.name = "cancel_reason", .kind = K::kText, .max = 500, .read_only = true},
        Field{.name = "notes", .kind = K::kLongText, .max = 5000},
    };
    add_common(e);
    e.stats_by = {"status", "order_type"};
    e.stats_sums = {{"total_revenue", "CASE WHEN status = 'completed' THEN total_amount END"},
                    {"total_amount", "CASE WHEN status <> 'cancelled' THEN total_amount END"},
                    {"amount_paid", "amount_paid"}};
    e.editable_statuses = {"pending", "confirmed", "processing", "shipped", "delivered"};
    e.final_statuses = {"completed", "cancelled"};
    return e;
}

Entity payments() {
    Entity e{.key = "payments",
             .noun = "Payment",
             .title_field = "payment_number",
             .number_field = "payment_number",
             .number_prefix = "PAY"};
    e.fields = {
        number("payment_number"),
        ref("order", "orders"),
        ref("vendor", "vendors"),
        ref("customer", "customers"),
        Field{.name = "amount", .kind = K::kMoney, .required = true, .ordering = true},
        Field{.name = "currency", .kind = K::kCurrency},
        Field{.name = "payment_date", .kind = K::kDate, .filter = true, .ordering = true},
        Field{.name = "due_date", .kind = K::kDate, .filter = true, .ordering = true},
        Field{.name = "payment_type",
              .kind = K::kChoice,
              .choices = {"incoming", "outgoing", "refund"},
              .filter = true},
        Field{.name = "payment_method",
              .kind = K::kChoice,
              .choices = {"cash", "bank_transfer", "card", "mobile_money", "cheque", "other"},
              .filter = true},
        Field{.name = "status",
              .kind = K::kChoice,
              .choices = {"pending", "processing", "completed", "failed", "cancelled"},
              .filter = true,
              .ordering = true},
        Field{.name = "invoice_number", .kind = K::kText, .max = 100, .search = true},
        Field{.name = "reference_number", .kind = K::kText, .max = 100, .search = true},
        Field{.name = "transaction_id", .kind = K::kText, .max = 100, .search = true},
        Field{.name = "processed_at", .kind = K::kTime, .read_only = true, .ordering = true},
        Field{.name = "processed_by",
              .kind = K::kReference,
              .target = "users",
              .read_only = true,
              .filter = true},
        Field{.name = "failure_reason", .kind = K::kText, .max = 500, .read_only = true},
        Field{.name = "notes", .kind = K::kLongText, .max = 5000},
    };
    add_common(e, false);
    e.stats_by = {"status", "payment_type", "payment_method"};
    e.stats_sums = {{"total_amount", "amount"},
                    {"completed_amount", "CASE WHEN status = 'completed' THEN amount END"}};
    e.editable_statuses = {"pending", "processing"};
    e.final_statuses = {"completed", "failed", "cancelled"};
    return e;
}

Entity issues() {
    Entity e{.key = "issues",
             .noun = "Issue",
             .title_field = "issue_number",
             .number_field = "issue_number",
             .number_prefix = "ISS"};
    e.fields = {
        number("issue_number"),
        title(),
        description(),
        Field{.name = "priority",
              .kind = K::kChoice,
              .choices = kPriorities,
              .filter = true,
              .ordering = true},
        Field{.name = "category",
              .kind = K::kChoice,
              .choices = {"other", "quality", "delivery", "billing", "communication", "technical"},
              .filter = true},
        Field{.name = "status",
              .kind = K::kChoice,
              .choices = {"open", "in_progress", "resolved", "closed"},
              .filter = true,
              .ordering = true},
        ref("vendor", "vendors"),
        ref("order", "orders"),
        ref("customer", "customers"),
        Field{.name = "resolved_by",
              .kind = K::kReference,
              .target = "users",
              .read_only = true,
              .filter = true},
        Field{.name = "resolved_at", .kind = K::kTime, .read_only = true, .ordering = true},
        Field{.name = "resolution_notes", .kind = K::kLongText, .max = 5000, .read_only = true},
    };
    add_common(e);
    e.stats_by = {"status", "priority", "category"};
    e.editable_statuses = {"open", "in_progress"};
    e.final_statuses = {"resolved", "closed"};
    return e;
}

Entity activities() {
    Entity e{.key = "activities", .noun = "Activity", .title_field = "title"};
    e.fields = {
        Field{.name = "activity_type",
              .kind = K::kChoice,
              .choices = {"call", "email", "telegram", "meeting", "task", "note"},
              .required = true,
              .filter = true},
        title(),
        description(),
        Field{.name = "status",
              .kind = K::kChoice,
              .choices = {"scheduled", "in_progress", "completed", "cancelled"},
              .filter = true,
              .ordering = true},
        Field{.name = "scheduled_at", .kind = K::kTime, .filter = true, .ordering = true},
        Field{.name = "completed_at", .kind = K::kTime, .read_only = true, .ordering = true},
        // When it is due: a task's due date, else its scheduled time.
        Field{.name = "due_at", .kind = K::kTime, .read_only = true, .ordering = true},
        ref("customer", "customers"),
        Field{.name = "customer_name", .kind = K::kText, .read_only = true, .search = true},
        ref("lead", "leads"),
        ref("deal", "deals"),
        Field{.name = "phone_number", .kind = K::kPhone, .only_for = "call", .required_for = true},
        Field{.name = "call_duration", .kind = K::kInteger, .max = 86400, .only_for = "call"},
        Field{.name = "call_recording_url", .kind = K::kUrl, .only_for = "call"},
        Field{.name = "email_subject",
              .kind = K::kText,
              .max = 300,
              .only_for = "email",
              .required_for = true},
        Field{.name = "email_body", .kind = K::kLongText, .max = 20000, .only_for = "email"},
        Field{.name = "email_attachments", .kind = K::kTextList, .max = 500, .only_for = "email"},
        Field{.name = "telegram_username", .kind = K::kText, .max = 64, .only_for = "telegram"},
        Field{.name = "telegram_chat_id", .kind = K::kText, .max = 64, .only_for = "telegram"},
        Field{.name = "meeting_location", .kind = K::kText, .max = 300, .only_for = "meeting"},
        Field{.name = "meeting_url", .kind = K::kUrl, .only_for = "meeting"},
        Field{.name = "attendees", .kind = K::kAttendees, .only_for = "meeting"},
        Field{.name = "task_priority",
              .kind = K::kChoice,
              .choices = kPriorities,
              .only_for = "task"},
        Field{.name = "task_due_date", .kind = K::kTime, .only_for = "task", .required_for = true},
        Field{.name = "is_pinned", .kind = K::kBool, .filter = true, .only_for = "note"},
    };
    add_common(e);
    e.stats_by = {"status", "activity_type"};
    e.editable_statuses = {"scheduled", "in_progress"};
    e.final_statuses = {"completed", "cancelled"};
    return e;
}

}  // namespace

const Field* Entity::field(const std::string& name) const {
    for (const auto& f : fields)
        if (f.name == name) return &f;
    return nullptr;
}

const std::vector<Entity>& entities() {
    static const std::vector<Entity> all = {customers(), vendors(),  leads(),  deals(),
                                            orders(),    payments(), issues(), activities()};
    return all;
}

const Entity& entity(const std::string& key) {
    for (const auto& e : entities())
        if (e.key == key) return e;
    throw std::logic_error("no CRM entity " + key);
}

Target target_of(const std::string& target) {
    if (target == "users") return {"users", "name"};
    if (target == "contacts") return {"contacts", "name"};
    const Entity& e = entity(target);
    return {e.table(), e.title_field};
}

}  // namespace ujumbe::crm
