// The contacts store on both engines: contacts written singly or in a batch
// and read back whole; found by id, phone and email; listed with filters, in
// pages and for the export, with counts that agree; updated and soft-deleted
// touching only their own rows; what the unique indexes and checks refuse;
// groups and their members; consent history. Every call taking an account
// id, made with another account's, must neither see nor change its rows.

#include "contacts/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "contacts/views.h"
#include "db/testing_db.h"
#include "identity/service.h"
#include "identity/store.h"

namespace ujumbe::contacts {
namespace {

using json = nlohmann::json;
using Names = std::vector<std::string>;

std::vector<ContactId> contact_ids(const Names& texts) {
    std::vector<ContactId> out;
    for (const auto& t : texts) out.emplace_back(t);
    return out;
}

constexpr Micros kT0 = 1'790'000'000'000'000;
constexpr Micros kS = kMicrosPerSecond;  // contact_json shows whole seconds
constexpr const char* kPhone = "+255712000001";

// A live contact of `account` created `at` microseconds after kT0.
Contact contact(const AccountId& account, const std::string& id, const std::string& name,
                std::optional<std::string> phone = std::nullopt, Micros at = 0) {
    Contact k;
    k.id = ContactId{id};
    k.account_id = account;
    k.name = name;
    k.phone_e164 = std::move(phone);
    k.created_at = k.updated_at = kT0 + at;
    return k;
}

Group group(const AccountId& account, const std::string& id, const std::string& name,
            Micros at = 0) {
    Group g{.id = GroupId{id}, .account_id = account, .name = name, .description = "about " + name};
    g.created_at = g.updated_at = kT0 + at;
    return g;
}

ConsentEvent consent(const std::string& id, const std::string& contact_id,
                     const std::string& action, Micros at) {
    return {id, ContactId{contact_id}, action, "all", consent_source::kApi, {}, {}, kT0 + at};
}

template <typename T>
Names names_of(const std::vector<T>& rows) {
    Names names;
    for (const auto& r : rows) names.push_back(r.name);
    return names;
}

Names ids_of_values(const std::vector<ContactId>& ids) {
    Names out;
    for (const auto& id : ids) out.push_back(id.value);
    return out;
}

template <typename T>
Names ids_of(const std::vector<T>& rows) {
    Names ids;
    for (const auto& r : rows) {
        if constexpr (std::is_same_v<decltype(r.id), std::string>)
            ids.push_back(r.id);  // consent events
        else
            ids.push_back(r.id.value);
    }
    return ids;
}

class ContactsStoreTest : public db::testing::EngineTest {
protected:
    void SetUp() override {
        EngineTest::SetUp();
        if (IsSkipped()) return;
        ASSERT_NO_FATAL_FAILURE(add_account("Alpha", a_));
        ASSERT_NO_FATAL_FAILURE(add_account("Bravo", b_));
    }

