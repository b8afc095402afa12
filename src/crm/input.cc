#include "crm/input.h"

#include "core/dates.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/validate.h"
#include "formats/phone.h"
#include "http/input.h"

namespace ujumbe::crm {

namespace {

using http::Fields;
using http::Need;
using json = nlohmann::json;

constexpr std::size_t kMaxListItems = 20;
constexpr std::size_t kMaxAttendees = 100;

std::optional<std::int64_t> read_money(Fields& f, const json& v, const std::string& name) {
    const auto amount = money_from_json(v);
    if (!amount || *amount < 0 || *amount > kMaxAmount) {
        f.fail(name, "Must be an amount from 0 to " + format_money(kMaxAmount) +
                         " with at most six decimals.");
        return std::nullopt;
    }
    return *amount;
}

std::optional<std::string> read_date(Fields& f, const json& v, const std::string& name) {
    if (v.is_string()) {
        const auto& text = v.get_ref<const std::string&>();
        if (text.size() == 10 && parse_date_param(text)) return text;
    }
    f.fail(name, "Must be a date such as 2026-01-15, in the years 2000 to 2100.");
    return std::nullopt;
}

std::optional<json> read_attendees(Fields& f, const json& v, const std::string& name) {
    if (!v.is_array() || v.size() > kMaxAttendees) {
        f.fail(name, "Must be a list of at most 100 attendees.");
        return std::nullopt;
    }
    json out = json::array();
    for (const auto& a : v) {
        const bool one = a.is_object() && a.size() == 1;
        const auto who = one ? a.begin() : a.end();
        if (!one || (who.key() != "user" && who.key() != "contact") || !who->is_string() ||
            !is_uuid(who->get_ref<const std::string&>())) {
            f.fail(name, "Each attendee is {\"user\": id} or {\"contact\": id}.");
            return std::nullopt;
        }
        out.push_back(a);
    }
    return out;
}

// One field's value as stored; nullopt (with the problem recorded) when invalid.
std::optional<json> read_field(Fields& f, const Field& field, const json& v,
                               const std::string& country) {
    const std::string& name = field.name;
    switch (field.kind) {
        case Kind::kText:
        case Kind::kLongText:
            if (auto t = f.text(name, Need::kOptional, field.required ? 1 : 0, field.max))
                return *t;
            return std::nullopt;
        case Kind::kChoice:
            if (auto c = f.choice(name, Need::kOptional, field.choices)) return *c;
            return std::nullopt;
        case Kind::kReference:
            if (auto id = f.id<std::string>(name, Need::kOptional)) return *id;
            return std::nullopt;
        case Kind::kMoney:
            return read_money(f, v, name);
        case Kind::kInteger:
            if (auto n = f.integer(name, Need::kOptional, 0, static_cast<std::int64_t>(field.max)))
                return *n;
            return std::nullopt;
        case Kind::kTime:
            if (auto t = f.timestamp(name, Need::kOptional)) return *t;
            return std::nullopt;
        case Kind::kDate:
            return read_date(f, v, name);
        case Kind::kBool:
            if (auto b = f.boolean(name, Need::kOptional)) return *b;
            return std::nullopt;
        case Kind::kCurrency:
            if (v.is_string() && is_currency_code(v.get_ref<const std::string&>()))
                return v.get<std::string>();
            f.fail(name, "Must be a currency code of three capital letters, such as KES.");
            return std::nullopt;
        case Kind::kPhone: {
            auto t = f.text(name, Need::kOptional, 1, 32);
            if (!t) return std::nullopt;
            std::string problem;
            if (auto e164 = formats::normalize_phone(*t, country, &problem)) return *e164;
            f.fail(name, problem.empty() ? "Not a valid phone number." : problem);
            return std::nullopt;
        }
        case Kind::kEmail:
            if (auto e = f.email(name, Need::kOptional)) return *e;
            return std::nullopt;
        case Kind::kUrl: {
            auto t = f.text(name, Need::kOptional, 1, 2000);
            if (!t) return std::nullopt;
            if (t->starts_with("https://") || t->starts_with("http://")) return *t;
            f.fail(name, "Must be an http or https URL.");
            return std::nullopt;
        }
        case Kind::kTextList:
            if (auto l = f.string_list(name, Need::kOptional, kMaxListItems)) return json(*l);
            return std::nullopt;
        case Kind::kAttendees:
            return read_attendees(f, v, name);
    }
    return std::nullopt;
}

std::optional<std::vector<OrderItem>> read_items(Fields& f, const json& body) {
    const auto it = body.find("items");
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_array() || it->size() > kMaxOrderItems) {
        f.fail("items", "Must be a list of at most " + std::to_string(kMaxOrderItems) + " items.");
        return std::nullopt;
    }
    std::vector<OrderItem> items;
    for (std::size_t i = 0; i < it->size(); ++i) {
        const json& raw = (*it)[i];
        const std::string prefix = "items." + std::to_string(i);
        if (!raw.is_object()) {
            f.fail(prefix, "Each item is an object {item_name, quantity, unit_price}.");
            continue;
        }
        Fields item_fields(raw);
        OrderItem item;
        item.item_name = item_fields.text("item_name", Need::kRequired, 1, 200).value_or("");
        item.description = item_fields.text("description", Need::kOptional, 0, 1000).value_or("");
        item.sku = item_fields.text("sku", Need::kOptional, 0, 100).value_or("");
        item.quantity =
            item_fields.integer("quantity", Need::kRequired, 1, kMaxQuantity).value_or(1);
        if (const auto p = raw.find("unit_price"); p != raw.end() && !p->is_null())
            item.unit_price = read_money(item_fields, *p, "unit_price").value_or(0);
        else
            item_fields.fail("unit_price", "This field is required.");
        const auto total = checked_mul(item.unit_price, item.quantity);
        if (!total || *total > kMaxAmount)
            item_fields.fail("unit_price", "quantity x unit_price may be at most " +
                                               format_money(kMaxAmount) + ".");
        else
            item.total_price = *total;
        f.merge(item_fields, prefix);
        items.push_back(std::move(item));
    }
    return items;
}

}  // namespace

