// Contacts, groups and segments against a real database, on SQLite and on
// PostgreSQL.

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
#include "contacts/testing_contacts.h"
#include "contacts/views.h"
#include "core/ids.h"
#include "db/testing_db.h"
#include "identity/store.h"

namespace ujumbe::contacts {
namespace {

using json = nlohmann::json;
using Tags = std::vector<std::string>;
using Names = std::vector<std::string>;

// "ok", or the error code followed by the fields the error names.
template <typename T>
std::string outcome(const Result<T>& r) {
    if (r) return "ok";
    std::string out = r.error().error_code;
    for (const auto& [field, problems] : r.error().errors) out += " " + field;
    return out;
}

SegmentRules rules_of(const json& j) {
    auto r = parse_rules(j);
    EXPECT_TRUE(r) << j.dump();
    return r ? *r : SegmentRules{};
}

class ContactsServiceTest : public testing::ContactsTest {
protected:
    void SetUp() override {
        ContactsTest::SetUp();
        if (IsSkipped()) return;
        a_ = owner_of("Acme", "TZ");
        b_ = owner_of("Beta", "TZ");
    }

    // A contact created a second after the previous one. One to be opted in
    // is created and then opted in, so that tests of other rules do not
    // depend on consent being recorded at creation (tested on its own).
    Contact create(const Principal& who, ContactInput in) {
        clock_.advance(kMicrosPerSecond);
        const bool opt_in = in.is_opted_in.value_or(false);
        in.is_opted_in.reset();
        auto r = service_->upsert(who, in);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        if (!r) return Contact{};
        EXPECT_FALSE(r->upserted);
        if (!opt_in) return r->contact;
        auto in_now = service_->set_consent(who, r->contact.id, true, "all", std::nullopt);
        EXPECT_TRUE(in_now) << (in_now ? "" : in_now.error().message);
        return in_now ? *in_now : Contact{};
    }

    Contact fetch(const Principal& who, const std::string& id) {
        auto r = service_->get(who, id);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? r->contact : Contact{};
    }

    // Names of the contacts listed, in order.
    Names listed(const Principal& who, const ContactFilter& filter, Page page = {100, 0},
                 std::int64_t* count = nullptr) {
        auto r = service_->list(who, filter, page);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        if (!r) return {};
        if (count) *count = r->count;
        Names out;
        for (const auto& c : r->items) out.push_back(c.name);
        return out;
    }

    Names search(const std::string& text) {
        ContactFilter f;
        f.query.search = text;
        f.query.ordering = "name";
        return listed(a_, f);
    }

    std::int64_t preview_count(const json& rules) {
        auto r = service_->preview_segment(a_, rules_of(rules));
        EXPECT_TRUE(r) << rules.dump() << ": " << (r ? "" : r.error().message);
        return r ? r->contact_count : -1;
    }

    std::int64_t count_rows(const std::string& sql, const std::string& param) {
        auto r = db().read([&](db::Connection& c) { return c.query_one(sql, {param}); });
        EXPECT_TRUE(r && *r);
        return r && *r ? (*r)->i64(0) : -1;
    }

