// The campaigns store on both engines: templates and campaigns read,
// changed and deleted only in their account; status moves guarded by the
// status read; a batch recorded once, at the cursor it was read at; the
// runner's queries and leases.

#include "campaigns/store.h"

#include <gtest/gtest.h>

#include <set>

#include "db/testing_db.h"

namespace ujumbe::campaigns {
namespace {

constexpr Micros kT0 = 1'790'000'000'000'000;
constexpr Micros kSecond = kMicrosPerSecond;

Template a_template(const std::string& id, const std::string& account) {
    Template t;
    t.id = TemplateId{id};
    t.account_id = AccountId{account};
    t.name = "t-" + id;
    t.body = "Hi {{name}}";
    t.created_at = t.updated_at = kT0;
    return t;
}

Campaign a_campaign(const std::string& id, const std::string& account,
                    CampaignStatus status = CampaignStatus::kDraft) {
    Campaign k;
    k.id = CampaignId{id};
    k.account_id = AccountId{account};
    k.name = "c-" + id;
    k.message_text = "Sale";
    k.status = status;
    k.targets.contact_ids = {ContactId{"ct-1"}};
    k.targets.criteria = {{"tags", {"vip"}}};
    k.settings.raw = {{"throttle", {{"messages_per_second", 5}}}};
    k.exclusions = {{"opted_out", 2}};
    k.created_at = k.updated_at = kT0;
    return k;
}

std::vector<Recipient> recipients(int n) {
    std::vector<Recipient> out;
    for (int i = 0; i < n; ++i)
        out.push_back({.seq = i,
                       .contact_id = ContactId{"ct-" + std::to_string(i)},
                       .phone = "+2557120000" + std::to_string(10 + i)});
    return out;
}

class CampaignStoreTest : public db::testing::EngineTest {};

TEST_P(CampaignStoreTest, TemplatesStayInTheirAccount) {
    (void)db().write([&](db::Connection& c) -> Status {
        EXPECT_TRUE(store::insert_template(c, a_template("t1", "a")));
        const auto mine = store::find_template(c, AccountId{"a"}, TemplateId{"t1"});
        EXPECT_TRUE(mine && *mine);
        const auto theirs = store::find_template(c, AccountId{"b"}, TemplateId{"t1"});
        EXPECT_TRUE(theirs && !*theirs);
        auto changed = a_template("t1", "b");
        changed.body = "hijacked";
        EXPECT_TRUE(store::update_template(c, changed));
        EXPECT_TRUE(store::delete_template(c, AccountId{"b"}, TemplateId{"t1"}));
        const auto still = store::find_template(c, AccountId{"a"}, TemplateId{"t1"});
        EXPECT_EQ((*still)->body, "Hi {{name}}");
        EXPECT_EQ(store::list_templates(c, AccountId{"b"}, std::nullopt, {})->count, 0);
        EXPECT_EQ(store::list_templates(c, AccountId{"a"}, std::string("hi"), {})->count, 1);
        // Names are unique per account only.
        EXPECT_TRUE(store::insert_template(c, a_template("t2", "b")));
        auto same = a_template("t3", "a");
        same.name = "t-t1";
        EXPECT_FALSE(store::insert_template(c, same));
        return {};
    });
}

TEST_P(CampaignStoreTest, CampaignsRoundTripAndStayInTheirAccount) {
    (void)db().write([&](db::Connection& c) -> Status {
        EXPECT_TRUE(store::insert_campaign(c, a_campaign("k1", "a")));
        auto found = store::find_campaign(c, AccountId{"a"}, CampaignId{"k1"});
        EXPECT_TRUE(found && *found);
        const Campaign& k = **found;
        EXPECT_EQ(k.targets.contact_ids.size(), 1u);
        EXPECT_EQ(k.targets.criteria["tags"][0], "vip");
        EXPECT_EQ(k.settings.messages_per_second(), 5);
        EXPECT_EQ(k.exclusions.at("opted_out"), 2);
        EXPECT_EQ(k.status, CampaignStatus::kDraft);

        EXPECT_FALSE(*store::find_campaign(c, AccountId{"b"}, CampaignId{"k1"}));
        auto theirs = a_campaign("k1", "b");
        theirs.name = "hijacked";
        EXPECT_FALSE(*store::save_campaign(c, theirs, CampaignStatus::kDraft));
        theirs.status = CampaignStatus::kRunning;
        EXPECT_FALSE(*store::set_status(c, theirs, CampaignStatus::kDraft));
        EXPECT_TRUE(store::delete_campaign(c, AccountId{"b"}, CampaignId{"k1"}));
        auto still = store::find_campaign(c, AccountId{"a"}, CampaignId{"k1"});
        EXPECT_EQ((*still)->name, "c-k1");
        EXPECT_EQ((*still)->status, CampaignStatus::kDraft);
        EXPECT_EQ(store::list_campaigns(c, AccountId{"b"}, {}, {})->count, 0);
        return {};
    });
}

TEST_P(CampaignStoreTest, StatusMovesOnlyFromTheStatusRead) {
    (void)db().write([&](db::Connection& c) -> Status {
        EXPECT_TRUE(store::insert_campaign(c, a_campaign("k1", "a")));
        auto k = a_campaign("k1", "a", CampaignStatus::kRunning);
        k.started_at = kT0;
        EXPECT_TRUE(*store::set_status(c, k, CampaignStatus::kDraft));
        k.status = CampaignStatus::kCancelled;
        EXPECT_FALSE(*store::set_status(c, k, CampaignStatus::kDraft));  // it is running now
        auto edit = a_campaign("k1", "a");
        edit.name = "late edit";
        EXPECT_FALSE(*store::save_campaign(c, edit, CampaignStatus::kDraft));
        EXPECT_EQ((*store::find_campaign(c, AccountId{"a"}, CampaignId{"k1"}))->name, "c-k1");
        return {};
    });
}

TEST_P(CampaignStoreTest, ListsFilterSearchAndOrder) {
    (void)db().write([&](db::Connection& c) -> Status {
        auto one = a_campaign("k1", "a");
        one.name = "Black Friday";
        auto two = a_campaign("k2", "a", CampaignStatus::kCompleted);
        two.name = "New Year";
        two.created_at = kT0 + kSecond;
        EXPECT_TRUE(store::insert_campaign(c, one));
        EXPECT_TRUE(store::insert_campaign(c, two));
        store::CampaignQuery q;
        auto all = store::list_campaigns(c, AccountId{"a"}, q, {});
        EXPECT_EQ(all->items.front().id.value, "k2");  // newest first
        q.ordering = "name";
        EXPECT_EQ(store::list_campaigns(c, AccountId{"a"}, q, {})->items.front().id.value, "k1");
        q.status = CampaignStatus::kCompleted;
        EXPECT_EQ(store::list_campaigns(c, AccountId{"a"}, q, {})->count, 1);
        q = {};
        q.search = "friday";
        EXPECT_EQ(store::list_campaigns(c, AccountId{"a"}, q, {})->items.at(0).id.value, "k1");
        q = {};
        q.type = "whatsapp";
        EXPECT_EQ(store::list_campaigns(c, AccountId{"a"}, q, {})->count, 0);
        return {};
    });
}

TEST_P(CampaignStoreTest, ABatchIsRecordedOnceAtItsCursor) {
    const CampaignId id{"k1"};
    (void)db().write([&](db::Connection& c) -> Status {
        EXPECT_TRUE(store::insert_campaign(c, a_campaign("k1", "a", CampaignStatus::kRunning)));
        EXPECT_TRUE(store::insert_recipients(c, id, recipients(300)));
        store::BatchDone done;
        done.from_seq = 0;
        done.to_seq = 200;
        for (int i = 0; i < 200; ++i)
            if (i % 10 == 0)
                done.skipped.push_back(i);
            else
                done.accepted.emplace_back(i, MessageId{"m-" + std::to_string(i)});
        done.charged = 1234;
        EXPECT_TRUE(*store::record_batch(c, id, done, kT0));
        // The same batch again (another node, a retry): nothing changes.
        EXPECT_FALSE(*store::record_batch(c, id, done, kT0));
        auto k = *store::find_campaign(c, AccountId{"a"}, id);
        EXPECT_EQ(k->next_seq, 200);
        EXPECT_EQ(k->accepted_count, 180);
        EXPECT_EQ(k->skipped_count, 20);
        EXPECT_EQ(k->charged, 1234);
        EXPECT_TRUE(store::set_reasons(c, id, {{10, "RECIPIENT_OPTED_OUT"}}));
        store::RecipientQuery q;
        q.status = recipient_status::kSkipped;
        auto skipped = store::list_recipients(c, id, q, {.limit = 100});
        EXPECT_EQ(skipped->count, 20);
        EXPECT_EQ(skipped->items.at(1).reason, "RECIPIENT_OPTED_OUT");
        q.status = recipient_status::kAccepted;
        auto accepted = store::list_recipients(c, id, q, {.limit = 1});
        EXPECT_EQ(accepted->items.at(0).message_id->value, "m-1");
        auto next = store::recipients_from(c, id, k->next_seq, 500);
        EXPECT_EQ(next->size(), 100u);
        EXPECT_EQ(next->front().seq, 200);
        EXPECT_EQ(next->front().status, recipient_status::kPending);
        auto page = store::export_recipients(c, id, {}, 250, 1000);
        EXPECT_EQ(page->size(), 49u);
        return {};
    });
}

TEST_P(CampaignStoreTest, RunnerQueriesAndLeases) {
    (void)db().write([&](db::Connection& c) -> Status {
        auto due = a_campaign("due", "a", CampaignStatus::kScheduled);
        due.scheduled_at = kT0 - kSecond;
        auto later = a_campaign("later", "a", CampaignStatus::kScheduled);
        later.scheduled_at = kT0 + 60 * kSecond;
        auto running = a_campaign("run", "b", CampaignStatus::kRunning);
        auto waiting = a_campaign("wallet", "b", CampaignStatus::kPaused);
        auto held = a_campaign("held", "b", CampaignStatus::kPaused);
        for (const auto* k : {&due, &later, &running, &waiting, &held})
            EXPECT_TRUE(store::insert_campaign(c, *k));
        waiting.status_reason = "INSUFFICIENT_BALANCE";
        EXPECT_TRUE(*store::set_status(c, waiting, CampaignStatus::kPaused));

        auto found = store::due_campaigns(c, kT0, 10);
        EXPECT_EQ(found->size(), 1u);
        EXPECT_EQ(found->at(0).id.value, "due");
        auto working = store::working_campaigns(c, 10);
        std::set<std::string> ids;
        for (const auto& k : *working) ids.insert(k.id.value);
        EXPECT_EQ(ids, (std::set<std::string>{"run", "wallet"}));  // not a member's pause

        EXPECT_TRUE(*store::lease_campaign(c, running.id, "n1", kT0, kT0 + 60 * kSecond));
        EXPECT_FALSE(*store::lease_campaign(c, running.id, "n2", kT0, kT0 + 60 * kSecond));
        EXPECT_TRUE(*store::lease_campaign(c, running.id, "n1", kT0 + kSecond, kT0 + 90 * kSecond));
        EXPECT_TRUE(
            *store::lease_campaign(c, running.id, "n2", kT0 + 91 * kSecond, kT0 + 200 * kSecond));
        return {};
    });
}

INSTANTIATE_TEST_SUITE_P(Engines, CampaignStoreTest, db::testing::engines(),
                         db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::campaigns