    // Contacts and groups belong to a stored account.
    void add_account(const std::string& name, AccountId& id) {
        const auto account = identity::new_account(AccountType::kBusiness, name, kT0);
        const auto s = db().write(
            [&](db::Connection& c) { return identity::store::insert_account(c, account); });
        ASSERT_TRUE(s) << s.error().message;
        id = account.id;
    }
    Status insert(const Contact& k) {
        return db().write([&](db::Connection& c) { return store::insert_contact(c, k); });
    }
    void put(const Contact& k) {
        const auto s = insert(k);
        ASSERT_TRUE(s) << s.error().message;
    }
    void update(const Contact& k, bool tags_changed) {
        const auto s = db().write(
            [&](db::Connection& c) { return store::update_contact(c, k, tags_changed); });
        ASSERT_TRUE(s) << s.error().message;
    }
    void put_group(const Group& g) {
        const auto s = db().write([&](db::Connection& c) { return store::insert_group(c, g); });
        ASSERT_TRUE(s) << s.error().message;
    }
    // Adds the contacts to the group, `added` of them not members before.
    void join(const std::string& group_id, const Names& ids, std::int64_t added) {
        const auto n = db().write([&](db::Connection& c) {
            return store::add_members(c, GroupId{group_id}, contact_ids(ids), kT0);
        });
        ASSERT_TRUE(n) << n.error().message;
        EXPECT_EQ(*n, added);
    }
    // An error fails the test; so does .value() of a row not found (it throws).
    std::optional<Contact> find(const AccountId& account, const std::string& id) {
        auto found = db().read(
            [&](db::Connection& c) { return store::find_contact(c, account, ContactId{id}); });
        EXPECT_TRUE(found) << found.error().message;
        return found ? std::move(*found) : std::nullopt;
    }
    std::optional<Group> find_group(const AccountId& account, const std::string& id) {
        auto found = db().read(
            [&](db::Connection& c) { return store::find_group(c, account, GroupId{id}); });
        EXPECT_TRUE(found) << found.error().message;
        return found ? std::move(*found) : std::nullopt;
    }
    // The names `account` lists for `q` on `page`. The listing's total must
    // agree with count_contacts; it is stored in `whole` when given.
    Names listed(const AccountId& account, const ContactQuery& q = {}, db::Paged page = {},
                 std::int64_t* whole = nullptr) {
        auto listing =
            db().read([&](db::Connection& c) { return store::list_contacts(c, account, q, page); });
        auto count =
            db().read([&](db::Connection& c) { return store::count_contacts(c, account, q); });
        if (!listing || !count) {
            ADD_FAILURE() << (listing ? count.error().message : listing.error().message);
            return {};
        }
        EXPECT_EQ(listing->count, *count);
        if (whole) *whole = listing->count;
        return names_of(listing->items);
    }
    std::int64_t total(const AccountId& account, const ContactQuery& q = {}) {
        std::int64_t n = -1;
        listed(account, q, {}, &n);
        return n;
    }
    // A's a-1 Amina .. a-5 Eshe (phone +2557120000<n>, email a<n>@example.com),
    // created in the order Baraka, Daudi, Amina, Eshe, Chausiku; and B's b-1,
    // also Amina, with a-1's phone.
    void seed() {
        const std::vector<std::tuple<std::string, Names, bool, Micros>> rows = {
            {"Amina", {"vip"}, true, 3},
            {"Baraka", {"vip", "wholesale"}, false, 1},
            {"Chausiku", {}, true, 5},
            {"Daudi", {"wholesale"}, true, 2},
            {"Eshe", {"vip", "wholesale"}, true, 4}};
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& [name, tags, opted_in, at] = rows[i];
            const auto n = std::to_string(i + 1);
            auto k = contact(a_, "a-" + n, name, "+25571200000" + n, at);
            k.email = "a" + n + "@example.com";
            k.tags = tags;
            k.is_opted_in = opted_in;
            k.is_active = name != "Chausiku";
            ASSERT_NO_FATAL_FAILURE(put(k));
        }
        auto theirs = contact(b_, "b-1", "Amina", kPhone, 9);
        theirs.tags = {"vip"};
        put(theirs);
    }

    AccountId a_, b_;
};

TEST_P(ContactsStoreTest, AContactIsReadBackWholeWhetherWrittenAloneOrInABatch) {
    auto full = contact(a_, "a-1", "Zawadi Mwangi ✓", kPhone);
    full.email = "zawadi@example.com";
    full.attributes = json{{"city", "Arusha"}, {"seats", 4}, {"ratio", 2.5}, {"vip", true}};
    full.tags = {"vip", "wholesale"};
    full.is_active = false;
    full.is_opted_in = true;
    full.opt_in_at = kT0 + kS;
    full.opt_out_at = kT0 + 2 * kS;
    full.opt_out_reason = "STOP";
    full.last_contacted_at = kT0 + 3 * kS;
    full.updated_at = kT0 + 4 * kS;
    put(full);
    const auto bare = contact(a_, "a-2", "", std::nullopt, kS);  // nothing but an id
    auto tagged = contact(a_, "a-3", "Tagged", "+255712000003", 2 * kS);
    tagged.tags = {"wholesale"};
    const auto batch = db().write([&](db::Connection& c) {
        return store::insert_contacts(c, {&bare, &tagged});
    });
    ASSERT_TRUE(batch) << batch.error().message;

    for (const Contact* k : std::vector<const Contact*>{&full, &bare, &tagged}) {
        const auto found = find(a_, k->id.value).value();
        EXPECT_EQ(found.account_id, a_);
        EXPECT_EQ(contact_json(found), contact_json(*k));  // nulls stay null, not ""
    }
    EXPECT_FALSE(find(a_, "nobody"));
    // The tag rows were written with them.
    EXPECT_EQ(listed(a_, {.tags = {"wholesale"}}), (Names{"Tagged", "Zawadi Mwangi ✓"}));
}

TEST_P(ContactsStoreTest, ContactsAreFoundByPhoneAndEmailOnlyInTheirAccount) {
    ASSERT_NO_FATAL_FAILURE(seed());
    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto mine, store::find_by_phone(c, a_, kPhone));
        EXPECT_TRUE(mine && mine->id.value == "a-1");
        UJ_ASSIGN(auto theirs, store::find_by_phone(c, b_, kPhone));
        EXPECT_TRUE(theirs && theirs->id.value == "b-1");
        UJ_ASSIGN(auto by_email, store::find_by_email(c, a_, "a4@example.com"));
        EXPECT_TRUE(by_email && by_email->name == "Daudi");
        UJ_ASSIGN(auto not_theirs, store::find_by_email(c, b_, "a4@example.com"));
        EXPECT_FALSE(not_theirs);
        // a-1 matches by phone and by email but comes once; "" is padding.
        UJ_ASSIGN(auto matching,
                  store::find_matching(c, a_, {kPhone, ""}, {"a1@example.com", "a4@example.com"}));
        auto ids = ids_of(matching);
        std::sort(ids.begin(), ids.end());
        EXPECT_EQ(ids, (Names{"a-1", "a-4"}));
        UJ_ASSIGN(auto in_b, store::find_matching(c, b_, {"+255712000002"}, {"a1@example.com"}));
        EXPECT_TRUE(in_b.empty());
        return {};
    }));
}