    Principal a_, b_;
};

// ---- contacts

TEST_P(ContactsServiceTest, UpsertCreatesThenMerges) {
    auto created = service_->upsert(a_, {.name = "Jane Smith",
                                         .phone = "0712 345 678",
                                         .email = "jane@example.com",
                                         .attributes = json{{"company", "Acme"}, {"seats", 4}},
                                         .tags = Tags{"Marketing", " vip "}});
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_FALSE(created->upserted);
    const auto& c = created->contact;
    EXPECT_TRUE(is_uuid(c.id));
    EXPECT_EQ(c.account_id, a_.account_id);
    EXPECT_EQ(c.phone_e164, std::optional<std::string>("+255712345678"));
    EXPECT_EQ(c.tags, (Tags{"marketing", "vip"}));
    EXPECT_TRUE(c.is_active);
    EXPECT_FALSE(c.is_opted_in);
    EXPECT_EQ(c.created_at, clock_.now());

    clock_.advance(kMicrosPerSecond);
    auto merged = service_->upsert(a_, {.phone = "+255 712-345-678",
                                        .attributes = json{{"seats", 5}, {"vip", true}},
                                        .tags = Tags{"Gold"},
                                        .is_active = false});
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_TRUE(merged->upserted);
    const auto& m = merged->contact;
    EXPECT_EQ(m.id, c.id);
    EXPECT_EQ(m.name, "Jane Smith");  // not given: kept
    EXPECT_EQ(m.email, std::optional<std::string>("jane@example.com"));
    EXPECT_EQ(m.attributes, json({{"company", "Acme"}, {"seats", 5}, {"vip", true}}));
    EXPECT_EQ(m.tags, (Tags{"gold", "marketing", "vip"}));
    EXPECT_FALSE(m.is_active);
    EXPECT_EQ(m.created_at, c.created_at);
    EXPECT_EQ(m.updated_at, clock_.now());

    // What was stored is what was answered.
    auto stored = fetch(a_, c.id);
    EXPECT_EQ(contact_json(stored), contact_json(m));
    // The tag rows follow: the filter finds the added tag.
    ContactFilter gold;
    gold.query.tags = {"gold", "marketing"};
    EXPECT_EQ(listed(a_, gold), Names{"Jane Smith"});
}

TEST_P(ContactsServiceTest, UpsertMatchesByEmailWhenThePhoneIsNew) {
    auto first = create(a_, {.name = "Mail", .email = "mail@example.com"});
    clock_.advance(kMicrosPerSecond);
    auto merged = service_->upsert(a_, {.phone = "0713000001", .email = "mail@example.com"});
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_TRUE(merged->upserted);
    EXPECT_EQ(merged->contact.id, first.id);
    EXPECT_EQ(merged->contact.phone_e164, std::optional<std::string>("+255713000001"));
    std::int64_t count = 0;
    listed(a_, {}, {100, 0}, &count);
    EXPECT_EQ(count, 1);
}

TEST_P(ContactsServiceTest, UpsertWithThePhoneOfOneAndTheEmailOfAnotherConflictsOnEmail) {
    auto one = create(a_, {.name = "One", .phone = "0712345678", .email = "one@example.com"});
    auto two = create(a_, {.name = "Two", .phone = "0713000001", .email = "two@example.com"});
    auto r =
        service_->upsert(a_, {.name = "Mixed", .phone = "0712345678", .email = "two@example.com"});
    EXPECT_EQ(outcome(r), "CONFLICT email");
    EXPECT_EQ(r.error().code, ErrorCode::kConflict);
    EXPECT_EQ(contact_json(fetch(a_, one.id)), contact_json(one));
    EXPECT_EQ(contact_json(fetch(a_, two.id)), contact_json(two));
}

TEST_P(ContactsServiceTest, PhonesUseTheAccountsDefaultCountry) {
    auto nowhere = owner_of("Nowhere", "");
    auto refused = service_->upsert(nowhere, {.phone = "0712345678"});
    EXPECT_EQ(outcome(refused), "VALIDATION_ERROR phone_e164");
    EXPECT_NE(refused.error().errors.at("phone_e164").front().find("country code"),
              std::string::npos);
    // International numbers need no default country.
    EXPECT_EQ(create(nowhere, {.phone = "+255 712 345 670"}).phone_e164,
              std::optional<std::string>("+255712345670"));

    ASSERT_TRUE(identity_->update_current_account(nowhere, {.default_country = "TZ"}));
    EXPECT_EQ(service_->phone_country(nowhere).value(), "TZ");
    EXPECT_EQ(create(nowhere, {.phone = "0712 345 678"}).phone_e164,
              std::optional<std::string>("+255712345678"));
    ASSERT_TRUE(identity_->update_current_account(nowhere, {.default_country = "KE"}));
    EXPECT_EQ(create(nowhere, {.phone = "0712 345 678"}).phone_e164,
              std::optional<std::string>("+254712345678"));

    // Without a default country, the account's country is used.
    EXPECT_EQ(service_->phone_country(a_).value(), "TZ");
    EXPECT_EQ(create(a_, {.phone = "0712345678"}).phone_e164,
              std::optional<std::string>("+255712345678"));
    // Updates normalise the same way.
    auto c = create(nowhere, {.email = "later@example.com"});
    auto updated = service_->update(nowhere, c.id, {.phone = "0722 000 111"});
    ASSERT_TRUE(updated) << updated.error().message;
    EXPECT_EQ(updated->phone_e164, std::optional<std::string>("+254722000111"));
}

TEST_P(ContactsServiceTest, BadInputNamesTheFieldAndStoresNothing) {
    EXPECT_EQ(outcome(service_->upsert(a_, {.name = "Nobody"})), "VALIDATION_ERROR phone_e164");
    EXPECT_EQ(outcome(service_->upsert(a_, {.phone = "12345"})), "VALIDATION_ERROR phone_e164");
    EXPECT_EQ(outcome(service_->upsert(a_, {.phone = "not a phone"})),
              "VALIDATION_ERROR phone_e164");
    EXPECT_EQ(outcome(service_->upsert(a_, {.phone = "0712345678", .tags = Tags{"a,b"}})),
              "VALIDATION_ERROR tags");
    EXPECT_EQ(outcome(service_->upsert(
                  a_, {.phone = "0712345678", .attributes = json{{"address", {{"city", "X"}}}}})),
              "VALIDATION_ERROR attributes.address");
    EXPECT_EQ(outcome(service_->upsert(a_, {.phone = "0712345678", .attributes = json::array()})),
              "VALIDATION_ERROR attributes");
    std::int64_t count = -1;
    listed(a_, {}, {100, 0}, &count);
    EXPECT_EQ(count, 0);
}

TEST_P(ContactsServiceTest, TooManyTagsAfterMergingAreRefused) {
    Tags forty;
    for (int i = 0; i < 40; ++i) forty.push_back("a" + std::to_string(i));
    auto c = create(a_, {.phone = "0712345678", .tags = forty});
    Tags more;
    for (int i = 0; i < 11; ++i) more.push_back("b" + std::to_string(i));
    EXPECT_EQ(outcome(service_->upsert(a_, {.phone = "0712345678", .tags = more})),
              "VALIDATION_ERROR tags");
    EXPECT_EQ(fetch(a_, c.id).tags.size(), 40u);
}

TEST_P(ContactsServiceTest, PhoneAndEmailAreUniquePerAccountOnly) {
    auto mine = create(a_, {.name = "Mine", .phone = "0712345678", .email = "x@example.com"});
    auto theirs =
        create(b_, {.name = "Theirs", .phone = "+255712345678", .email = "x@example.com"});
    EXPECT_NE(mine.id, theirs.id);
    EXPECT_EQ(listed(a_, {}), Names{"Mine"});
    EXPECT_EQ(listed(b_, {}), Names{"Theirs"});
    // Within an account the same phone is the same contact.
    auto again = service_->upsert(a_, {.name = "Mine again", .phone = "00255712345678"});
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->upserted);
    EXPECT_EQ(again->contact.id, mine.id);
    EXPECT_EQ(fetch(b_, theirs.id).name, "Theirs");
}

TEST_P(ContactsServiceTest, UpdateConflictsNameTheField) {
    auto one = create(a_, {.name = "One", .phone = "0712345678", .email = "one@example.com"});
    auto two = create(a_, {.name = "Two", .phone = "0713000001", .email = "two@example.com"});
    clock_.advance(kMicrosPerSecond);
    auto phone = service_->update(a_, two.id, {.name = "Changed", .phone = "+255712345678"});
    EXPECT_EQ(outcome(phone), "CONFLICT phone_e164");
    EXPECT_EQ(phone.error().code, ErrorCode::kConflict);
    EXPECT_EQ(outcome(service_->update(a_, two.id, {.email = "one@example.com"})),
              "CONFLICT email");
    EXPECT_EQ(contact_json(fetch(a_, two.id)), contact_json(two));
    EXPECT_EQ(contact_json(fetch(a_, one.id)), contact_json(one));
    // Its own phone, spelled another way, is no conflict.
    auto same = service_->update(a_, two.id, {.name = "Two", .phone = "0713 000 001"});
    ASSERT_TRUE(same) << same.error().message;
    EXPECT_EQ(same->phone_e164, two.phone_e164);
}

TEST_P(ContactsServiceTest, UpdateReplacesTagsAndAttributes) {
    auto c = create(a_, {.name = "Jane Original",
                         .phone = "0712345678",
                         .email = "jane@example.com",
                         .attributes = json{{"a", 1}, {"b", 2}},
                         .tags = Tags{"old", "keep"}});
    clock_.advance(kMicrosPerSecond);
    auto u = service_->update(
        a_, c.id, {.name = "Jane S", .attributes = json{{"c", "3"}}, .tags = Tags{"keep", "New"}});
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_EQ(u->name, "Jane S");
    EXPECT_EQ(u->attributes, json({{"c", "3"}}));
    EXPECT_EQ(u->tags, (Tags{"keep", "new"}));
    EXPECT_EQ(u->updated_at, clock_.now());
    EXPECT_EQ(contact_json(fetch(a_, c.id)), contact_json(*u));
    ContactFilter old_tag, new_tag;
    old_tag.query.tags = {"old"};
    new_tag.query.tags = {"new"};
    EXPECT_EQ(listed(a_, old_tag), Names{});
    EXPECT_EQ(listed(a_, new_tag), Names{"Jane S"});
    // The search follows the new name.
    ContactFilter by_name;
    by_name.query.search = "jane s";
    EXPECT_EQ(listed(a_, by_name), Names{"Jane S"});
    by_name.query.search = "original";
    EXPECT_EQ(listed(a_, by_name), Names{});
    // Fields not given stay.
    auto only_active = service_->update(a_, c.id, {.is_active = false});
    ASSERT_TRUE(only_active);
    EXPECT_EQ(only_active->tags, (Tags{"keep", "new"}));
    EXPECT_EQ(only_active->email, std::optional<std::string>("jane@example.com"));
    EXPECT_FALSE(only_active->is_active);
    // Tags and attributes may be emptied.
    auto emptied = service_->update(a_, c.id, {.attributes = json::object(), .tags = Tags{}});
    ASSERT_TRUE(emptied);
    EXPECT_TRUE(emptied->tags.empty());
    EXPECT_EQ(emptied->attributes, json::object());
    EXPECT_EQ(listed(a_, new_tag), Names{});
    // Bad values name the field.
    EXPECT_EQ(outcome(service_->update(a_, c.id, {.tags = Tags{""}})), "VALIDATION_ERROR tags");
    EXPECT_EQ(outcome(service_->update(a_, c.id, {.attributes = json{{"x", nullptr}}})),
              "VALIDATION_ERROR attributes.x");
    EXPECT_EQ(outcome(service_->update(a_, c.id, {.phone = "0712"})),
              "VALIDATION_ERROR phone_e164");
}

TEST_P(ContactsServiceTest, EmailIsClearedOnlyWhenAPhoneRemains) {
    auto both = create(a_, {.phone = "0712345678", .email = "both@example.com"});
    auto cleared = service_->update(a_, both.id, {.clear_email = true});
    ASSERT_TRUE(cleared) << cleared.error().message;
    EXPECT_FALSE(cleared->email);
    EXPECT_FALSE(fetch(a_, both.id).email);
    // The email is free again.
    create(a_, {.name = "New owner", .email = "both@example.com"});

    auto mail_only = create(a_, {.email = "only@example.com"});
    EXPECT_EQ(outcome(service_->update(a_, mail_only.id, {.clear_email = true})),
              "VALIDATION_ERROR email");
    EXPECT_EQ(fetch(a_, mail_only.id).email, std::optional<std::string>("only@example.com"));
}

TEST_P(ContactsServiceTest, SoftDeleteHidesTheContactAndFreesItsPhone) {
    auto c = create(a_, {.name = "Gone",
                         .phone = "0712345678",
                         .email = "gone@example.com",
                         .tags = Tags{"vip"},
                         .is_opted_in = true});
    auto group = service_->create_group(a_, {.name = "G"});
    ASSERT_TRUE(group);
    ASSERT_TRUE(service_->add_members(a_, group->id, {c.id}));
    auto segment = service_->create_segment(a_, {.name = "S", .rules = rules_of(json::object())});
    ASSERT_TRUE(segment);
    EXPECT_EQ(segment->contact_count, 1);

    ASSERT_TRUE(service_->remove(a_, c.id));
    EXPECT_EQ(outcome(service_->get(a_, c.id)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->update(a_, c.id, {.name = "Back"})), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->set_consent(a_, c.id, false, "all", std::nullopt)), "NOT_FOUND");
    EXPECT_EQ(outcome(service_->remove(a_, c.id)), "NOT_FOUND");
    EXPECT_EQ(listed(a_, {}), Names{});
    ContactFilter vip;
    vip.query.tags = {"vip"};
    EXPECT_EQ(listed(a_, vip), Names{});
    EXPECT_EQ(service_->get_group(a_, group->id)->contact_count, 0);
    EXPECT_EQ(service_->update_segment_count(a_, segment->id)->contact_count, 0);
    auto exported = service_->export_page(a_, {}, std::nullopt, 100);
    ASSERT_TRUE(exported);
    EXPECT_TRUE(exported->empty());

