// Groups, segments, isolation and export of contacts against a real
// database, on SQLite and on PostgreSQL.

#include "contacts/service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "contacts/segment_rules.h"
#include "contacts/store.h"
#include "contacts/testing_service.h"
#include "contacts/views.h"
#include "core/ids.h"
#include "db/testing_db.h"
#include "identity/store.h"

namespace ujumbe::contacts {
namespace {

using json = nlohmann::json;
using testing::outcome;
using testing::rules_of;
using Names = std::vector<std::string>;
using Tags = std::vector<std::string>;

class AudiencesTest : public testing::ContactsServiceTest {};

TEST_P(AudiencesTest, GroupsHoldLiveContactsOfTheAccount) {
    auto group = service_->create_group(a_, {.name = "VIP", .description = "Best customers"});
    ASSERT_TRUE(group) << group.error().message;
    EXPECT_EQ(group->name, "VIP");
    EXPECT_EQ(group->description, "Best customers");
    EXPECT_EQ(group->contact_count, 0);
    EXPECT_EQ(outcome(service_->create_group(a_, {.name = "VIP"})), "CONFLICT name");
    // Names are unique per account only.
    auto theirs = service_->create_group(b_, {.name = "VIP"});
    ASSERT_TRUE(theirs);

    auto one = create(a_, {.name = "One", .phone = "0712345678"});
    auto two = create(a_, {.name = "Two", .phone = "0713000001"});
    auto three = create(a_, {.name = "Three", .phone = "0713000002"});
    auto gone = create(a_, {.name = "Gone", .phone = "0713000003"});
    ASSERT_TRUE(service_->remove(a_, gone.id));
    auto other = create(b_, {.name = "Other", .phone = "0712345678"});

    auto added = service_->add_members(
        a_, group->id, {one.id, two.id, one.id, gone.id, other.id, ContactId{"not-a-uuid"}});
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_EQ(added->added, 2);
    EXPECT_EQ(added->already_members, 0);
    std::vector<ContactId> missing{gone.id, other.id, ContactId{"not-a-uuid"}};
    std::sort(missing.begin(), missing.end());
    EXPECT_EQ(added->not_found, missing);

    auto again = service_->add_members(a_, group->id, {one.id, three.id});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->added, 1);
    EXPECT_EQ(again->already_members, 1);
    EXPECT_TRUE(again->not_found.empty());
    EXPECT_EQ(service_->get_group(a_, group->id)->contact_count, 3);
    // The other account's contact was not added to anything.
    EXPECT_EQ(service_->get_group(b_, theirs->id)->contact_count, 0);

    auto removed =
        service_->remove_members(a_, group->id, {one.id, gone.id, ContactId{"not-a-uuid"}});
    ASSERT_TRUE(removed);
    EXPECT_EQ(*removed, 1);
    EXPECT_EQ(service_->get_group(a_, group->id)->contact_count, 2);

    // Live count: a deleted member is not counted.
    ASSERT_TRUE(service_->remove(a_, two.id));
    EXPECT_EQ(service_->get_group(a_, group->id)->contact_count, 1);
    ContactFilter members;
    members.query.group_id = group->id;
    EXPECT_EQ(listed(a_, members), Names{"Three"});

    // Rename, search, conflicts.
    auto gold = service_->create_group(a_, {.name = "Gold"});
    ASSERT_TRUE(gold);
    clock_.advance(kMicrosPerSecond);
    auto renamed = service_->update_group(a_, group->id, {.name = "Platinum"});
    ASSERT_TRUE(renamed);
    EXPECT_EQ(renamed->name, "Platinum");
    EXPECT_EQ(renamed->description, "Best customers");
    EXPECT_EQ(renamed->updated_at, clock_.now());
    EXPECT_EQ(outcome(service_->update_group(a_, group->id, {.name = "Gold"})), "CONFLICT name");
    EXPECT_EQ(service_->get_group(a_, group->id)->name, "Platinum");
    auto found = service_->list_groups(a_, std::string("PLAT"), {});
    ASSERT_TRUE(found);
    ASSERT_EQ(found->count, 1);
    EXPECT_EQ(found->items[0].name, "Platinum");
    EXPECT_EQ(found->items[0].contact_count, 1);
    EXPECT_EQ(service_->list_groups(a_, std::nullopt, {})->count, 2);

