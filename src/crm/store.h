#pragma once
// SQL of the CRM's tables, built from the entities' declarations; the only
// place those tables appear. Every query of a record takes its account.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "core/money.h"
#include "core/result.h"
#include "crm/record.h"
#include "crm/schema.h"
#include "db/connection.h"
#include "db/store_support.h"
#include "db/window.h"

namespace ujumbe::crm::store {

using db::Connection;

// What a list asks for: conditions on the record's table (alias t, `{}`
// for the value), a search over the entity's search fields, an order.
struct ListQuery {
    std::vector<std::pair<std::string, db::Value>> conditions;
    std::optional<std::string> search;
    std::string ordering = "-created_at";  // a field, "-" for descending
};

Status insert(Connection& c, const Entity& e, const AccountId& account, const Record& r);
Status update(Connection& c, const Entity& e, const AccountId& account, const Record& r);
// False when the account has no such record.
Result<bool> remove(Connection& c, const Entity& e, const AccountId& account,
                    const std::string& id);
// The kinds of record (their nouns) that still reference the record `id` of `e`.
Result<std::vector<std::string>> referenced_by(Connection& c, const Entity& e,
                                               const AccountId& account, const std::string& id);
// The record with the names of what it references (and an order's items).
Result<std::optional<Record>> find(Connection& c, const Entity& e, const AccountId& account,
                                   const std::string& id);
// A page of a list: `more` when rows follow it; a search's count is exact
// up to kSearchCountCap matches and an estimate (that many) beyond.
inline constexpr std::int64_t kSearchCountCap = 1000;
Result<db::WindowListing<Record>> list(Connection& c, const Entity& e, const AccountId& account,
                                       const ListQuery& q, const db::Paged& page);
// Keyset pages in id order, for exports.
Result<std::vector<Record>> export_page(Connection& c, const Entity& e, const AccountId& account,
                                        const ListQuery& q, const std::string& after_id, int limit);

struct Stats {
    std::int64_t total = 0;
    // field -> value -> count
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::int64_t>>>> by;
    // currency -> the entity's sums, in its order (wider than int64: a
    // sum of many amounts may pass it)
    std::vector<std::pair<std::string, std::vector<MoneySum>>> sums;
};
Result<Stats> stats(Connection& c, const Entity& e, const AccountId& account, const ListQuery& q);

// True when `id` names a record of `target` (an entity, "users" as members,
// "contacts" not deleted) in the account.
Result<bool> exists(Connection& c, const std::string& target, const AccountId& account,
                    const std::string& id);
// The next number of `prefix` for the account in `year`: 1, 2, ... never
// given twice, even when records are deleted or created side by side.
Result<std::int64_t> next_number(Connection& c, const AccountId& account, const std::string& prefix,
                                 int year);

// Fresh planner statistics of the CRM's tables (SQLite from a sample), so
// that a list takes the index of its filter and not the first one it sees.
Status refresh_statistics(Connection& c);

// The number a customer is reached at: its linked contact's, else its own
// phone; "" when it has neither (or is not the account's).
Result<std::string> customer_number(Connection& c, const AccountId& account,
                                    const std::string& customer_id);

// CRM events' templates (notifications.h), by event.
struct AttachedTemplate {
    std::string event;
    std::string template_id;
    bool enabled = true;
};
Result<std::vector<AttachedTemplate>> attached_templates(Connection& c, const AccountId& account);
Status set_attached_templates(Connection& c, const AccountId& account,
                              const std::vector<AttachedTemplate>& list, Micros now);

// Orders: the items replaced, and what its payments paid.
Status replace_items(Connection& c, const AccountId& account, const std::string& order_id,
                     const std::vector<OrderItem>& items);
Status refresh_amount_paid(Connection& c, const AccountId& account, const std::string& order_id);
// Activities: the customer's name copied where it is shown.
Status sync_customer_name(Connection& c, const AccountId& account, const std::string& customer_id,
                          const std::string& name);

// Deals: the account's pipeline (stage keys and names, in order; empty:
// the default one).
struct Stage {
    std::string key, name;
    std::int64_t probability = 0;
};
Result<std::vector<Stage>> stages(Connection& c, const AccountId& account);
Status set_stages(Connection& c, const AccountId& account, const std::vector<Stage>& stages,
                  Micros now);
// Deals in any of `keys`.
Result<std::int64_t> count_deals_in(Connection& c, const AccountId& account,
                                    const std::vector<std::string>& keys);

// A customer's timeline: its activities, orders, payments and issues in
// the window, newest first.
struct Entry {
    std::string kind, id, title, status;
    Micros at = 0;
};
Result<db::WindowListing<Entry>> timeline(Connection& c, const AccountId& account,
                                          const std::string& customer_id, const db::Window& w);

}  // namespace ujumbe::crm::store