    // Phone and email are free: the same numbers make a new contact.
    auto again = service_->upsert(
        a_, {.name = "New", .phone = "+255712345678", .email = "gone@example.com"});
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_FALSE(again->upserted);
    EXPECT_NE(again->contact.id, c.id);
    EXPECT_FALSE(again->contact.is_opted_in);
    EXPECT_EQ(listed(a_, {}), Names{"New"});
    // The consent history of the deleted contact stays.
    EXPECT_EQ(count_rows("SELECT count(*) FROM contact_consents WHERE contact_id = $1", c.id), 1);
}

TEST_P(ContactsServiceTest, ListTotalsFollowCreatesDeletesAndTagChanges) {
    // Each shape of filter takes its own way to the total (kept count, tag
    // rows, counting contacts): all must agree with the rows themselves.
    auto total = [&](const Principal& who, std::vector<std::string> tags,
                     std::optional<bool> active = std::nullopt) {
        ContactFilter f;
        f.query.tags = std::move(tags);
        f.query.is_active = active;
        std::int64_t count = -1;
        const auto names = listed(who, f, {1000, 0}, &count);
        EXPECT_EQ(count, static_cast<std::int64_t>(names.size()));
        return count;
    };
    EXPECT_EQ(total(a_, {}), 0);
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i)
        ids.push_back(create(a_, {.name = "C" + std::to_string(i),
                                  .phone = "+25571200000" + std::to_string(i),
                                  .tags = i % 2 ? Tags{"odd", "x"} : Tags{"x"}})
                          .id);
    create(b_, {.name = "Other", .phone = "+255712000001", .tags = Tags{"odd", "x"}});
    EXPECT_EQ(total(a_, {}), 6);
    EXPECT_EQ(total(a_, {"odd"}), 3);
    EXPECT_EQ(total(a_, {"odd", "x"}), 3);
    EXPECT_EQ(total(a_, {"x"}, true), 6);
    EXPECT_EQ(total(b_, {}), 1);

    ASSERT_TRUE(service_->remove(a_, ids[1]));
    ASSERT_TRUE(service_->update(a_, ids[0], {.tags = Tags{"odd"}}));
    ASSERT_TRUE(service_->update(a_, ids[2], {.is_active = false}));
    EXPECT_EQ(total(a_, {}), 5);
    EXPECT_EQ(total(a_, {"odd"}), 3);
    EXPECT_EQ(total(a_, {"odd", "x"}), 2);
    EXPECT_EQ(total(a_, {"x"}, true), 3);
    EXPECT_EQ(total(a_, {"missing"}), 0);
    EXPECT_EQ(total(b_, {}), 1);
    // An upsert of a known phone changes no total.
    ASSERT_TRUE(service_->upsert(a_, {.name = "C3 again", .phone = "+255712000003"}));
    EXPECT_EQ(total(a_, {}), 5);
}