    // Deleting the group keeps its contacts.
    ASSERT_TRUE(service_->delete_group(a_, group->id));
    EXPECT_EQ(outcome(service_->get_group(a_, group->id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->delete_group(a_, group->id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->add_members(a_, group->id, {three.id})), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->remove_members(a_, group->id, {three.id})), "NOT_FOUND");
    EXPECT_EQ(fetch(a_, three.id).name, "Three");
    EXPECT_EQ(
        count_rows("SELECT count(*) FROM contact_group_members WHERE group_id = $1", group->id), 0);
    // The freed name may be used again.
    EXPECT_TRUE(service_->create_group(a_, {.name = "Platinum"}));
}

// ---- segments

TEST_P(AudiencesTest, SegmentRulesSelectContacts) {
    auto s1 = create(a_, {.name = "S1",
                          .phone = "0712345678",
                          .attributes = json{{"city", "Arusha"},
                                             {"company", "Acme Corp"},
                                             {"seats", 4},
                                             {"vip", true},
                                             {"score", 4.5}},
                          .tags = Tags{"vip", "gold"},
                          .is_opted_in = true});
    const Micros t1 = clock_.now();
    auto s2 = create(
        a_, {.name = "S2",
             .phone = "0713000001",
             .attributes =
                 json{{"city", "Dodoma"}, {"company", "Beta ACME"}, {"seats", 10}, {"vip", false}},
             .tags = Tags{"customer"}});
    const Micros t2 = clock_.now();
    create(a_, {.name = "S3",
                .phone = "0713000002",
                .attributes = json{{"city", "Arusha"}, {"seats", "4"}},
                .tags = Tags{"vip", "customer"},
                .is_active = false,
                .is_opted_in = true});
    create(a_,
           {.name = "S4", .email = "s4@example.com", .attributes = json{{"plan.tier", "gold"}}});
    // Another account's contact never counts.
    create(b_, {.name = "B",
                .phone = "0712345678",
                .attributes = json{{"city", "Arusha"}},
                .tags = Tags{"vip"}});

    EXPECT_EQ(preview_count(json::object()), 4);
    // tags
    EXPECT_EQ(preview_count({{"tags_any", {"gold", "customer"}}}), 3);
    EXPECT_EQ(preview_count({{"tags_any", {"nobody"}}}), 0);
    EXPECT_EQ(preview_count({{"tags_all", {"vip", "customer"}}}), 1);
    EXPECT_EQ(preview_count({{"tags_all", {"vip"}}}), 2);
    EXPECT_EQ(preview_count({{"tags_any", {"gold", "customer"}}, {"tags_all", {"vip"}}}), 2);
    // attributes: equals compares text exactly
    auto attr = [](const char* key, const char* op, const json& value) {
        return json{{"attributes", {{{"key", key}, {"op", op}, {"value", value}}}}};
    };
    EXPECT_EQ(preview_count(attr("city", "equals", "Arusha")), 2);
    EXPECT_EQ(preview_count(attr("city", "equals", "arusha")), 0);
    EXPECT_EQ(preview_count(attr("city", "equals", "Arush")), 0);
    EXPECT_EQ(preview_count(attr("nothing", "equals", "Arusha")), 0);
    EXPECT_EQ(preview_count(attr("plan.tier", "equals", "gold")), 1);
    // numbers and booleans compare as written; the text "4" equals the number 4
    EXPECT_EQ(preview_count(attr("seats", "equals", 4)), 2);
    EXPECT_EQ(preview_count(attr("seats", "equals", "10")), 1);
    EXPECT_EQ(preview_count(attr("seats", "equals", 1)), 0);
    EXPECT_EQ(preview_count(attr("score", "equals", 4.5)), 1);
    EXPECT_EQ(preview_count(attr("vip", "equals", true)), 1);
    EXPECT_EQ(preview_count(attr("vip", "equals", false)), 1);
    EXPECT_EQ(preview_count(attr("vip", "equals", "true")), 1);
    // contains: case-insensitive substring
    EXPECT_EQ(preview_count(attr("company", "contains", "acme")), 2);
    EXPECT_EQ(preview_count(attr("company", "contains", "ACME")), 2);
    EXPECT_EQ(preview_count(attr("company", "contains", "corp")), 1);
    EXPECT_EQ(preview_count(attr("company", "contains", "%")), 0);
    EXPECT_EQ(preview_count(attr("seats", "contains", "1")), 1);
    EXPECT_EQ(preview_count(attr("city", "contains", "RUSH")), 2);
    // several attribute rules: all must hold
    EXPECT_EQ(preview_count({{"attributes",
                              {{{"key", "city"}, {"op", "equals"}, {"value", "Arusha"}},
                               {{"key", "seats"}, {"op", "equals"}, {"value", 4}},
                               {{"key", "company"}, {"op", "contains"}, {"value", "acme"}}}}}),
              1);
    // consent and activity
    EXPECT_EQ(preview_count({{"opt_in", "opted_in"}}), 2);
    EXPECT_EQ(preview_count({{"opt_in", "opted_out"}}), 2);
    EXPECT_EQ(preview_count({{"opt_in", "any"}}), 4);
    EXPECT_EQ(preview_count({{"is_active", false}}), 1);
    EXPECT_EQ(preview_count({{"is_active", true}}), 3);
    // creation time: after is inclusive, before exclusive
    EXPECT_EQ(preview_count({{"created_after", format_iso8601(t2)}}), 3);
    EXPECT_EQ(preview_count({{"created_before", format_iso8601(t2)}}), 1);
    EXPECT_EQ(preview_count({{"created_after", format_iso8601(t1)},
                             {"created_before", format_iso8601(t2 + kMicrosPerSecond)}}),
              2);
    // last contact: contacts never contacted match neither
    s1.last_contacted_at = t1 + 10 * kMicrosPerSecond;
    s2.last_contacted_at = t1 + 20 * kMicrosPerSecond;
    for (const Contact* c : {&s1, &s2})
        ASSERT_TRUE(db().write(
            [&](db::Connection& conn) { return store::update_contact(conn, *c, false); }));
    EXPECT_EQ(preview_count({{"last_contacted_after", format_iso8601(t1 + 15 * kMicrosPerSecond)}}),
              1);
    EXPECT_EQ(
        preview_count({{"last_contacted_before", format_iso8601(t1 + 15 * kMicrosPerSecond)}}), 1);
    EXPECT_EQ(preview_count({{"last_contacted_after", format_iso8601(t1)}}), 2);
    // everything together
    EXPECT_EQ(preview_count({{"tags_any", {"vip"}}, {"opt_in", "opted_in"}, {"is_active", true}}),
              1);
}

TEST_P(AudiencesTest, SegmentsCountAndPreview) {
    for (int i = 0; i < 12; ++i)
        create(a_, {.name = "Vip " + std::to_string(i),
                    .phone = "07130000" + std::to_string(10 + i),
                    .tags = Tags{"vip"}});
    auto plain = create(a_, {.name = "Plain", .phone = "0712345678"});
    const auto vip = rules_of({{"tags_any", {"vip"}}});

    auto segment = service_->create_segment(a_, {.name = "VIPs", .description = "d", .rules = vip});
    ASSERT_TRUE(segment) << segment.error().message;
    EXPECT_EQ(segment->contact_count, 12);
    EXPECT_EQ(segment->counted_at, std::optional<Micros>(clock_.now()));
    EXPECT_EQ(outcome(service_->create_segment(a_, {.name = "VIPs", .rules = vip})),
              "CONFLICT name");
    auto stored = service_->get_segment(a_, segment->id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(segment_json(*stored), segment_json(*segment));
    EXPECT_EQ(rules_to_json(stored->rules), rules_to_json(vip));

    // The stored count changes only when asked to.
    auto more = create(a_, {.name = "Vip late", .phone = "0713000099", .tags = Tags{"vip"}});
    EXPECT_EQ(service_->get_segment(a_, segment->id)->contact_count, 12);
    clock_.advance(kMicrosPerSecond);
    auto recounted = service_->update_segment_count(a_, segment->id);
    ASSERT_TRUE(recounted);
    EXPECT_EQ(recounted->contact_count, 13);
    EXPECT_EQ(recounted->counted_at, std::optional<Micros>(clock_.now()));
    EXPECT_EQ(service_->get_segment(a_, segment->id)->contact_count, 13);
    ASSERT_TRUE(service_->remove(a_, more.id));
    ASSERT_TRUE(service_->update(a_, plain.id, {.tags = Tags{"vip"}}));
    EXPECT_EQ(service_->update_segment_count(a_, segment->id)->contact_count, 13);
    ASSERT_TRUE(service_->update(a_, plain.id, {.tags = Tags{}}));
    EXPECT_EQ(service_->update_segment_count(a_, segment->id)->contact_count, 12);

    // New rules apply to the next count and to the contact list.
    auto changed = service_->update_segment(
        a_, segment->id, {.name = "Plain ones", .rules = rules_of({{"tags_all", json::array()}})});
    ASSERT_TRUE(changed) << changed.error().message;
    EXPECT_EQ(changed->name, "Plain ones");
    EXPECT_EQ(changed->description, "d");
    EXPECT_EQ(service_->update_segment_count(a_, segment->id)->contact_count, 13);
    ContactFilter f;
    f.segment_id = segment->id;
    std::int64_t count = 0;
    listed(a_, f, {5, 0}, &count);
    EXPECT_EQ(count, 13);

    // Preview saves nothing and samples at most ten.
    auto preview = service_->preview_segment(a_, vip);
    ASSERT_TRUE(preview);
    EXPECT_EQ(preview->contact_count, 12);
    EXPECT_EQ(preview->sample.size(), 10u);
    for (const auto& c : preview->sample) EXPECT_EQ(c.tags, Tags{"vip"});
    auto small = service_->preview_segment(a_, rules_of({{"tags_all", {"nobody"}}}));
    ASSERT_TRUE(small);
    EXPECT_EQ(small->contact_count, 0);
    EXPECT_TRUE(small->sample.empty());
    auto segments = service_->list_segments(a_, std::nullopt, {});
    ASSERT_TRUE(segments);
    EXPECT_EQ(segments->count, 1);
    EXPECT_EQ(service_->list_segments(a_, std::string("plain"), {})->count, 1);
    EXPECT_EQ(service_->list_segments(a_, std::string("vip"), {})->count, 0);

    ASSERT_TRUE(service_->delete_segment(a_, segment->id));
    EXPECT_EQ(outcome(service_->get_segment(a_, segment->id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->update_segment_count(a_, segment->id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->delete_segment(a_, segment->id)), "NOT_FOUND");
}

// ---- isolation

TEST_P(AudiencesTest, AnotherAccountsObjectsAreNotFoundAndStayUnchanged) {
    auto contact = create(a_, {.name = "Private",
                               .phone = "0712345678",
                               .email = "private@example.com",
                               .tags = Tags{"vip"},
                               .is_opted_in = true});
    auto group = service_->create_group(a_, {.name = "Group"});
    ASSERT_TRUE(group);
    ASSERT_TRUE(service_->add_members(a_, group->id, {contact.id}));
    auto segment = service_->create_segment(
        a_, {.name = "Segment", .rules = rules_of({{"tags_any", {"vip"}}})});
    ASSERT_TRUE(segment);
    const auto upload = dir_ / ("upload_" + new_uuid_v7() + ".csv");
    {
        std::ofstream out(upload, std::ios::binary);
        out << "phone\n0713000001\n";
    }
    auto import =
        service_->start_import(a_,
                               {upload.string(), "a.csv", 0,
                                static_cast<std::int64_t>(std::filesystem::file_size(upload))},
                               {});
    ASSERT_TRUE(import) << import.error().message;
    auto b_group = service_->create_group(b_, {.name = "Theirs"});
    ASSERT_TRUE(b_group);

    const auto before_contact = fetch(a_, contact.id);
    const auto before_history = service_->get(a_, contact.id)->consent_history.size();
    const auto before_group = *service_->get_group(a_, group->id);
    const auto before_segment = *service_->get_segment(a_, segment->id);
    const auto before_import = *service_->get_import(a_, import->id);
    clock_.advance(kMicrosPerSecond);

    const Principal& b = b_;
    const ContactId& id = contact.id;
    EXPECT_EQ(outcome(service_->get(b, id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->update(b, id, {.name = "Taken", .tags = Tags{}})), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->remove(b, id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->set_consent(b, id, false, "all", std::string("x"))), "NOT_FOUND");
    ContactFilter by_group;
    by_group.query.group_id = group->id;
    EXPECT_EQ(outcome(service_->list(b, by_group, {})), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->resolve(b, by_group)), "NOT_FOUND");
    ContactFilter by_segment;
    by_segment.segment_id = segment->id;
    EXPECT_EQ(outcome(service_->list(b, by_segment, {})), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->resolve(b, by_segment)), "NOT_FOUND");

    EXPECT_EQ(outcome(service_->get_group(b, group->id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->update_group(b, group->id, {.name = "Mine now"})), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->add_members(b, group->id, {id})), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->remove_members(b, group->id, {id})), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->delete_group(b, group->id)), "NOT_FOUND");
    auto into_b = service_->add_members(b, b_group->id, {id});
    ASSERT_TRUE(into_b);
    EXPECT_EQ(into_b->added, 0);
    EXPECT_EQ(into_b->not_found, std::vector<ContactId>{id});
    EXPECT_EQ(*service_->remove_members(b, b_group->id, {id}), 0);

    EXPECT_EQ(outcome(service_->get_segment(b, segment->id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->update_segment(b, segment->id, {.name = "Mine now"})), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->update_segment_count(b, segment->id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->delete_segment(b, segment->id)), "NOT_FOUND");

    EXPECT_EQ(outcome(service_->get_import(b, import->id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->import_errors(b, import->id, 0, 10)), "NOT_FOUND");

    // B's own views hold nothing of A's.
    std::int64_t count = -1;
    EXPECT_EQ(listed(b, {}, {100, 0}, &count), Names{});
    EXPECT_EQ(count, 0);
    auto exported = service_->export_page(b, {}, std::nullopt, 100);
    ASSERT_TRUE(exported);
    EXPECT_TRUE(exported->empty());
    EXPECT_EQ(service_->list_groups(b, std::nullopt, {})->count, 1);
    EXPECT_EQ(service_->list_segments(b, std::nullopt, {})->count, 0);
    EXPECT_EQ(service_->list_imports(b, {})->count, 0);
    EXPECT_EQ(service_->preview_segment(b, SegmentRules{})->contact_count, 0);
    // B's upsert of A's phone and email makes B's own contact.
    auto own =
        service_->upsert(b, {.name = "B's", .phone = "0712345678", .email = "private@example.com"});
    ASSERT_TRUE(own);
    EXPECT_FALSE(own->upserted);
    EXPECT_NE(own->contact.id, id);

    // A's objects are as they were.
    const auto after_contact = fetch(a_, id);
    EXPECT_EQ(contact_json(after_contact), contact_json(before_contact));
    EXPECT_EQ(after_contact.updated_at, before_contact.updated_at);
    EXPECT_EQ(service_->get(a_, id)->consent_history.size(), before_history);
    const auto after_group = *service_->get_group(a_, group->id);
    EXPECT_EQ(group_json(after_group), group_json(before_group));
    EXPECT_EQ(after_group.contact_count, 1);
    const auto after_segment = *service_->get_segment(a_, segment->id);
    EXPECT_EQ(segment_json(after_segment), segment_json(before_segment));
    EXPECT_EQ(after_segment.updated_at, before_segment.updated_at);
    EXPECT_EQ(import_json(*service_->get_import(a_, import->id)), import_json(before_import));
    EXPECT_EQ(listed(a_, {}), Names{"Private"});
}

// ---- export

TEST_P(AudiencesTest, ExportPagesReturnEveryContactOnceInOrder) {
    std::vector<Contact> made;
    for (int i = 0; i < 23; ++i) {
        // Groups of three share a creation time: the id breaks the tie.
        if (i % 3 == 0) clock_.advance(kMicrosPerSecond);
        auto r = service_->upsert(a_, {.name = "C" + std::to_string(i),
                                       .phone = "07130001" + std::to_string(10 + i),
                                       .tags = i % 2 ? Tags{"odd"} : Tags{"even"}});
        ASSERT_TRUE(r) << r.error().message;
        made.push_back(r->contact);
    }
    create(b_, {.name = "Elsewhere", .phone = "0712345678", .tags = Tags{"odd"}});
    ASSERT_TRUE(service_->remove(a_, made[7].id));
    made.erase(made.begin() + 7);
    std::sort(made.begin(), made.end(), [](const Contact& x, const Contact& y) {
        return std::tie(x.created_at, x.id) < std::tie(y.created_at, y.id);
    });

    auto export_all = [&](const ContactQuery& q, int limit) {
        std::vector<ContactId> ids;
        std::optional<store::ExportCursor> after;
        for (int pages = 0; pages < 100; ++pages) {
            auto page = service_->export_page(a_, q, after, limit);
            EXPECT_TRUE(page) << (page ? "" : page.error().message);
            if (!page || page->empty()) break;
            EXPECT_LE(page->size(), static_cast<std::size_t>(limit));
            for (const auto& c : *page) ids.push_back(c.id);
            after = store::ExportCursor{page->back().created_at, page->back().id.value};
        }
        return ids;
    };
    std::vector<ContactId> expected;
    for (const auto& c : made) expected.push_back(c.id);
    for (int limit : {1, 3, 5, 22, 100}) EXPECT_EQ(export_all({}, limit), expected) << limit;

    ContactQuery odd;
    odd.tags = {"odd"};
    std::vector<ContactId> odd_expected;
    for (const auto& c : made)
        if (c.tags == Tags{"odd"}) odd_expected.push_back(c.id);
    EXPECT_EQ(export_all(odd, 4), odd_expected);
    EXPECT_EQ(std::set<ContactId>(expected.begin(), expected.end()).size(), 22u);
}

INSTANTIATE_TEST_SUITE_P(Engines, AudiencesTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::contacts