TEST_P(ContactsStoreTest, APhoneOrAnEmailBelongsToOneLiveContactPerAccount) {
    ASSERT_NO_FATAL_FAILURE(seed());
    auto twin = contact(a_, "a-9", "Twin", kPhone, 9);
    twin.tags = {"vip"};
    const auto same_phone = insert(twin);
    ASSERT_FALSE(same_phone);
    EXPECT_EQ(same_phone.error().code, ErrorCode::kConflict);
    EXPECT_EQ(same_phone.error().error_code, "UNIQUE_VIOLATION");
    auto mail_twin = contact(a_, "a-9", "Mail twin");
    mail_twin.email = "a1@example.com";
    const auto same_email = insert(mail_twin);
    ASSERT_FALSE(same_email);
    EXPECT_EQ(same_email.error().error_code, "UNIQUE_VIOLATION");
    // Moving a contact onto a phone in use is refused too; it keeps its own.
    auto moved = find(a_, "a-2").value();
    moved.phone_e164 = kPhone;
    const auto moving =
        db().write([&](db::Connection& c) { return store::update_contact(c, moved, false); });
    ASSERT_FALSE(moving);
    EXPECT_EQ(moving.error().error_code, "UNIQUE_VIOLATION");
    EXPECT_EQ(find(a_, "a-2").value().phone_e164, std::optional<std::string>("+255712000002"));
    // Nothing of a refused row stays behind: no contact, no tag row, no count.
    EXPECT_FALSE(find(a_, "a-9"));
    EXPECT_EQ(total(a_), 5);
    EXPECT_EQ(total(a_, {.tags = {"vip"}}), 3);

    // B already holds a-1's phone; once a-1 is deleted, A's twin may too.
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::soft_delete_contact(c, a_, ContactId{"a-1"}, kT0 + 10);
    }));
    put(twin);
    EXPECT_EQ(listed(a_, {.tags = {"vip"}}), (Names{"Twin", "Eshe", "Baraka"}));
}