TEST_P(ContactsServiceTest, CreatingAnOptedInContactRecordsConsent) {
    auto r = service_->upsert(a_, {.name = "Jane", .phone = "0712345678", .is_opted_in = true});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_FALSE(r->upserted);
    EXPECT_TRUE(r->contact.is_opted_in);
    EXPECT_EQ(r->contact.opt_in_at, std::optional<Micros>(clock_.now()));
    auto detail = service_->get(a_, r->contact.id);
    ASSERT_TRUE(detail) << detail.error().message;
    EXPECT_TRUE(detail->contact.is_opted_in);
    ASSERT_EQ(detail->consent_history.size(), 1u);
    EXPECT_EQ(detail->consent_history[0].action, "opt_in");
    EXPECT_EQ(detail->consent_history[0].source, "api");
    EXPECT_EQ(detail->consent_history[0].actor_id, std::optional<std::string>(a_.user_id.value));
}

TEST_P(ContactsServiceTest, ConsentChangesAreRecorded) {
    auto c = create(a_, {.name = "Jane", .phone = "0712345678", .is_opted_in = true});
    EXPECT_TRUE(c.is_opted_in);
    EXPECT_EQ(c.opt_in_at, std::optional<Micros>(clock_.now()));
    const Micros first_in = clock_.now();

    clock_.advance(kMicrosPerSecond);
    auto out = service_->set_consent(a_, c.id, false, "sms", std::string("STOP"));
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->is_opted_in);
    EXPECT_EQ(out->opt_out_at, std::optional<Micros>(clock_.now()));
    EXPECT_EQ(out->opt_out_reason, std::optional<std::string>("STOP"));
    EXPECT_EQ(out->opt_in_at, std::optional<Micros>(first_in));
    const Micros opted_out = clock_.now();

    clock_.advance(kMicrosPerSecond);
    auto in = service_->set_consent(a_, c.id, true, "whatsapp", std::nullopt);
    ASSERT_TRUE(in);
    EXPECT_TRUE(in->is_opted_in);
    EXPECT_EQ(in->opt_in_at, std::optional<Micros>(clock_.now()));
    EXPECT_FALSE(in->opt_out_reason);
    EXPECT_EQ(in->opt_out_at, std::optional<Micros>(opted_out));

    // Upserting the same state records nothing; a change through PUT does.
    clock_.advance(kMicrosPerSecond);
    ASSERT_TRUE(service_->upsert(a_, {.phone = "0712345678", .is_opted_in = true}));
    clock_.advance(kMicrosPerSecond);
    ASSERT_TRUE(service_->update(a_, c.id, {.is_opted_in = false}));

    auto detail = service_->get(a_, c.id);
    ASSERT_TRUE(detail);
    EXPECT_FALSE(detail->contact.is_opted_in);
    EXPECT_FALSE(detail->contact.opt_out_reason);
    const auto& h = detail->consent_history;
    ASSERT_EQ(h.size(), 4u);
    EXPECT_EQ(h[0].action, "opt_out");
    EXPECT_EQ(h[0].channel, "all");
    EXPECT_EQ(h[1].action, "opt_in");
    EXPECT_EQ(h[1].channel, "whatsapp");
    EXPECT_FALSE(h[1].reason);
    EXPECT_EQ(h[2].action, "opt_out");
    EXPECT_EQ(h[2].channel, "sms");
    EXPECT_EQ(h[2].reason, std::optional<std::string>("STOP"));
    EXPECT_EQ(h[2].created_at, opted_out);
    EXPECT_EQ(h[3].action, "opt_in");
    EXPECT_EQ(h[3].created_at, first_in);
    for (const auto& e : h) {
        EXPECT_EQ(e.source, "api");
        EXPECT_EQ(e.contact_id, c.id);
        EXPECT_EQ(e.actor_id, std::optional<std::string>(a_.user_id.value));
    }
    // Opting out again is recorded again.
    ASSERT_TRUE(service_->set_consent(a_, c.id, false, "all", std::string("again")));
    EXPECT_EQ(service_->get(a_, c.id)->consent_history.size(), 5u);
}

