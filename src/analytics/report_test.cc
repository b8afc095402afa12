// Reports without a server: the delivery report's fold (every table adds up
// to the whole, days without messages are there, error codes only for the
// messages that have one), the three formats of a report (CSV of one table
// and of several, JSON objects with totals apart, a PDF that starts as one),
// and the export store on both engines (a claim leases one export to one
// runner, a run given back is claimed again at once, an expired lease is
// claimed again, expired exports are pruned, another account's are not
// there).

#include <gtest/gtest.h>

#include "analytics/dlr_report.h"
#include "analytics/report_render.h"
#include "analytics/report_store.h"
#include "analytics/report_tables.h"
#include "db/testing_db.h"

namespace ujumbe::analytics {
namespace {

using nlohmann::json;

constexpr std::int64_t kDay0 = 20'000;  // 2024-10-04

messaging::DeliveryRow row(std::int64_t day, const std::string& status,
                           const std::string& error = "", std::int64_t segments = 1) {
    return {.id = MessageId{"m"},
            .created_at = day * kMicrosPerDay + 1000,
            .channel = "sms",
            .status = status,
            .gateway_id = "g1",
            .error_code = error,
            .to = "+255712000001",
            .segments = segments};
}

const ReportTable& table(const std::vector<ReportTable>& tables, const std::string& name) {
    for (const auto& t : tables)
        if (t.name == name) return t;
    throw std::runtime_error("no table " + name);
}

std::int64_t column_sum(const ReportTable& t, std::size_t column) {
    std::int64_t sum = 0;
    for (const auto& r : t.rows) sum += r.at(column).get<std::int64_t>();
    return sum;
}

TEST(DlrFold, EveryTableAddsUpToTheWholeAndEveryDayIsThere) {
    DlrFold fold;
    const DlrFold::Names tz{"sandbox", "TZ", "Vodacom"}, ke{"smpp-a", "KE", ""};
    fold.add(row(kDay0, "delivered", "000", 2), tz);
    fold.add(row(kDay0, "delivered"), ke);
    fold.add(row(kDay0 + 2, "undelivered", "0x0000000B"), tz);
    fold.add(row(kDay0 + 2, "rejected", "0x0000000B"), ke);
    fold.add(row(kDay0 + 2, "sent"), tz);
    const auto tables = fold.tables(kDay0, kDay0 + 3);
    ASSERT_EQ(tables.size(), 7u);
    const auto& summary = table(tables, "summary");
    EXPECT_EQ(summary.rows.at(0), (std::vector<json>{"all", 5, 6, 2, 2, 1, 0.5}));
    for (const char* name : {"by_status", "by_day", "by_gateway", "by_country", "by_operator"}) {
        const auto& t = table(tables, name);
        EXPECT_EQ(column_sum(t, 1), 5) << name;
        EXPECT_EQ(column_sum(t, 3) + column_sum(t, 4) + column_sum(t, 5), 5) << name;
    }
    const auto& days = table(tables, "by_day");
    ASSERT_EQ(days.rows.size(), 4u);
    EXPECT_EQ(days.rows[1][0], day_date(kDay0 + 1));
    EXPECT_EQ(days.rows[1][1], 0);
    EXPECT_TRUE(days.rows[1][6].is_null());  // nothing final: no rate
    const auto& operators = table(tables, "by_operator");
    ASSERT_EQ(operators.rows.size(), 2u);
    EXPECT_TRUE(operators.rows[0][0].is_null());  // a number of no known operator
    const auto& errors = table(tables, "by_error_code");
    ASSERT_EQ(errors.rows.size(), 1u);
    EXPECT_EQ(errors.rows[0][0], "0x0000000B");
    EXPECT_EQ(errors.rows[0][1], 2);
}

Report two_table_report() {
    DlrFold fold;
    fold.add(row(kDay0, "delivered"), {"sandbox", "TZ", "Vodacom"});
    return Report{.request = {.kind = ReportKind::kDlr, .first_day = kDay0, .last_day = kDay0},
                  .currency = "TZS",
                  .tables = fold.tables(kDay0, kDay0)};
}

TEST(ReportRender, CsvOfSeveralTablesNamesTableAndKey) {
    const auto csv = report_csv(two_table_report());
    EXPECT_TRUE(csv.starts_with(
        "table,key,messages,segments,delivered,undelivered,pending,delivery_rate\r\n"))
        << csv;
    EXPECT_NE(csv.find("by_status,delivered,1,1,1,0,0,1.0"), std::string::npos) << csv;
    EXPECT_NE(csv.find("by_operator,Vodacom,1,"), std::string::npos) << csv;
}

TEST(ReportRender, OneTableWithItsTotalAsTheLastRow) {
    billing::ClientRevenue a{.account_id = AccountId{"acc-a"},
                             .messages = 3,
                             .client_paid = 150'000,
                             .reseller_paid = 60'000,
                             .revenue = 90'000};
    billing::ClientRevenue b{.account_id = AccountId{"acc-b"},
                             .messages = 1,
                             .client_paid = 50'000,
                             .reseller_paid = 20'000,
                             .revenue = 30'000};
    Report r{.request = {.kind = ReportKind::kRevenue, .first_day = kDay0, .last_day = kDay0 + 1},
             .tables = {revenue_table({a, b}, {{"acc-a", "Duka, \"A\""}})}};
    const auto csv = report_csv(r);
    EXPECT_EQ(csv,
              "account_id,client,messages,client_paid,reseller_paid,revenue\r\n"
              "acc-a,\"Duka, \"\"A\"\"\",3,0.15,0.06,0.09\r\n"
              "acc-b,,1,0.05,0.02,0.03\r\n"
              "Total,,4,0.2,0.08,0.12\r\n");
    const auto j = report_json(r);
    EXPECT_EQ(j["report"], "revenue");
    EXPECT_EQ(j["date_to"], day_date(kDay0 + 1));
    ASSERT_EQ(j["clients"].size(), 2u);
    EXPECT_EQ(j["clients"][0]["client"], "Duka, \"A\"");
    EXPECT_TRUE(j["clients"][1]["client"].is_null());
    EXPECT_EQ(j["totals"]["clients"]["revenue"], 0.12);
    EXPECT_TRUE(j["totals"]["clients"]["account_id"].is_null());
}

TEST(ReportRender, EveryFormatHasItsTypeAndName) {
    const auto r = two_table_report();
    const auto pdf = render_report(r, ReportFormat::kPdf);
    ASSERT_TRUE(pdf) << pdf.error().message;
    EXPECT_TRUE(pdf->body.starts_with("%PDF-"));
    EXPECT_EQ(pdf->content_type, "application/pdf");
    EXPECT_EQ(pdf->filename, "dlr-" + day_date(kDay0) + "-" + day_date(kDay0) + ".pdf");
    const auto csv = render_report(r, ReportFormat::kCsv);
    EXPECT_EQ(csv->content_type, "text/csv; charset=utf-8");
    const auto js = render_report(r, ReportFormat::kJson);
    EXPECT_EQ(json::parse(js->body)["by_country"][0]["country"], "TZ");
}

class ReportStoreTest : public db::testing::EngineTest {
protected:
    ReportExport queued(const std::string& account, Micros at) {
        ReportExport e;
        e.id = ReportExportId{new_uuid_v7(at)};
        e.account_id = AccountId{account};
        e.user_id = UserId{"u"};
        e.role = Role::kOwner;
        e.request = {.kind = ReportKind::kUsage,
                     .first_day = 1,
                     .last_day = 2,
                     .group_by = UsageGroup::kUser};
        e.format = ReportFormat::kCsv;
        e.created_at = at;
        e.expires_at = at + 7 * kMicrosPerDay;
        return e;
    }
    template <typename F>
    auto write(F&& fn) {
        return db().write([&](db::Connection& c) { return fn(c); });
    }
};

TEST_P(ReportStoreTest, AClaimLeasesOneExportAndAGivenBackRunIsClaimedAgain) {
    const Micros t = 1'000'000 * kMicrosPerSecond;
    const auto first = queued("acc-a", t), second = queued("acc-b", t + 1);
    ASSERT_TRUE(write([&](auto& c) { return store::insert_export(c, first); }));
    ASSERT_TRUE(write([&](auto& c) { return store::insert_export(c, second); }));

    auto a = write([&](auto& c) { return store::claim_export(c, t + 10, t + 100); });
    ASSERT_TRUE(a && *a);
    EXPECT_EQ((*a)->id, first.id);
    EXPECT_EQ((*a)->status, "running");
    EXPECT_EQ((*a)->attempts, 1);
    EXPECT_EQ((*a)->request.group_by, UsageGroup::kUser);
    auto b = write([&](auto& c) { return store::claim_export(c, t + 10, t + 100); });
    ASSERT_TRUE(b && *b);
    EXPECT_EQ((*b)->id, second.id);
    auto none = write([&](auto& c) { return store::claim_export(c, t + 20, t + 100); });
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);

    // given back when stopping: queued, claimed again at once, not counted
    ASSERT_TRUE(write([&](auto& c) { return store::release_export(c, first.id); }));
    auto again = write([&](auto& c) { return store::claim_export(c, t + 30, t + 200); });
    ASSERT_TRUE(again && *again);
    EXPECT_EQ((*again)->id, first.id);
    EXPECT_EQ((*again)->attempts, 1);
    // a lease run out (its node stopped): claimed again, counted
    auto taken = write([&](auto& c) { return store::claim_export(c, t + 150, t + 300); });
    ASSERT_TRUE(taken && *taken);
    EXPECT_EQ((*taken)->id, second.id);
    EXPECT_EQ((*taken)->attempts, 2);
}

TEST_P(ReportStoreTest, AFinishedExportKeepsItsFileForItsAccountUntilItExpires) {
    const Micros t = 1'000'000 * kMicrosPerSecond;
    auto e = queued("acc-a", t);
    ASSERT_TRUE(write([&](auto& c) { return store::insert_export(c, e); }));
    e.status = "completed";
    e.content_type = "text/csv";
    e.filename = "usage.csv";
    e.size_bytes = 3;
    e.finished_at = t + 5;
    e.expires_at = t + 1000;
    ASSERT_TRUE(write([&](auto& c) { return store::finish_export(c, e, std::string("YWJj")); }));
    auto body =
        db().read([&](db::Connection& c) { return store::export_body(c, e.account_id, e.id); });
    ASSERT_TRUE(body && *body);
    EXPECT_EQ(**body, "YWJj");
    auto other = db().read(
        [&](db::Connection& c) { return store::export_body(c, AccountId{"acc-b"}, e.id); });
    ASSERT_TRUE(other);
    EXPECT_FALSE(*other);
    auto listed = db().read(
        [&](db::Connection& c) { return store::list_exports(c, AccountId{"acc-b"}, {}); });
    ASSERT_TRUE(listed) << listed.error().message;
    EXPECT_EQ(listed->count, 0);
    auto kept = write([&](auto& c) { return store::prune_exports(c, t + 999, 10); });
    EXPECT_EQ(*kept, 0);
    auto pruned = write([&](auto& c) { return store::prune_exports(c, t + 1001, 10); });
    EXPECT_EQ(*pruned, 1);
    auto gone =
        db().read([&](db::Connection& c) { return store::find_export(c, e.account_id, e.id); });
    ASSERT_TRUE(gone);
    EXPECT_FALSE(*gone);
}

TEST_P(ReportStoreTest, AnAccountQueuesAFewExportsAtOnceAndMoreOnceOneIsDone) {
    const Micros t = 1'000'000 * kMicrosPerSecond;
    std::vector<ReportExport> queued_a;
    for (int i = 0; i < 3; ++i) {
        queued_a.push_back(queued("acc-a", t + i));
        auto in = write([&](auto& c) { return store::queue_export(c, queued_a.back(), 3); });
        ASSERT_TRUE(in) << in.error().message;
        EXPECT_TRUE(*in);
    }
    auto refused =
        write([&](auto& c) { return store::queue_export(c, queued("acc-a", t + 5), 3); });
    ASSERT_TRUE(refused);
    EXPECT_FALSE(*refused);
    // another account's queue is its own
    auto other = write([&](auto& c) { return store::queue_export(c, queued("acc-b", t + 6), 3); });
    EXPECT_TRUE(other && *other);
    // running still counts; finished does not
    auto running = write([&](auto& c) { return store::claim_export(c, t + 10, t + 100); });
    ASSERT_TRUE(running && *running);
    EXPECT_FALSE(
        *write([&](auto& c) { return store::queue_export(c, queued("acc-a", t + 7), 3); }));
    auto done = **running;
    done.status = "failed";
    done.error = "no";
    ASSERT_TRUE(write([&](auto& c) { return store::finish_export(c, done, std::nullopt); }));
    EXPECT_TRUE(*write([&](auto& c) { return store::queue_export(c, queued("acc-a", t + 8), 3); }));
    EXPECT_FALSE(
        *write([&](auto& c) { return store::queue_export(c, queued("acc-a", t + 9), 3); }));
}

INSTANTIATE_TEST_SUITE_P(Engines, ReportStoreTest, db::testing::engines(),
                         db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::analytics
