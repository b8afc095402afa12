#include "crm/views.h"

#include "core/clock.h"
#include "core/money.h"
#include "http/schema.h"

namespace ujumbe::crm {

namespace {

using json = nlohmann::json;

// "bank_transfer" -> "Bank transfer".
std::string display(const std::string& choice) {
    std::string out = choice;
    for (auto& ch : out)
        if (ch == '_') ch = ' ';
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
    return out;
}

json shown(Kind kind, const json& v) {
    if (v.is_null()) return nullptr;
    if (kind == Kind::kMoney) return money_json(v.get<std::int64_t>());
    if (kind == Kind::kTime) return format_iso8601(v.get<std::int64_t>());
    return v;
}

std::string cell(Kind kind, const json& v) {
    if (v.is_null()) return "";
    if (kind == Kind::kMoney) return format_money(v.get<std::int64_t>());
    if (kind == Kind::kTime) return format_iso8601(v.get<std::int64_t>());
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return v.dump();
}

// A reference shown with its target's name, unless the kind has a field of
// that name (an activity's own customer_name).
bool shows_name(const Entity& e, const Field& f) {
    return f.kind == Kind::kReference && !e.field(f.name + "_name");
}

json item_json(const OrderItem& item) {
    return {{"item_name", item.item_name},
            {"description", item.description},
            {"sku", item.sku},
            {"quantity", item.quantity},
            {"unit_price", money_json(item.unit_price)},
            {"total_price", money_json(item.total_price)}};
}

json item_schema() {
    using namespace http::schema;
    return object({{"item_name", text()},
                   {"description", text()},
                   {"sku", text()},
                   {"quantity", integer()},
                   {"unit_price", number()},
                   {"total_price", number()}});
}

// Whether every stored record of `e` has a value for `f`: what creating
// requires or defaults (and no edit may clear), the record's number and
// times, and what CrmService derives on every write.
bool always_set(const Entity& e, const Field& f) {
    if (f.required || f.name == e.number_field || f.name == "created_at" ||
        f.name == "updated_at" || f.kind == Kind::kCurrency)
        return true;
    if (f.kind == Kind::kChoice && f.only_for.empty()) return true;
    if (e.key == "orders")
        return f.name == "subtotal" || f.name == "total_amount" || f.name == "amount_paid" ||
               f.name == "order_date";
    if (e.key == "payments") return f.name == "payment_date";
    if (e.key == "deals") return f.name == "stage" || f.name == "probability";
    return false;
}

void add_property(json& schema, const std::string& name, json s, bool required = true) {
    schema["properties"][name] = std::move(s);
    if (required) schema["required"].push_back(name);
}

}  // namespace

json field_schema(const Field& f, bool as_input) {
    using namespace http::schema;
    switch (f.kind) {
        case Kind::kChoice:
            return one_of(f.choices);
        case Kind::kMoney:  // read from text or a number, shown as a number
            return as_input ? json{{"anyOf", json::array({text(), number()})}} : number();
        case Kind::kInteger:
            return integer();
        case Kind::kTime:
            return time();
        case Kind::kDate:
            return date();
        case Kind::kBool:
            return boolean();
        case Kind::kTextList:
            return array_of(text());
        case Kind::kAttendees:
            return array_of({{"anyOf", json::array({object({{"user", text()}}),
                                                    object({{"contact", text()}})})}});
        default:
            return text();
    }
}

json record_json(const Entity& e, const Record& r) {
    json out = {{"id", r.id}};
    for (const auto& f : e.fields) {
        const auto v = r.values.find(f.name);
        const json& value = v == r.values.end() ? json(nullptr) : *v;
        out[f.name] = shown(f.kind, value);
        if (shows_name(e, f)) {
            const auto name = r.values.find(f.name + "_name");
            out[f.name + "_name"] = name == r.values.end() ? json(nullptr) : *name;
        } else if (f.kind == Kind::kChoice) {
            out[f.name + "_display"] =
                value.is_string() ? json(display(value.get<std::string>())) : json(nullptr);
        }
    }
    if (e.key == "orders") {
        if (r.with_items) {
            json items = json::array();
            for (const auto& item : r.items) items.push_back(item_json(item));
            out["items"] = std::move(items);
        }
        out["items_count"] =
            r.with_items ? static_cast<std::int64_t>(r.items.size()) : r.items_count;
        out["outstanding_amount"] = money_json(r.number("total_amount") - r.number("amount_paid"));
    }
    return out;
}

json record_schema(const Entity& e) {
    using namespace http::schema;
    json out = object({{"id", text()}});
    for (const auto& f : e.fields) {
        const bool set = always_set(e, f);
        add_property(out, f.name, set ? field_schema(f, false) : nullable(field_schema(f, false)));
        if (shows_name(e, f))
            add_property(out, f.name + "_name", nullable(text()));
        else if (f.kind == Kind::kChoice)
            add_property(out, f.name + "_display", set ? text() : nullable(text()));
    }
    if (e.key == "orders") {
        // The items are shown with one order, not in lists.
        add_property(out, "items", array_of(item_schema()), false);
        add_property(out, "items_count", integer());
        add_property(out, "outstanding_amount", number());
    }
    return out;
}

json stats_json(const Entity& e, const store::Stats& s) {
    json out = {{"total", s.total}};
    for (const auto& [field, counts] : s.by) {
        json by = json::object();
        for (const auto& [value, n] : counts) by[value] = n;
        out["by_" + field] = std::move(by);
    }
    for (std::size_t i = 0; i < e.stats_sums.size(); ++i) {
        json per_currency = json::object();
        for (const auto& [currency, sums] : s.sums)
            per_currency[currency.empty() ? "none" : currency] = money_sum_json(sums[i]);
        out[e.stats_sums[i].first] = std::move(per_currency);
    }
    return out;
}

json stats_schema(const Entity& e) {
    using namespace http::schema;
    json out = object({{"total", integer()}});
    for (const auto& field : e.stats_by)
        add_property(out, "by_" + field,
                     {{"type", "object"},
                      {"description", "The number of records by " + field + "."},
                      {"additionalProperties", integer()}});
    for (const auto& sum : e.stats_sums)
        add_property(out, sum.first,
                     {{"type", "object"},
                      {"description", "By currency (\"none\" for records without one)."},
                      {"additionalProperties", number()}});
    return out;
}

std::string listed(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out + ".";
}

std::vector<std::string> csv_header(const Entity& e) {
    std::vector<std::string> out = {"id"};
    for (const auto& f : e.fields) {
        out.push_back(f.name);
        if (shows_name(e, f)) out.push_back(f.name + "_name");
    }
    if (e.key == "orders") out.push_back("items_count");
    return out;
}

std::vector<std::string> csv_row(const Entity& e, const Record& r) {
    std::vector<std::string> out = {r.id};
    for (const auto& f : e.fields) {
        const auto v = r.values.find(f.name);
        out.push_back(v == r.values.end() ? "" : cell(f.kind, *v));
        if (shows_name(e, f)) out.push_back(r.text(f.name + "_name"));
    }
    if (e.key == "orders") out.push_back(std::to_string(r.items_count));
    return out;
}

}  // namespace ujumbe::crm