TEST_P(ContactsServiceTest, ListFilters) {
    auto jane = create(a_, {.name = "Jane Smith",
                            .phone = "0712345678",
                            .email = "jane@example.com",
                            .tags = Tags{"vip", "customer"},
                            .is_opted_in = true});
    auto john = create(a_, {.name = "John Doe",
                            .phone = "0713000001",
                            .email = "john@acme.co",
                            .tags = Tags{"customer"}});
    create(a_, {.name = "Asha",
                .phone = "0713000002",
                .tags = Tags{"vip"},
                .is_active = false,
                .is_opted_in = true});
    auto zed = create(a_, {.name = "Zed", .email = "zed@example.org"});
    auto gone = create(a_, {.name = "Jane Gone", .phone = "0713000003", .tags = Tags{"vip"}});
    ASSERT_TRUE(service_->remove(a_, gone.id));
    create(b_, {.name = "Jane Elsewhere", .phone = "0712345678", .tags = Tags{"vip"}});

    // search: contains, case-insensitive, over name, phone and email
    EXPECT_EQ(search("jane"), Names{"Jane Smith"});
    EXPECT_EQ(search("SMITH"), Names{"Jane Smith"});
    EXPECT_EQ(search("ja"), Names{"Jane Smith"});
    EXPECT_EQ(search("n D"), Names{"John Doe"});
    EXPECT_EQ(search("71300000"), (Names{"Asha", "John Doe"}));
    EXPECT_EQ(search("+2557123"), Names{"Jane Smith"});
    EXPECT_EQ(search("example"), (Names{"Jane Smith", "Zed"}));
    EXPECT_EQ(search("ACME.CO"), Names{"John Doe"});
    EXPECT_EQ(search("nobody"), Names{});
    EXPECT_EQ(search("%"), Names{});
    EXPECT_EQ(search("_"), Names{});
    EXPECT_EQ(search("\"jane\""), Names{});
    EXPECT_EQ(search(""), (Names{"Asha", "Jane Smith", "John Doe", "Zed"}));

    // tags: every one given
    ContactFilter f;
    f.query.ordering = "name";
    f.query.tags = {"vip"};
    EXPECT_EQ(listed(a_, f), (Names{"Asha", "Jane Smith"}));
    f.query.tags = {"vip", "customer"};
    EXPECT_EQ(listed(a_, f), Names{"Jane Smith"});
    f.query.tags = {"nothing"};
    EXPECT_EQ(listed(a_, f), Names{});
    f.query.tags.clear();

    f.query.is_active = false;
    EXPECT_EQ(listed(a_, f), Names{"Asha"});
    f.query.is_active = true;
    EXPECT_EQ(listed(a_, f), (Names{"Jane Smith", "John Doe", "Zed"}));
    f.query.is_active.reset();
    f.query.is_opted_in = true;
    EXPECT_EQ(listed(a_, f), (Names{"Asha", "Jane Smith"}));
    f.query.is_opted_in = false;
    EXPECT_EQ(listed(a_, f), (Names{"John Doe", "Zed"}));
    f.query.is_active = true;
    EXPECT_EQ(listed(a_, f), (Names{"John Doe", "Zed"}));
    f.query.search = "john";
    EXPECT_EQ(listed(a_, f), Names{"John Doe"});

    // ordering
    ContactFilter o;
    EXPECT_EQ(listed(a_, o), (Names{"Zed", "Asha", "John Doe", "Jane Smith"}));  // -created_at
    o.query.ordering = "created_at";
    EXPECT_EQ(listed(a_, o), (Names{"Jane Smith", "John Doe", "Asha", "Zed"}));
    o.query.ordering = "-name";
    EXPECT_EQ(listed(a_, o), (Names{"Zed", "John Doe", "Jane Smith", "Asha"}));
    clock_.advance(kMicrosPerSecond);
    ASSERT_TRUE(service_->update(a_, john.id, {.name = "John Doe"}));
    o.query.ordering = "updated_at";
    EXPECT_EQ(listed(a_, o), (Names{"Jane Smith", "Asha", "Zed", "John Doe"}));
    o.query.ordering = "-updated_at";
    EXPECT_EQ(listed(a_, o), (Names{"John Doe", "Zed", "Asha", "Jane Smith"}));
    // last_contacted_at orders the contacted ones among themselves.
    auto contacted = [&](const Contact& c, Micros at) {
        auto stored = fetch(a_, c.id);
        stored.last_contacted_at = at;
        return db().write(
            [&](db::Connection& conn) { return store::update_contact(conn, stored, false); });
    };
    ASSERT_TRUE(contacted(zed, clock_.now() - 100 * kMicrosPerSecond));
    ASSERT_TRUE(contacted(jane, clock_.now() - 50 * kMicrosPerSecond));
    o.query.ordering = "last_contacted_at";
    auto position = [&](const std::string& name) {
        auto names = listed(a_, o);
        return std::find(names.begin(), names.end(), name) - names.begin();
    };
    EXPECT_LT(position("Zed"), position("Jane Smith"));
    o.query.ordering = "-last_contacted_at";
    EXPECT_GT(position("Zed"), position("Jane Smith"));

    // paging
    o.query.ordering = "created_at";
    std::int64_t count = 0;
    EXPECT_EQ(listed(a_, o, {2, 1}, &count), (Names{"John Doe", "Asha"}));
    EXPECT_EQ(count, 4);
    EXPECT_EQ(listed(a_, o, {2, 4}, &count), Names{});
    EXPECT_EQ(count, 4);

    // group_id
    auto group = service_->create_group(a_, {.name = "Friends"});
    ASSERT_TRUE(group);
    ASSERT_TRUE(service_->add_members(a_, group->id, {jane.id, zed.id}));
    ContactFilter g;
    g.query.ordering = "name";
    g.query.group_id = group->id;
    EXPECT_EQ(listed(a_, g), (Names{"Jane Smith", "Zed"}));
    g.query.is_opted_in = true;
    EXPECT_EQ(listed(a_, g), Names{"Jane Smith"});
    g.query.group_id = new_uuid_v7();
    EXPECT_EQ(outcome(service_->list(a_, g, {})), "NOT_FOUND");

    // segment_id
    auto segment =
        service_->create_segment(a_, {.name = "VIPs", .rules = rules_of({{"tags_any", {"vip"}}})});
    ASSERT_TRUE(segment);
    ContactFilter s;
    s.query.ordering = "name";
    s.segment_id = segment->id;
    EXPECT_EQ(listed(a_, s), (Names{"Asha", "Jane Smith"}));
    s.query.is_active = true;
    EXPECT_EQ(listed(a_, s), Names{"Jane Smith"});
    s.segment_id = new_uuid_v7();
    EXPECT_EQ(outcome(service_->list(a_, s, {})), "NOT_FOUND");
}