TEST_P(ContactsStoreTest, FiltersAndPagesCountEveryMatchAndKeepTheAskedOrder) {
    ASSERT_NO_FATAL_FAILURE(seed());
    EXPECT_EQ(listed(a_, {.tags = {"vip"}}), (Names{"Eshe", "Amina", "Baraka"}));
    EXPECT_EQ(listed(a_, {.tags = {"vip", "wholesale"}}), (Names{"Eshe", "Baraka"}));
    EXPECT_EQ(listed(a_, {.tags = {"vip"}, .is_opted_in = true}), (Names{"Eshe", "Amina"}));
    EXPECT_EQ(listed(a_, {.is_active = false}), Names{"Chausiku"});
    EXPECT_EQ(listed(a_, {.is_opted_in = false}), Names{"Baraka"});
    EXPECT_EQ(listed(a_, {.tags = {"nobody"}}), Names{});
    // Three characters or more take the trigram index, fewer scan.
    EXPECT_EQ(listed(a_, {.search = "amin"}), Names{"Amina"});
    EXPECT_EQ(listed(a_, {.search = "BA"}), Names{"Baraka"});
    EXPECT_EQ(total(b_), 1);  // the unfiltered count the triggers keep, per account

    std::int64_t count = 0;
    EXPECT_EQ(listed(a_, {}, {.limit = 2, .offset = 0}, &count), (Names{"Chausiku", "Eshe"}));
    EXPECT_EQ(count, 5);
    EXPECT_EQ(listed(a_, {}, {.limit = 2, .offset = 4}, &count), Names{"Baraka"});
    EXPECT_EQ(count, 5);
    EXPECT_EQ(listed(a_, {.ordering = "name"}, {.limit = 3, .offset = 1}),
              (Names{"Baraka", "Chausiku", "Daudi"}));
    EXPECT_EQ(
        listed(a_, {.tags = {"vip"}, .ordering = "created_at"}, {.limit = 2, .offset = 1}, &count),
        (Names{"Amina", "Eshe"}));
    EXPECT_EQ(count, 3);
    // The export walks (created_at, id) onwards from a cursor.
    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        const ContactQuery wholesale{.tags = {"wholesale"}};
        UJ_ASSIGN(auto first, store::export_page(c, a_, wholesale, std::nullopt, 2));
        EXPECT_EQ(names_of(first), (Names{"Baraka", "Daudi"}));
        if (first.size() != 2) return {};
        const store::ExportCursor after{first[1].created_at, first[1].id.value};
        UJ_ASSIGN(auto rest, store::export_page(c, a_, wholesale, after, 2));
        EXPECT_EQ(names_of(rest), Names{"Eshe"});
        return {};
    }));
}

TEST_P(ContactsStoreTest, AnUpdateRewritesItsOwnRowAndItsTagRowsOnlyWhenAsked) {
    ASSERT_NO_FATAL_FAILURE(seed());
    const auto amina = find(a_, "a-1").value();
    auto changed = amina;
    changed.name = "Amina Juma";
    changed.phone_e164 = "+255712000099";
    changed.email.reset();
    changed.attributes = json{{"city", "Moshi"}};
    changed.tags = {"gold"};
    changed.is_active = changed.is_opted_in = false;
    changed.opt_out_at = kT0 + 20 * kS;
    changed.opt_out_reason = "STOP";
    changed.last_contacted_at = kT0 + 15 * kS;
    changed.created_at = kT0 + 99 * kS;  // not changed by an update
    changed.updated_at = kT0 + 30 * kS;
    update(changed, true);

    const auto found = find(a_, "a-1").value();
    EXPECT_EQ(found.created_at, amina.created_at);
    changed.created_at = amina.created_at;
    EXPECT_EQ(contact_json(found), contact_json(changed));
    // Tag rows and search text follow; the other contacts keep theirs.
    EXPECT_EQ(listed(a_, {.tags = {"gold"}}), Names{"Amina Juma"});
    EXPECT_EQ(listed(a_, {.tags = {"vip"}}), (Names{"Eshe", "Baraka"}));
    EXPECT_EQ(listed(a_, {.search = "juma"}), Names{"Amina Juma"});
    EXPECT_EQ(find(a_, "a-4").value().name, "Daudi");
    // Without tags_changed the tag rows stay as they were.
    auto eshe = find(a_, "a-5").value();
    eshe.name = "Eshe Moyo";
    update(eshe, false);
    EXPECT_EQ(listed(a_, {.tags = {"vip", "wholesale"}}), (Names{"Eshe Moyo", "Baraka"}));
}

TEST_P(ContactsStoreTest, ASoftDeletedContactLeavesListingsCountsAndGroups) {
    ASSERT_NO_FATAL_FAILURE(seed());
    put_group(group(a_, "g-1", "Customers"));
    join("g-1", {"a-1", "a-2"}, 2);
    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::soft_delete_contact(c, a_, ContactId{"a-1"}, kT0 + 10);
    }));

    EXPECT_FALSE(find(a_, "a-1"));
    EXPECT_EQ(total(a_), 4);
    EXPECT_EQ(listed(a_, {.tags = {"vip"}}), (Names{"Eshe", "Baraka"}));
    EXPECT_EQ(listed(a_, {.group_id = GroupId{"g-1"}}), Names{"Baraka"});
    EXPECT_EQ(find_group(a_, "g-1").value().contact_count, 1);
    ASSERT_TRUE(db().write([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto by_phone, store::find_by_phone(c, a_, kPhone));
        EXPECT_FALSE(by_phone);
        UJ_ASSIGN(auto live, store::live_contact_ids(c, a_, contact_ids({"a-1", "a-2"})));
        EXPECT_EQ(ids_of_values(live), Names{"a-2"});
        UJ_ASSIGN(auto exported, store::export_page(c, a_, {}, std::nullopt, 10));
        EXPECT_EQ(exported.size(), 4u);
        return store::soft_delete_contact(c, a_, ContactId{"a-1"}, kT0 + 20);  // nothing left to do
    }));
    EXPECT_EQ(total(a_), 4);
}

