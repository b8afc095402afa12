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

using testing::ContactsServiceTest;

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
    EXPECT_TRUE(is_uuid(c.id.value));
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
    std::vector<ContactId> ids;
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
    EXPECT_EQ(detail->consent_history[0].actor_id, std::optional<UserId>(a_.user_id));
}

TEST_P(ContactsServiceTest, ConsentChangesAreRecorded) {
    auto c = create(a_, {.name = "Jane", .phone = "0712345678", .is_opted_in = true});
    EXPECT_TRUE(c.is_opted_in);
    EXPECT_EQ(c.opt_in_at, std::optional<Micros>(clock_.now()));
    const Micros first_in = clock_.now();

    clock_.advance(kMicrosPerSecond);
    auto out = service_->set_consent(a_, c.id, false, "all", std::string("STOP"));
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->is_opted_in);
    EXPECT_EQ(out->opt_out_at, std::optional<Micros>(clock_.now()));
    EXPECT_EQ(out->opt_out_reason, std::optional<std::string>("STOP"));
    EXPECT_EQ(out->opt_in_at, std::optional<Micros>(first_in));
    const Micros opted_out = clock_.now();

    clock_.advance(kMicrosPerSecond);
    auto in = service_->set_consent(a_, c.id, true, "all", std::nullopt);
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
    EXPECT_FALSE(h[1].reason);
    EXPECT_EQ(h[2].action, "opt_out");
    EXPECT_EQ(h[2].reason, std::optional<std::string>("STOP"));
    EXPECT_EQ(h[2].created_at, opted_out);
    EXPECT_EQ(h[3].action, "opt_in");
    EXPECT_EQ(h[3].created_at, first_in);
    for (const auto& e : h) {
        EXPECT_EQ(e.source, "api");
        EXPECT_EQ(e.contact_id, c.id);
        EXPECT_EQ(e.actor_id, std::optional<UserId>(a_.user_id));
    }
    // Opting out again is recorded again.
    ASSERT_TRUE(service_->set_consent(a_, c.id, false, "all", std::string("again")));
    EXPECT_EQ(service_->get(a_, c.id)->consent_history.size(), 5u);
}

TEST_P(ContactsServiceTest, ConsentIsKeptPerChannelBesidesAllChannels) {
    auto c = create(a_, {.name = "Juma", .phone = "0712345670", .is_opted_in = true});
    // Out of SMS only: WhatsApp and email still reach them.
    auto sms_out = service_->set_consent(a_, c.id, false, "sms", std::string("no texts"));
    ASSERT_TRUE(sms_out);
    EXPECT_TRUE(sms_out->is_opted_in);
    EXPECT_EQ(sms_out->opted_out_channels, std::vector<std::string>{"sms"});
    EXPECT_TRUE(sms_out->refuses("sms"));
    EXPECT_FALSE(sms_out->refuses("whatsapp"));
    // And out of WhatsApp; back in on SMS.
    ASSERT_TRUE(service_->set_consent(a_, c.id, false, "whatsapp", std::nullopt));
    auto sms_in = service_->set_consent(a_, c.id, true, "sms", std::nullopt);
    ASSERT_TRUE(sms_in);
    EXPECT_EQ(sms_in->opted_out_channels, std::vector<std::string>{"whatsapp"});
    // Out of all: every channel refuses, whatever the list says.
    auto all_out = service_->set_consent(a_, c.id, false, "all", std::nullopt);
    EXPECT_TRUE(all_out->refuses("sms") && all_out->refuses("email"));
    // Back in on one channel only: out of the others one by one.
    auto wa_in = service_->set_consent(a_, c.id, true, "whatsapp", std::nullopt);
    ASSERT_TRUE(wa_in);
    EXPECT_TRUE(wa_in->is_opted_in);
    EXPECT_FALSE(wa_in->refuses("whatsapp"));
    EXPECT_EQ(wa_in->opted_out_channels, (std::vector<std::string>{"email", "sms"}));
    // The send path asks per channel.
    for (const auto& [channel, refused] :
         std::vector<std::pair<std::string, bool>>{{"sms", true}, {"whatsapp", false}}) {
        auto out = db().read([&, channel = channel](db::Connection& conn) {
            return service_->opted_out(conn, a_.account_id, {"+255712345670"}, channel);
        });
        ASSERT_TRUE(out);
        EXPECT_EQ(out->count("+255712345670") == 1, refused) << channel;
    }
    // All in: the list is cleared.
    auto all_in = service_->set_consent(a_, c.id, true, "all", std::nullopt);
    EXPECT_TRUE(all_in->opted_out_channels.empty());
    EXPECT_EQ(service_->get(a_, c.id)->contact.opted_out_channels.size(), 0u);
}