TEST_P(ContactsServiceTest, MostRecentlyContactedComeFirstOnEveryEngine) {
    create(a_, {.name = "Never", .phone = "0712345678"});
    auto once = create(a_, {.name = "Once", .phone = "0713000001"});
    auto twice = create(a_, {.name = "Twice", .phone = "0713000002"});
    once.last_contacted_at = clock_.now();
    twice.last_contacted_at = clock_.now() + kMicrosPerSecond;
    for (const Contact* c : {&once, &twice})
        ASSERT_TRUE(db().write(
            [&](db::Connection& conn) { return store::update_contact(conn, *c, false); }));
    ContactFilter f;
    f.query.ordering = "-last_contacted_at";
    EXPECT_EQ(listed(a_, f), (Names{"Twice", "Once", "Never"}));
}

TEST_P(ContactsServiceTest, ContactsOfAnotherAccountOrUnknownIdsAreNotFound) {
    for (const std::string& id : {new_uuid_v7(), std::string("not-a-uuid"), std::string("")}) {
        EXPECT_EQ(outcome(service_->get(a_, id)), "NOT_FOUND") << id;
        EXPECT_EQ(outcome(service_->update(a_, id, {.name = "x"})), "NOT_FOUND") << id;
        EXPECT_EQ(outcome(service_->remove(a_, id)), "NOT_FOUND") << id;
        EXPECT_EQ(outcome(service_->get_group(a_, id)), "NOT_FOUND") << id;
        EXPECT_EQ(outcome(service_->get_segment(a_, id)), "NOT_FOUND") << id;
        EXPECT_EQ(outcome(service_->get_import(a_, id)), "NOT_FOUND") << id;
    }
}

