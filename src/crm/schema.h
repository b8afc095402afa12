#pragma once
// The CRM's records (seed 003), declared as data: each kind of record is an
// Entity with its fields, and one generic reader, store, list query and view
// serve them all (decision 0041). What differs between kinds (numbers, line
// items, actions, type-specific activity fields) hangs off the declaration.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ujumbe::crm {

enum class Kind : std::uint8_t {
    kText,       // a single line
    kLongText,   // several lines
    kChoice,     // one of `choices`
    kReference,  // the id of another record of the account (`target`)
    kMoney,      // integer micro-units, written as decimal text
    kInteger,
    kTime,  // Unix microseconds, written as ISO-8601
    kDate,  // "YYYY-MM-DD"
    kBool,
    kCurrency,  // ISO 4217
    kPhone,     // normalised to E.164 with the account's country
    kEmail,
    kUrl,
    kTextList,   // a JSON list of short strings
    kAttendees,  // [{"user": id} | {"contact": id}]
};

struct Field {
    std::string name;  // in the API; the column, with "_id" for references
    Kind kind = Kind::kText;
    std::size_t max = 200;             // text: characters; integer: the largest value
    std::vector<std::string> choices;  // kChoice; the first is the default
    std::string target;                // kReference: an entity key, "users" or "contacts"
    bool required = false;             // on create
    bool read_only = false;            // set by the server only
    bool filter = false;               // ?name= (times and dates: ?name_after=, ?name_before=)
    bool search = false;               // in ?search=
    bool ordering = false;             // ?ordering=name or -name
    std::string only_for;              // activities: the activity_type it belongs to
    bool required_for = false;         // with only_for: required for that type

    std::string column() const { return kind == Kind::kReference ? name + "_id" : name; }
};

// A kind of record.
struct Entity {
    std::string key;            // "orders": the path under /api/v1/crm and the table's suffix
    std::string noun;           // "Order"
    std::string title_field;    // what names a record where it is referenced
    std::string number_field;   // "order_number" (ORD-YYYY-NNNN), or ""
    std::string number_prefix;  // "ORD"
    std::vector<Field> fields;
    // Counted by these fields in GET .../stats.
    std::vector<std::string> stats_by;
    // Money fields summed per currency in stats: {name in stats, SQL sum}.
    std::vector<std::pair<std::string, std::string>> stats_sums;
    // Statuses an edit may set (others only through actions); empty: any.
    std::vector<std::string> editable_statuses;
    // Statuses in which a record can no longer be edited.
    std::vector<std::string> final_statuses;
    bool has_assignee = true;  // an `assigned_to` field: agents change what is theirs

    std::string table() const { return "crm_" + key; }
    const Field* field(const std::string& name) const;
};

// Every kind of CRM record, by key: customers, vendors, leads, deals,
// orders, payments, issues, activities.
const std::vector<Entity>& entities();
const Entity& entity(const std::string& key);
// The table and naming column of a reference target ("users": users.name).
struct Target {
    std::string table, title_column;
};
Target target_of(const std::string& target);

}  // namespace ujumbe::crm