Result<Input> read_input(const Entity& e, const json& body, bool create,
                         const std::string& country) {
    Fields f(body);
    Input in;
    for (const auto& field : e.fields) {
        if (field.read_only) continue;
        const auto v = body.find(field.name);
        if (v == body.end()) {
            if (!create) continue;
            if (field.required)
                f.fail(field.name, "This field is required.");
            else if (field.kind == Kind::kChoice && field.only_for.empty())
                in.values[field.name] = field.choices.front();
            continue;
        }
        if (v->is_null()) {
            // A kind's choices (a status, a type) always have a value.
            if (field.required || (field.kind == Kind::kChoice && field.only_for.empty()))
                f.fail(field.name, "This field cannot be null.");
            else
                in.values[field.name] = nullptr;
            continue;
        }
        if (auto value = read_field(f, field, *v, country)) in.values[field.name] = *value;
    }
    if (e.key == "orders") in.items = read_items(f, body);
    UJ_TRY(f.check());
    return in;
}

Status check_type_fields(const Entity& e, const json& merged, const std::set<std::string>& given) {
    const auto type = merged.find("activity_type");
    if (type == merged.end() || !type->is_string()) return {};
    const auto& kind = type->get_ref<const std::string&>();
    FieldErrors errors;
    for (const auto& field : e.fields) {
        if (field.only_for.empty()) continue;
        const auto v = merged.find(field.name);
        const bool set = v != merged.end() && !v->is_null();
        if (field.only_for != kind) {
            if (set && given.contains(field.name))
                errors[field.name].push_back("Only for " + field.only_for + " activities.");
        } else if (field.required_for && !set) {
            errors[field.name].push_back("Required for " + kind + " activities.");
        }
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return {};
}

}  // namespace ujumbe::crm
