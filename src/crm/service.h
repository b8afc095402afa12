#pragma once
// The CRM (decision 0041): records of every kind created, changed, listed,
// counted and exported through their declarations, with what differs per
// kind: numbers, order totals and items, payments paying orders, activity
// types, the deal pipeline, lead conversion, the actions that move a
// record's status, and who may change what (owners and admins anything,
// agents what is assigned to them or created by them).

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "contacts/service.h"
#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "crm/notifications.h"
#include "crm/record.h"
#include "crm/schema.h"
#include "crm/store.h"
#include "db/database.h"
#include "db/statistics.h"
#include "db/window.h"
#include "messaging/service.h"

namespace ujumbe::crm {

// The actions of each kind that move its status (POST .../{id}/<name>).
struct ActionSpec {
    std::string entity, name;
    std::vector<std::string> from;  // the statuses it may start from
    std::string to;
    std::string message;  // the envelope's message
    std::string event;    // the CRM event it is (notifications.h), or ""
};
const std::vector<ActionSpec>& actions();

// Stages of a new account's pipeline.
const std::vector<store::Stage>& default_stages();

class CrmService {
public:
    // `messaging` shows a customer's messages on its timeline and
    // `notifications` sends the templates attached to events; either may be
    // null (neither then).
    CrmService(db::Database& db, Clock& clock, contacts::ContactsService& contacts,
               messaging::MessagingService* messaging, Notifications* notifications,
               std::string default_currency);

    Result<Record> create(const Principal& who, const Entity& e, const nlohmann::json& body);
    Result<Record> update(const Principal& who, const Entity& e, const std::string& id,
                          const nlohmann::json& body);
    Result<Record> get(const Principal& who, const Entity& e, const std::string& id);
    Status remove(const Principal& who, const Entity& e, const std::string& id);
    Result<db::WindowListing<Record>> list(const Principal& who, const Entity& e,
                                           const store::ListQuery& q, const db::Paged& page);
    Result<std::vector<Record>> export_page(const Principal& who, const Entity& e,
                                            const store::ListQuery& q, const std::string& after,
                                            int limit);
    Result<store::Stats> stats(const Principal& who, const Entity& e, const store::ListQuery& q);
    // Runs an action; `body` may carry its reason or notes.
    Result<Record> act(const Principal& who, const ActionSpec& action, const std::string& id,
                       const nlohmann::json& body);

    // A customer made from a contact of the account (its name, phone and
    // email), linked to it.
    Result<Record> customer_from_contact(const Principal& who, const ContactId& contact);
    // A lead converted: a customer and a deal made from it in one step.
    struct Converted {
        Record lead, customer, deal;
    };
    Result<Converted> convert_lead(const Principal& who, const std::string& id,
                                   const nlohmann::json& body);

    Result<std::vector<store::Stage>> pipeline(const Principal& who);
    // Owners and admins; a stage still holding deals cannot be dropped.
    Result<std::vector<store::Stage>> set_pipeline(const Principal& who,
                                                   const std::vector<store::Stage>& stages);

    // The customer's activities, orders, payments and issues, and the
    // messages exchanged with its number, newest first.
    Result<db::WindowListing<store::Entry>> timeline(const Principal& who, const std::string& id,
                                                     const db::Window& window);

private:
    // The record, or 404 naming the kind.
    static Result<Record> load(db::Connection& c, const Entity& e, const AccountId& account,
                               const std::string& id);
    // 403 unless the caller manages the account or the record is theirs.
    static Status may_change(const Principal& who, const Entity& e, const Record& r);
    // Every reference `values` sets names a record of the account.
    static Status check_references(db::Connection& c, const Entity& e, const AccountId& account,
                                   const nlohmann::json& values);
    // What the server derives before a write: totals, due times, names,
    // defaults, the customer's contact.
    Status derive(db::Connection& c, const Entity& e, const AccountId& account, Record& r);
    // What follows a write elsewhere: orders' paid amounts, activities'
    // customer names.
    static Status after_write(db::Connection& c, const Entity& e, const AccountId& account,
                              const Record& r, const std::optional<Record>& before);
    Result<Record> insert(db::Connection& c, const Principal& who, const Entity& e, Record r);
    Result<std::string> country_for(const Principal& who, const Entity& e,
                                    const nlohmann::json& body);

    // Counts records created; now and then refreshes the tables' statistics.
    void created();

    db::Database& db_;
    Clock& clock_;
    contacts::ContactsService& contacts_;
    messaging::MessagingService* messaging_;
    Notifications* notifications_;
    std::string default_currency_;
    std::mutex statistics_mutex_;
    db::StatisticsSchedule statistics_;
};

}  // namespace ujumbe::crm
