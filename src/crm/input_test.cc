// Reading CRM records from request bodies: every kind checked, every
// problem named by its field (items by their place), read-only fields
// ignored, and activity-type fields kept to their type.

#include "crm/input.h"

#include <gtest/gtest.h>

namespace ujumbe::crm {
namespace {

using json = nlohmann::json;

// The fields a body is refused for; empty when it is read.
std::set<std::string> refused(const std::string& kind, const json& body, bool create = true) {
    auto in = read_input(entity(kind), body, create, "TZ");
    std::set<std::string> fields;
    if (!in)
        for (const auto& [field, problems] : in.error().errors) fields.insert(field);
    return fields;
}

TEST(CrmInput, EachKindRefusesWhatItIsNot) {
    EXPECT_EQ(refused("orders", {{"title", 5}}), std::set<std::string>{"title"});
    EXPECT_EQ(refused("orders", {{"title", "x"}, {"tax_amount", "1.0000001"}}),
              std::set<std::string>{"tax_amount"});
    EXPECT_EQ(refused("orders", {{"title", "x"}, {"tax_amount", "-1"}}),
              std::set<std::string>{"tax_amount"});
    EXPECT_EQ(refused("orders", {{"title", "x"}, {"tax_amount", "1e400"}}),
              std::set<std::string>{"tax_amount"});
    EXPECT_EQ(refused("orders", {{"title", "x"}, {"order_date", "2026-13-01"}}),
              std::set<std::string>{"order_date"});
    EXPECT_EQ(refused("orders", {{"title", "x"}, {"order_date", "1999-01-01"}}),
              std::set<std::string>{"order_date"});
    EXPECT_EQ(refused("orders", {{"title", "x"}, {"currency", "usd"}}),
              std::set<std::string>{"currency"});
    EXPECT_EQ(refused("orders", {{"title", "x"}, {"customer", "not-an-id"}}),
              std::set<std::string>{"customer"});
    EXPECT_EQ(refused("deals", {{"title", "x"}, {"probability", 101}}),
              std::set<std::string>{"probability"});
    EXPECT_EQ(refused("customers", {{"name", "x"}, {"email", "nobody"}}),
              std::set<std::string>{"email"});
    EXPECT_EQ(refused("customers", {{"name", "x"}, {"phone", "12"}}),
              std::set<std::string>{"phone"});
    EXPECT_EQ(refused("customers", {{"name", "x\u0007"}}), std::set<std::string>{"name"});
    EXPECT_EQ(
        refused("activities",
                {{"activity_type", "call"}, {"title", "x"}, {"call_recording_url", "ftp://x"}}),
        std::set<std::string>{"call_recording_url"});
    EXPECT_EQ(
        refused("activities",
                {{"activity_type", "meeting"}, {"title", "x"}, {"attendees", {{{"user", "x"}}}}}),
        std::set<std::string>{"attendees"});
    EXPECT_EQ(refused("activities", {{"activity_type", "note"}, {"title", "x"}, {"is_pinned", 1}}),
              std::set<std::string>{"is_pinned"});
    // Several problems at once, and required fields only on create.
    EXPECT_EQ(refused("payments", {{"amount", "x"}, {"payment_type", "gift"}}),
              (std::set<std::string>{"amount", "payment_type"}));
    EXPECT_EQ(refused("payments", json::object()), std::set<std::string>{"amount"});
    EXPECT_TRUE(refused("payments", json::object(), false).empty());
    EXPECT_EQ(refused("payments", {{"amount", nullptr}}, false), std::set<std::string>{"amount"});
}

TEST(CrmInput, ItemsAreNamedByTheirPlace) {
    const json items = {{{"item_name", "ok"}, {"quantity", 1}, {"unit_price", "1"}},
                        {{"quantity", 0}, {"unit_price", "1"}},
                        "item",
                        {{"item_name", "big"}, {"quantity", 1000000}, {"unit_price", "999999999"}},
                        {{"item_name", "no price"}, {"quantity", 1}}};
    EXPECT_EQ(refused("orders", {{"title", "x"}, {"items", items}}),
              (std::set<std::string>{"items.1.item_name", "items.1.quantity", "items.2",
                                     "items.3.unit_price", "items.4.unit_price"}));
    EXPECT_EQ(
        refused("orders", {{"title", "x"}, {"items", json::array({json::object()})}}),
        (std::set<std::string>{"items.0.item_name", "items.0.quantity", "items.0.unit_price"}));
    EXPECT_EQ(refused("orders", {{"title", "x"}, {"items", json(std::vector<int>(501, 1))}}),
              std::set<std::string>{"items"});
}

TEST(CrmInput, ValuesAreStoredAsTheStoreKeepsThem) {
    auto in =
        read_input(entity("orders"),
                   {{"title", " Flour "},
                    {"tax_amount", 1.25},
                    {"order_number", "ORD-1999-0001"},
                    {"total_amount", "1"},
                    {"items", {{{"item_name", "a"}, {"quantity", 4}, {"unit_price", "2.5"}}}}},
                   true, "TZ");
    ASSERT_TRUE(in) << in.error().message;
    EXPECT_EQ(in->values["title"], "Flour");
    EXPECT_EQ(in->values["tax_amount"], 1'250'000);
    EXPECT_FALSE(in->values.contains("order_number"));  // read-only: ignored
    EXPECT_FALSE(in->values.contains("total_amount"));
    EXPECT_EQ(in->values["status"], "pending");  // the first choice
    ASSERT_TRUE(in->items);
    EXPECT_EQ((*in->items)[0].total_price, 10'000'000);
    auto call = read_input(
        entity("activities"),
        {{"activity_type", "call"}, {"title", "x"}, {"phone_number", "0712 345 678"}}, true, "TZ");
    ASSERT_TRUE(call);
    EXPECT_EQ(call->values["phone_number"], "+255712345678");
}

TEST(CrmInput, ActivityFieldsBelongToTheirType) {
    const Entity& e = entity("activities");
    const json call = {{"activity_type", "call"}, {"phone_number", "+255712345678"}};
    EXPECT_TRUE(check_type_fields(e, call, {"activity_type", "phone_number"}));
    json meeting_on_call = call;
    meeting_on_call["meeting_url"] = "https://x";
    auto mixed = check_type_fields(e, meeting_on_call, {"meeting_url"});
    ASSERT_FALSE(mixed);
    EXPECT_TRUE(mixed.error().errors.contains("meeting_url"));
    // A field of another type already stored (the type changed) is not the caller's.
    EXPECT_TRUE(check_type_fields(e, meeting_on_call, {"activity_type"}));
    auto task = check_type_fields(e, {{"activity_type", "task"}}, {"activity_type"});
    ASSERT_FALSE(task);
    EXPECT_TRUE(task.error().errors.contains("task_due_date"));
}

}  // namespace
}  // namespace ujumbe::crm