TEST_P(ContactsStoreTest, AnotherAccountNeitherSeesNorChangesAContact) {
    ASSERT_NO_FATAL_FAILURE(seed());
    put_group(group(a_, "g-1", "Customers"));
    join("g-1", {"a-1"}, 1);
    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto by_id, store::find_contact(c, b_, ContactId{"a-2"}));
        EXPECT_FALSE(by_id);
        UJ_ASSIGN(auto live, store::live_contact_ids(c, b_, contact_ids({"a-1", "a-2", "b-1"})));
        EXPECT_EQ(ids_of_values(live), Names{"b-1"});
        UJ_ASSIGN(auto exported, store::export_page(c, b_, {}, std::nullopt, 10));
        EXPECT_EQ(ids_of(exported), Names{"b-1"});
        return {};
    }));
    EXPECT_EQ(listed(b_), Names{"Amina"});  // B's own
    EXPECT_EQ(listed(b_, {.tags = {"wholesale"}}), Names{});
    EXPECT_EQ(listed(b_, {.group_id = GroupId{"g-1"}}), Names{});

    const auto before = find(a_, "a-1").value();
    auto hijack = before;
    hijack.account_id = b_;
    hijack.name = "Hijacked";
    hijack.phone_e164.reset();
    update(hijack, false);
    ASSERT_TRUE(db().write(
        [&](db::Connection& c) { return store::release_email(c, b_, ContactId{"a-1"}); }));
    EXPECT_EQ(contact_json(find(a_, "a-1").value()), contact_json(before));
    // In A's own name the email is released.
    ASSERT_TRUE(db().write(
        [&](db::Connection& c) { return store::release_email(c, a_, ContactId{"a-1"}); }));
    EXPECT_FALSE(find(a_, "a-1").value().email.has_value());
}

// A contact's tag rows and group memberships are its account's rows too.
TEST_P(ContactsStoreTest, AnotherAccountsTagRewriteOrDeleteLeavesTheContactsTagsAndGroups) {
    ASSERT_NO_FATAL_FAILURE(seed());
    put_group(group(a_, "g-1", "Customers"));
    join("g-1", {"a-1"}, 1);
    auto hijack = find(a_, "a-1").value();
    hijack.account_id = b_;
    hijack.tags = {"stolen"};
    update(hijack, true);
    EXPECT_EQ(listed(a_, {.tags = {"vip"}}), (Names{"Eshe", "Amina", "Baraka"}));
    EXPECT_EQ(total(b_, {.tags = {"stolen"}}), 0);

    ASSERT_TRUE(db().write([&](db::Connection& c) {
        return store::soft_delete_contact(c, b_, ContactId{"a-1"}, kT0 + 10);
    }));
    EXPECT_TRUE(find(a_, "a-1"));
    EXPECT_EQ(total(a_), 5);
    EXPECT_EQ(listed(a_, {.group_id = GroupId{"g-1"}}), Names{"Amina"});
    EXPECT_EQ(find_group(a_, "g-1").value().contact_count, 1);
}

