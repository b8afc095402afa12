// The CRM on both engines: every field of every kind stored and read back
// (the declarations and the tables agree), numbers per account and year,
// money sums without floating point, stats, and references kept within
// the account.

#include "crm/service.h"

#include <gtest/gtest.h>

#include "contacts/testing_contacts.h"
#include "crm/store.h"

namespace ujumbe::crm {
namespace {

using json = nlohmann::json;

class CrmServiceTest : public contacts::testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        crm_ = std::make_unique<CrmService>(db(), clock_, *service_, nullptr, nullptr, "TZS");
        acme_ = owner_of("Acme");
        beta_ = owner_of("Beta");
    }
    Record made(const Principal& who, const std::string& kind, json body) {
        auto r = crm_->create(who, entity(kind), body);
        EXPECT_TRUE(r) << r.error().message;
        return r ? *r : Record{};
    }

    std::unique_ptr<CrmService> crm_;
    Principal acme_, beta_;
};

// A value of each kind, as the store keeps it.
json stored_value(const Field& f) {
    switch (f.kind) {
        case Kind::kChoice:
            return f.choices.back();
        case Kind::kReference:
            return nullptr;  // names come from joins; checked through the service
        case Kind::kMoney:
            return 1'234'567;
        case Kind::kInteger:
            return 42;
        case Kind::kTime:
            return 1'767'225'600'000'000;
        case Kind::kDate:
            return "2026-02-03";
        case Kind::kBool:
            return true;
        case Kind::kCurrency:
            return "KES";
        case Kind::kTextList:
            return json::array({"a.pdf", "b.pdf"});
        case Kind::kAttendees:
            return json::array({json{{"user", "0190a0b0-0000-7000-8000-000000000001"}}});
        default:
            return f.name + " text";
    }
}

TEST_P(CrmServiceTest, EveryFieldOfEveryKindIsStoredAndReadBack) {
    for (const auto& e : entities()) {
        Record r;
        r.id = new_uuid_v7(clock_.now());
        for (const auto& f : e.fields) r.values[f.name] = stored_value(f);
        ASSERT_TRUE(db().write([&](db::Connection& c) {
            return store::insert(c, e, acme_.account_id, r);
        })) << e.key;
        auto back =
            db().read([&](db::Connection& c) { return store::find(c, e, acme_.account_id, r.id); });
        ASSERT_TRUE(back && *back) << e.key;
        for (const auto& f : e.fields)
            EXPECT_EQ((**back).values[f.name], r.values[f.name]) << e.key << "." << f.name;
        auto other =
            db().read([&](db::Connection& c) { return store::find(c, e, beta_.account_id, r.id); });
        ASSERT_TRUE(other);
        EXPECT_FALSE(*other) << e.key << " seen from another account";
    }
}

TEST_P(CrmServiceTest, NumbersCountPerAccountAndYearAndAreNeverGivenTwice) {
    const auto number = [&](const Principal& who, int year) {
        return db()
            .write([&](db::Connection& c) {
                return store::next_number(c, who.account_id, "ORD", year);
            })
            .value();
    };
    EXPECT_EQ(number(acme_, 2026), 1);
    EXPECT_EQ(number(acme_, 2026), 2);
    EXPECT_EQ(number(beta_, 2026), 1);
    EXPECT_EQ(number(acme_, 2027), 1);
    EXPECT_EQ(number(acme_, 2026), 3);
}