TEST_P(ContactsServiceTest, KeywordsAreTheAccountsOwnWithTheirScopeAndReply) {
    auto keyword = [&](const std::string& text, const std::string& channel) {
        auto r = db().write([&](db::Connection& conn) {
            return service_->apply_keyword(conn, a_.account_id, "+255712345671", text, channel);
        });
        EXPECT_TRUE(r) << r.error().message;
        return r ? *r : std::nullopt;
    };
    // The defaults: STOP out of every channel, no reply; a stranger is created refused.
    auto stop = keyword("  stop ", "whatsapp");
    ASSERT_TRUE(stop);
    EXPECT_FALSE(stop->reply);
    auto found = service_->list(a_, {.query = {.search = std::string("712345671")}}, {});
    ASSERT_EQ(found->items.size(), 1u);
    EXPECT_TRUE(found->items[0].refuses("sms"));
    EXPECT_FALSE(keyword("STOP", "sms"));  // already so: nothing to confirm
    EXPECT_TRUE(keyword("start", "sms"));
    // The account's own words: a WhatsApp-only opt-out with a reply.
    auto set = service_->set_keywords(
        a_, *read_keywords(nlohmann::json::parse(
                R"({"keywords":[{"keyword":"acha","action":"opt_out","scope":"channel",
                   "reply":"Sawa, hutapokea tena kwenye WhatsApp."},
                  {"keyword":"ANZA","action":"opt_in","scope":"channel"}]})")));
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_FALSE(keyword("STOP", "sms"));  // no longer one of its words
    auto acha = keyword("Acha", "whatsapp");
    ASSERT_TRUE(acha);
    EXPECT_EQ(acha->reply, std::optional<std::string>("Sawa, hutapokea tena kwenye WhatsApp."));
    auto contact = service_->get(a_, found->items[0].id);
    EXPECT_EQ(contact->contact.opted_out_channels, std::vector<std::string>{"whatsapp"});
    EXPECT_FALSE(contact->contact.refuses("sms"));
    EXPECT_EQ(contact->consent_history[0].channel, "whatsapp");
    EXPECT_EQ(contact->consent_history[0].reason,
              std::optional<std::string>("inbound ACHA on whatsapp"));
    EXPECT_TRUE(keyword("anza", "whatsapp"));
    EXPECT_TRUE(service_->get(a_, found->items[0].id)->contact.opted_out_channels.empty());
    // Another account keeps the defaults; agents cannot change them.
    EXPECT_EQ(service_->keywords(b_)->size(), default_keywords().size());
    Principal agent = a_;
    agent.role = Role::kAgent;
    EXPECT_EQ(service_->set_keywords(agent, {}).error().code, ErrorCode::kPermissionDenied);
}

TEST(ConsentKeywords, AreCheckedAsTheyAreSaved) {
    auto bad = read_keywords(nlohmann::json::parse(
        R"({"keywords":[{"keyword":"STOP ME","action":"opt_out"},{"keyword":"GO","action":"go"},
           {"keyword":"go","action":"opt_in","scope":"sms"},{"keyword":"X","action":"opt_out",
           "reply":""}, 5]})"));
    ASSERT_FALSE(bad);
    const auto& e = bad.error().errors;
    EXPECT_TRUE(e.count("keywords[0].keyword"));
    EXPECT_TRUE(e.count("keywords[1].action"));
    EXPECT_TRUE(e.count("keywords[2].keyword"));  // GO twice
    EXPECT_TRUE(e.count("keywords[2].scope"));
    EXPECT_TRUE(e.count("keywords[3].reply"));
    EXPECT_TRUE(e.count("keywords[4]"));
    EXPECT_FALSE(read_keywords(nlohmann::json::parse(R"({"keywords":{}})")));
    EXPECT_EQ(read_keywords(nlohmann::json::parse(R"({"keywords":[]})"))->size(), 0u);
    EXPECT_FALSE(match_keyword(default_keywords(), std::string(100, 'S')));
    EXPECT_TRUE(match_keyword(default_keywords(), "\tUnsubscribe\n"));
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
    g.query.group_id = GroupId{new_uuid_v7()};
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
    s.segment_id = SegmentId{new_uuid_v7()};
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
        EXPECT_EQ(outcome(service_->get(a_, ContactId{id})), "NOT_FOUND") << id;
        EXPECT_EQ(outcome(service_->update(a_, ContactId{id}, {.name = "x"})), "NOT_FOUND") << id;
        EXPECT_EQ(outcome(service_->remove(a_, ContactId{id})), "NOT_FOUND") << id;
        EXPECT_EQ(outcome(service_->get_group(a_, GroupId{id})), "NOT_FOUND") << id;
        EXPECT_EQ(outcome(service_->get_segment(a_, SegmentId{id})), "NOT_FOUND") << id;
        EXPECT_EQ(outcome(service_->get_import(a_, ImportJobId{id})), "NOT_FOUND") << id;
    }
}

// ---- groups

INSTANTIATE_TEST_SUITE_P(Engines, ContactsServiceTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace
}  // namespace ujumbe::contacts