// ---- groups

TEST_P(ContactsServiceTest, GroupsHoldLiveContactsOfTheAccount) {
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

    auto added = service_->add_members(a_, group->id,
                                       {one.id, two.id, one.id, gone.id, other.id, "not-a-uuid"});
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_EQ(added->added, 2);
    EXPECT_EQ(added->already_members, 0);
    std::vector<std::string> missing{gone.id, other.id, "not-a-uuid"};
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

    auto removed = service_->remove_members(a_, group->id, {one.id, gone.id, "not-a-uuid"});
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

TEST_P(ContactsServiceTest, SegmentRulesSelectContacts) {
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

TEST_P(ContactsServiceTest, SegmentsCountAndPreview) {
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

TEST_P(ContactsServiceTest, AnotherAccountsObjectsAreNotFoundAndStayUnchanged) {
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
    const std::string& id = contact.id;
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
    EXPECT_EQ(into_b->not_found, std::vector<std::string>{id});
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

TEST_P(ContactsServiceTest, ExportPagesReturnEveryContactOnceInOrder) {
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
        std::vector<std::string> ids;
        std::optional<store::ExportCursor> after;
        for (int pages = 0; pages < 100; ++pages) {
            auto page = service_->export_page(a_, q, after, limit);
            EXPECT_TRUE(page) << (page ? "" : page.error().message);
            if (!page || page->empty()) break;
            EXPECT_LE(page->size(), static_cast<std::size_t>(limit));
            for (const auto& c : *page) ids.push_back(c.id);
            after = store::ExportCursor{page->back().created_at, page->back().id};
        }
        return ids;
    };
    std::vector<std::string> expected;
    for (const auto& c : made) expected.push_back(c.id);
    for (int limit : {1, 3, 5, 22, 100}) EXPECT_EQ(export_all({}, limit), expected) << limit;

    ContactQuery odd;
    odd.tags = {"odd"};
    std::vector<std::string> odd_expected;
    for (const auto& c : made)
        if (c.tags == Tags{"odd"}) odd_expected.push_back(c.id);
    EXPECT_EQ(export_all(odd, 4), odd_expected);
    EXPECT_EQ(std::set<std::string>(expected.begin(), expected.end()).size(), 22u);
}

INSTANTIATE_TEST_SUITE_P(Engines, ContactsServiceTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::contacts