TEST_P(ContactsStoreTest, GroupsCountTheirMembersAndChangeOnlyInTheirAccount) {
    ASSERT_NO_FATAL_FAILURE(seed());
    put_group(group(a_, "g-1", "Customers", 0));
    put_group(group(a_, "g-2", "Staff", 1));
    put_group(group(b_, "g-b", "Customers", 2));  // names are unique per account
    const auto same_name = db().write(
        [&](db::Connection& c) { return store::insert_group(c, group(a_, "g-3", "Customers")); });
    ASSERT_FALSE(same_name);
    EXPECT_EQ(same_name.error().error_code, "UNIQUE_VIOLATION");

    join("g-1", {"a-1", "a-2"}, 2);
    join("g-1", {"a-2", "a-3"}, 1);  // a-2 is a member already
    const auto removed = db().write([&](db::Connection& c) {
        return store::remove_members(c, GroupId{"g-1"}, contact_ids({"a-1", "a-5"}));
    });
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_EQ(*removed, 1);
    EXPECT_EQ(listed(a_, {.group_id = GroupId{"g-1"}}), (Names{"Chausiku", "Baraka"}));
    EXPECT_EQ(listed(a_, {.tags = {"vip"}, .group_id = GroupId{"g-1"}}), Names{"Baraka"});
    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto first, store::list_groups(c, a_, std::nullopt, {.limit = 1}));
        EXPECT_EQ(first.count, 2);
        EXPECT_EQ(names_of(first.items), Names{"Staff"});  // newest first
        UJ_ASSIGN(auto searched, store::list_groups(c, a_, std::string("cust"), {}));
        EXPECT_EQ(ids_of(searched.items), Names{"g-1"});
        return {};
    }));

    // In B's name A's group can be neither found, renamed nor deleted.
    auto renamed = group(a_, "g-1", "Clients", 5);
    auto in_b = renamed;
    in_b.account_id = b_;
    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::update_group(c, in_b); }));
    ASSERT_TRUE(
        db().write([&](db::Connection& c) { return store::delete_group(c, b_, GroupId{"g-1"}); }));
    EXPECT_FALSE(find_group(b_, "g-1"));
    const auto kept = find_group(a_, "g-1").value();
    EXPECT_EQ(kept.name, "Customers");
    EXPECT_EQ(kept.contact_count, 2);

    ASSERT_TRUE(db().write([&](db::Connection& c) { return store::update_group(c, renamed); }));
    const auto found = find_group(a_, "g-1").value();
    EXPECT_EQ(found.name, "Clients");
    EXPECT_EQ(found.created_at, kT0);  // an update keeps the creation time
    EXPECT_EQ(found.updated_at, kT0 + 5);
    ASSERT_TRUE(
        db().write([&](db::Connection& c) { return store::delete_group(c, a_, GroupId{"g-1"}); }));
    EXPECT_FALSE(find_group(a_, "g-1"));
    EXPECT_EQ(listed(a_, {.group_id = GroupId{"g-1"}}), Names{});
    EXPECT_EQ(total(a_), 5);  // its members remain contacts
}

TEST_P(ContactsStoreTest, ConsentHistoryIsReadNewestFirstAndOnlyInItsAccount) {
    ASSERT_NO_FATAL_FAILURE(seed());
    auto out = consent("k-2", "a-1", "opt_out", 2 * kS);
    out.channel = "sms";
    out.source = consent_source::kKeyword;
    out.reason = "STOP";
    out.actor_id = UserId{"user-1"};
    auto record = [&](const AccountId& account, const ConsentEvent& e) {
        return db().write([&](db::Connection& c) { return store::insert_consent(c, account, e); });
    };
    for (const auto& e :
         {consent("k-1", "a-1", "opt_in", kS), out, consent("k-3", "a-1", "opt_in", 3 * kS),
          consent("k-4", "a-2", "opt_in", 0)})
        ASSERT_TRUE(record(a_, e)) << e.id;
    ASSERT_TRUE(record(b_, consent("k-5", "a-1", "opt_out", 5 * kS)));
    // The action check and the contact reference refuse.
    EXPECT_FALSE(record(a_, consent("k-6", "a-1", "maybe", 0)));
    EXPECT_FALSE(record(a_, consent("k-7", "nobody", "opt_in", 0)));

    ASSERT_TRUE(db().read([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto recent, store::recent_consents(c, a_, ContactId{"a-1"}, 2));
        EXPECT_EQ(ids_of(recent), (Names{"k-3", "k-2"}));
        if (recent.size() == 2) {
            EXPECT_EQ(recent[1].contact_id, ContactId{"a-1"});
            EXPECT_EQ(consent_json(recent[1]), consent_json(out));
        }
        UJ_ASSIGN(auto all, store::recent_consents(c, a_, ContactId{"a-1"}, 10));
        EXPECT_EQ(ids_of(all), (Names{"k-3", "k-2", "k-1"}));
        UJ_ASSIGN(auto theirs, store::recent_consents(c, b_, ContactId{"a-1"}, 10));
        EXPECT_EQ(ids_of(theirs), Names{"k-5"});  // only what was written in B's name
        return {};
    }));
}

INSTANTIATE_TEST_SUITE_P(Engines, ContactsStoreTest, db::testing::engines(),
                         db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::contacts