TEST_P(CrmServiceTest, ANewYearStartsAtOne) {
    clock_.set(1'798'761'599'000'000);  // 2026-12-31T23:59:59Z
    const json body = {{"title", "Year end"}};
    EXPECT_EQ(made(acme_, "orders", body).text("order_number"), "ORD-2026-0001");
    EXPECT_EQ(made(acme_, "orders", body).text("order_number"), "ORD-2026-0002");
    clock_.advance(2 * kMicrosPerSecond);
    EXPECT_EQ(made(acme_, "orders", body).text("order_number"), "ORD-2027-0001");
    EXPECT_EQ(made(acme_, "issues", json{{"title", "x"}}).text("issue_number"), "ISS-2027-0001");
}

TEST_P(CrmServiceTest, OrderTotalsAreExactSumsOfTheirItems) {
    const json body = {{"title", "Mixed"},
                       {"tax_amount", "0.1"},
                       {"discount_amount", "0.2"},
                       {"items",
                        {{{"item_name", "a"}, {"quantity", 3}, {"unit_price", "0.1"}},
                         {{"item_name", "b"}, {"quantity", 7}, {"unit_price", "0.000001"}}}}};
    const Record r = made(acme_, "orders", body);
    ASSERT_EQ(r.items.size(), 2U);
    EXPECT_EQ(r.items[0].total_price, 300'000);
    EXPECT_EQ(r.items[1].total_price, 7);
    EXPECT_EQ(r.number("subtotal"), 300'007);
    EXPECT_EQ(r.number("total_amount"), 300'007 + 100'000 - 200'000);
    EXPECT_EQ(r.text("currency"), "TZS");  // the platform's, when none is given
    EXPECT_EQ(r.text("order_date"), "2026-01-01");
}

TEST_P(CrmServiceTest, StatsCountAndSumPerCurrency) {
    const auto order = [&](const std::string& currency, const std::string& price) {
        return made(
            acme_, "orders",
            json{{"title", "o"},
                 {"currency", currency},
                 {"items", {{{"item_name", "x"}, {"quantity", 1}, {"unit_price", price}}}}});
    };
    const Record a = order("KES", "10"), b = order("KES", "5.5");
    order("USD", "2");
    ASSERT_TRUE(crm_->act(acme_, actions()[0], a.id, json::object()));  // complete
    ASSERT_TRUE(crm_->act(acme_, actions()[0], b.id, json::object()));
    auto s = crm_->stats(acme_, entity("orders"), {});
    ASSERT_TRUE(s);
    EXPECT_EQ(s->total, 3);
    ASSERT_EQ(s->sums.size(), 2U);
    EXPECT_EQ(s->sums[0].first, "KES");
    EXPECT_EQ(s->sums[0].second[0], 15'500'000);  // revenue: completed
    EXPECT_EQ(s->sums[1].first, "USD");
    EXPECT_EQ(s->sums[1].second[0], 0);
    EXPECT_EQ(s->sums[1].second[1], 2'000'000);  // total of those not cancelled
    auto none = crm_->stats(beta_, entity("orders"), {});
    ASSERT_TRUE(none);
    EXPECT_EQ(none->total, 0);
}

TEST_P(CrmServiceTest, StatsSumPastInt64WithoutOverflow) {
    const Entity& e = entity("orders");
    for (int i = 0; i < 20; ++i) {
        Record r;
        r.id = new_uuid_v7(clock_.now() + i);
        r.values = {{"order_number", "ORD-2026-" + std::to_string(1000 + i)},
                    {"title", "big"},
                    {"status", "completed"},
                    {"currency", "KES"},
                    {"total_amount", 500'000'000'000'000'001},  // 500 items at the most
                    {"amount_paid", 0},
                    {"created_at", clock_.now()},
                    {"updated_at", clock_.now()}};
        ASSERT_TRUE(db().write(
            [&](db::Connection& c) { return store::insert(c, e, acme_.account_id, r); }));
    }
    auto s = crm_->stats(acme_, e, {});
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_EQ(s->sums.size(), 1U);
    EXPECT_EQ(format_money_sum(s->sums[0].second[0]), "10000000000000.00002");
}

TEST_P(CrmServiceTest, SearchesCountExactlyUpToTheCap) {
    const Entity& e = entity("customers");
    ASSERT_TRUE(db().write([&](db::Connection& c) -> Status {
        for (int i = 0; i < 1005; ++i) {
            Record r;
            r.id = new_uuid_v7(clock_.now() + i);
            r.values = {{"name", "Acme " + std::to_string(i)},
                        {"status", "active"},
                        {"created_at", clock_.now() + i},
                        {"updated_at", clock_.now() + i}};
            UJ_TRY(store::insert(c, e, acme_.account_id, r));
        }
        return {};
    }));
    const auto search = [&](const std::string& text, std::int64_t offset = 0) {
        store::ListQuery q;
        q.search = text;
        return crm_->list(acme_, e, q, db::Paged{20, offset}).value();
    };
    auto common = search("acme");
    EXPECT_EQ(common.count, store::kSearchCountCap);
    EXPECT_TRUE(common.count_is_estimate);
    EXPECT_TRUE(common.more);
    ASSERT_EQ(common.items.size(), 20U);
    EXPECT_EQ(common.items[0].text("name"), "Acme 1004");  // newest first
    auto few = search("acme 1");                           // 1, 10-19, 100-199, 1000-1004
    EXPECT_EQ(few.count, 116);
    EXPECT_FALSE(few.count_is_estimate);
    EXPECT_EQ(few.items[0].text("name"), "Acme 1004");
    auto last = search("acme 1", 100);
    EXPECT_EQ(last.items.size(), 16U);
    EXPECT_FALSE(last.more);
    EXPECT_EQ(search("acme 99").count, 11);  // 99, 990-999
    EXPECT_EQ(search("nobody").count, 0);
    store::ListQuery all;
    auto listed = crm_->list(acme_, e, all, db::Paged{20, 1000}).value();
    EXPECT_EQ(listed.count, 1005);  // no search: exact
    EXPECT_EQ(listed.items.size(), 5U);
    EXPECT_FALSE(listed.more);
}

TEST_P(CrmServiceTest, EveryActionStartsOnlyFromItsStatuses) {
    for (const auto& a : actions()) {
        const Entity& e = entity(a.entity);
        const Field* status = e.field("status");
        ASSERT_TRUE(status);
        for (const auto& from : status->choices) {
            Record r;
            r.id = new_uuid_v7(clock_.now());
            r.values = {{"status", from},
                        {"title", "t"},
                        {"amount", 1},
                        {"activity_type", "note"},
                        {"created_at", clock_.now()},
                        {"updated_at", clock_.now()}};
            if (!e.number_field.empty()) r.values[e.number_field] = r.id;
            ASSERT_TRUE(db().write(
                [&](db::Connection& c) { return store::insert(c, e, acme_.account_id, r); }));
            auto done = crm_->act(acme_, a, r.id, json{{"reason", "why"}});
            const bool allowed = std::find(a.from.begin(), a.from.end(), from) != a.from.end();
            ASSERT_EQ(static_cast<bool>(done), allowed)
                << a.entity << " " << a.name << " from " << from;
            if (allowed) {
                EXPECT_EQ(done->text("status"), a.to);
            } else {
                EXPECT_EQ(done.error().error_code, "INVALID_STATUS");
                EXPECT_EQ(done.error().details["current_status"], from);
            }
        }
    }
}

TEST_P(CrmServiceTest, ReferencesStayInTheAccount) {
    const Record theirs = made(beta_, "customers", json{{"name", "Beta's"}});
    auto refused =
        crm_->create(acme_, entity("orders"), json{{"title", "x"}, {"customer", theirs.id}});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(refused.error().errors.contains("customer"));
    auto assignee = crm_->create(acme_, entity("issues"),
                                 json{{"title", "x"}, {"assigned_to", beta_.user_id.value}});
    ASSERT_FALSE(assignee);
    EXPECT_TRUE(assignee.error().errors.contains("assigned_to"));
    const Record mine = made(acme_, "customers", json{{"name", "Acme's"}});
    const Record order = made(acme_, "orders", json{{"title", "x"}, {"customer", mine.id}});
    EXPECT_EQ(order.text("customer_name"), "Acme's");
    EXPECT_FALSE(crm_->get(beta_, entity("orders"), order.id));
    EXPECT_FALSE(crm_->remove(beta_, entity("orders"), order.id));
    EXPECT_TRUE(crm_->get(acme_, entity("orders"), order.id));
}

INSTANTIATE_TEST_SUITE_P(Engines, CrmServiceTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::crm
