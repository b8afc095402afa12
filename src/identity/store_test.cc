// The identity store on both engines: accounts, users, memberships and API
// keys written and read back whole, changed and listed a page at a time;
// keys found by their hash, revoked or not; what the schema refuses; and
// that nothing reached through one account is another account's row.

#include "identity/store.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/testing_db.h"

namespace ujumbe::identity {
namespace {

using json = nlohmann::json;
using Names = std::vector<std::string>;

constexpr Micros kT0 = 1'790'000'000'000'000;

// A business account created `at` microseconds after kT0.
Account account(const std::string& id, Micros at = 0) {
    Account a;
    a.id = AccountId{id};
    a.name = "Account " + id;
    a.account_sid = "AC-" + id;
    a.created_at = a.updated_at = kT0 + at;
    return a;
}

// User "u-<key>", email "<key>@example.com", named "Ms <key>".
User user(const std::string& key, Micros at = 0) {
    User u;
    u.id = UserId{"u-" + key};
    u.email = key + "@example.com";
    u.name = "Ms " + key;
    u.password_hash = "hash-" + key;
    u.created_at = u.updated_at = kT0 + at;
    return u;
}

// User u-<key> in account `acct` as `as`.
Membership membership(const std::string& acct, const std::string& key, Role as, Micros at = 0) {
    Membership m;
    m.account_id = AccountId{acct};
    m.user_id = UserId{"u-" + key};
    m.role = as;
    m.created_at = m.updated_at = kT0 + at;
    return m;
}

// Key `id` of account `acct`, made by u-<key>, its hash "hash-of-<id>".
ApiKey api_key(const std::string& id, const std::string& acct, const std::string& key,
               Micros at = 0) {
    ApiKey k;
    k.id = ApiKeyId{id};
    k.account_id = AccountId{acct};
    k.created_by = UserId{"u-" + key};
    k.name = "key " + id;
    k.prefix = "uj_" + id;
    k.key_hash = "hash-of-" + id;
    k.scopes = {"messages:send", "messages:read"};
    k.created_at = kT0 + at;
    return k;
}

// The row a look-up found; a missing row fails the read it is part of.
template <typename T>
Result<T> found(Result<std::optional<T>> row, const std::string& what) {
    if (!row) return std::move(row).error();
    if (!*row) return Error::not_found(what);
    return std::move(**row);
}

Names user_ids(const std::vector<Member>& members) {
    Names ids;
    for (const auto& m : members) ids.push_back(m.user.id.value);
    return ids;
}

Names key_ids(const std::vector<ApiKey>& keys) {
    Names ids;
    for (const auto& k : keys) ids.push_back(k.id.value);
    return ids;
}

void expect_unique_violation(const Status& s) {
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kConflict);
    EXPECT_EQ(s.error().error_code, "UNIQUE_VIOLATION");
}

class IdentityStoreTest : public db::testing::EngineTest {
protected:
    void ok(const Status& s) { ASSERT_TRUE(s) << s.error().message; }
    // Runs fn(Connection&) -> Status on a read connection; it must succeed.
    template <typename F>
    void check(F&& fn) {
        ok(db().read(std::forward<F>(fn)));
    }
    // Accounts acct-a and acct-b, users u-ann and u-ben; no memberships.
    void seed() {
        ok(db().write([](db::Connection& c) -> Status {
            for (const char* id : {"acct-a", "acct-b"})
                UJ_TRY(store::insert_account(c, account(id)));
            for (const char* key : {"ann", "ben"}) UJ_TRY(store::insert_user(c, user(key)));
            return {};
        }));
    }
    void put(const Account& a) {
        ok(db().write([&](db::Connection& c) { return store::insert_account(c, a); }));
    }
    void put(const Membership& m) {
        ok(db().write([&](db::Connection& c) { return store::insert_membership(c, m); }));
    }
    void put(const ApiKey& k) {
        ok(db().write([&](db::Connection& c) { return store::insert_api_key(c, k); }));
    }
};

TEST_P(IdentityStoreTest, AnAccountIsReadBackWholeAndWhatWasNotSetStaysNull) {
    auto parent = account("acct-p");
    parent.type = AccountType::kReseller;
    put(parent);
    auto a = account("acct-a", 5);
    a.status = "suspended";
    a.parent_id = AccountId{"acct-p"};
    a.business_name = "Acme Ltd";
    a.business_username = "acme";
    a.business_type = "retail";
    a.contact_email = "ops@acme.example";
    a.contact_phone = "+254700000001";
    a.country = "KE";
    a.default_country = "TZ";
    a.reseller_details = json{{"tier", "gold"}, {"regions", json::array({"KE", "TZ"})}};
    a.max_messages_per_day = 5000;
    a.updated_at = kT0 + 7;
    a.registered_ip = "192.0.2.9";
    put(a);
    check([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto got, found(store::find_account(c, a.id), "acct-a"));
        EXPECT_EQ(got.id.value, "acct-a");
        EXPECT_EQ(got.type, AccountType::kBusiness);
        EXPECT_EQ(got.name, "Account acct-a");
        EXPECT_EQ(got.status, "suspended");
        EXPECT_EQ(got.parent_id, a.parent_id);
        EXPECT_EQ(got.business_name, "Acme Ltd");
        EXPECT_EQ(got.business_username, a.business_username);
        EXPECT_EQ(got.business_type, "retail");
        EXPECT_EQ(got.contact_email, "ops@acme.example");
        EXPECT_EQ(got.contact_phone, "+254700000001");
        EXPECT_EQ(got.country, "KE");
        EXPECT_EQ(got.default_country, "TZ");
        EXPECT_EQ(got.account_sid, "AC-acct-a");
        EXPECT_EQ(got.reseller_details, a.reseller_details);
        EXPECT_EQ(got.max_messages_per_day, a.max_messages_per_day);
        EXPECT_EQ(got.created_at, kT0 + 5);
        EXPECT_EQ(got.updated_at, kT0 + 7);
        EXPECT_EQ(got.registered_ip, a.registered_ip);
        // Optional fields never set read back absent, not as "" or 0.
        UJ_ASSIGN(auto bare, found(store::find_account(c, parent.id), "acct-p"));
        EXPECT_FALSE(bare.parent_id || bare.business_username || bare.max_messages_per_day);
        EXPECT_TRUE(!bare.registered_ip && bare.reseller_details.is_null());
        return {};
    });
}

TEST_P(IdentityStoreTest, AUserInTwoAccountsHasARoleInEachAndSeesBothOldestFirst) {
    seed();
    auto in_b = membership("acct-b", "ann", Role::kAgent, 1);
    in_b.is_active = false;
    in_b.max_messages_per_day = 100;
    put(in_b);
    put(membership("acct-a", "ann", Role::kOwner, 0));
    const UserId ann{"u-ann"};
    check([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto a, found(store::find_member(c, AccountId{"acct-a"}, ann), "ann in A"));
        EXPECT_EQ(a.user.email, "ann@example.com");
        EXPECT_EQ(a.membership.role, Role::kOwner);
        EXPECT_TRUE(a.membership.is_active);
        UJ_ASSIGN(auto b, found(store::find_member(c, in_b.account_id, ann), "ann in B"));
        EXPECT_EQ(b.membership.role, Role::kAgent);
        EXPECT_FALSE(b.membership.is_active);
        EXPECT_EQ(b.membership.max_messages_per_day, in_b.max_messages_per_day);
        EXPECT_EQ(b.membership.created_at, kT0 + 1);
        UJ_ASSIGN(auto all, store::memberships_of(c, ann));
        EXPECT_EQ(all.size(), 2u);
        if (all.size() != 2u) return {};
        EXPECT_EQ(all[0].account_id.value, "acct-a");
        EXPECT_EQ(all[0].account_name, "Account acct-a");
        EXPECT_EQ(all[0].role, Role::kOwner);
        EXPECT_EQ(all[1].account_id.value, "acct-b");
        EXPECT_EQ(all[1].role, Role::kAgent);
        EXPECT_FALSE(all[1].is_active);
        // The profile: the user, the account they act in, every membership.
        UJ_ASSIGN(auto p, found(store::find_profile(c, ann, in_b.account_id), "profile"));
        EXPECT_EQ(p.account.id.value, "acct-b");
        EXPECT_EQ(p.memberships.size(), 2u);
        return {};
    });
}

TEST_P(IdentityStoreTest, NothingReachedThroughOneAccountIsAnotherAccountsRow) {
    seed();
    put(membership("acct-a", "ann", Role::kOwner));
    put(membership("acct-b", "ben", Role::kOwner));
    put(api_key("k-a", "acct-a", "ann"));
    const AccountId a{"acct-a"}, b{"acct-b"};
    const UserId ann{"u-ann"};
    const ApiKeyId key{"k-a"};
    const SessionId session{"s-a"};
    ok(db().write([&](db::Connection& c) {
        return store::insert_session(c, session, ann, a, "10.0.0.1", kT0);
    }));
    // Reads through B see only B's rows.
    check([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto member, store::find_member(c, b, ann));
        EXPECT_FALSE(member);
        UJ_ASSIGN(auto members, store::list_members(c, b, {}, {}));
        EXPECT_EQ(user_ids(members.first), Names{"u-ben"});
        EXPECT_EQ(members.second, 1);
        UJ_ASSIGN(auto owners, store::count_active_owners(c, b));
        EXPECT_EQ(owners, 1);
        UJ_ASSIGN(auto theirs, store::find_api_key(c, b, key));
        EXPECT_FALSE(theirs);
        UJ_ASSIGN(auto keys, store::list_api_keys(c, b, {}));
        EXPECT_TRUE(keys.first.empty());
        EXPECT_EQ(keys.second, 0);
        UJ_ASSIGN(auto facts, store::session_principal(c, session, ann, b));
        EXPECT_FALSE(facts);
        UJ_ASSIGN(auto profile, store::find_profile(c, ann, b));
        EXPECT_FALSE(profile);  // not a member of B: B's account is not shown
        return {};
    });
    // Writes through B change nothing of A's.
    ok(db().write([&](db::Connection& c) -> Status {
        UJ_TRY(store::update_membership(c, membership("acct-b", "ann", Role::kAdmin, 9)));
        UJ_TRY(store::delete_membership(c, b, ann));
        UJ_TRY(store::revoke_api_key(c, b, key, kT0 + 9));
        return store::revoke_member_sessions(c, b, ann, kT0 + 9);
    }));
    check([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto member, found(store::find_member(c, a, ann), "ann in A"));
        EXPECT_EQ(member.membership.role, Role::kOwner);
        EXPECT_EQ(member.membership.updated_at, kT0);
        UJ_ASSIGN(auto stray, store::find_member(c, b, ann));
        EXPECT_FALSE(stray);
        UJ_ASSIGN(auto mine, found(store::find_api_key(c, a, key), "k-a in A"));
        EXPECT_FALSE(mine.revoked_at);
        UJ_ASSIGN(auto facts, found(store::session_principal(c, session, ann, a), "s-a"));
        EXPECT_FALSE(facts.session_revoked);
        EXPECT_EQ(facts.role, std::optional<Role>(Role::kOwner));
        return {};
    });
}

TEST_P(IdentityStoreTest, AKeyIsFoundByItsHashWithItsMakersStandingEvenOnceRevoked) {
    seed();
    put(membership("acct-a", "ann", Role::kAdmin));
    auto k = api_key("k-1", "acct-a", "ann");
    k.expires_at = kT0 + 1000;
    put(k);
    check([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto p, found(store::key_principal(c, "hash-of-k-1"), "k-1 by hash"));
        EXPECT_EQ(p.key.id.value, "k-1");
        EXPECT_EQ(p.key.account_id.value, "acct-a");
        EXPECT_EQ(p.key.created_by.value, "u-ann");
        EXPECT_EQ(p.key.name, "key k-1");
        EXPECT_EQ(p.key.prefix, "uj_k-1");
        EXPECT_EQ(p.key.key_hash, "hash-of-k-1");
        EXPECT_EQ(p.key.scopes, k.scopes);
        EXPECT_EQ(p.key.created_at, kT0);
        EXPECT_EQ(p.key.expires_at, k.expires_at);
        EXPECT_FALSE(p.key.last_used_at || p.key.revoked_at);
        EXPECT_TRUE(p.user_active && p.member_active);
        EXPECT_EQ(p.role, std::optional<Role>(Role::kAdmin));
        EXPECT_EQ(p.account_status, "active");
        EXPECT_EQ(p.account_type, AccountType::kBusiness);
        UJ_ASSIGN(auto unknown, store::key_principal(c, "hash-of-nothing"));
        EXPECT_FALSE(unknown);
        return {};
    });
    // A second revocation keeps the first one's time; refusing a revoked key
    // is the service's business, so its hash still finds it.
    ok(db().write([&](db::Connection& c) -> Status {
        UJ_TRY(store::revoke_api_key(c, k.account_id, k.id, kT0 + 10));
        UJ_TRY(store::revoke_api_key(c, k.account_id, k.id, kT0 + 20));
        UJ_TRY(store::touch_api_key(c, k.id, kT0 + 30));
        return store::delete_membership(c, k.account_id, k.created_by);
    }));
    check([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto p, found(store::key_principal(c, "hash-of-k-1"), "k-1 by hash"));
        EXPECT_EQ(p.key.revoked_at, std::optional<Micros>(kT0 + 10));
        EXPECT_EQ(p.key.last_used_at, std::optional<Micros>(kT0 + 30));
        EXPECT_FALSE(p.role || p.member_active);  // its maker left the account
        return {};
    });
}

TEST_P(IdentityStoreTest, MembersAreListedOldestFirstAPageAtATimeAndFiltered) {
    seed();
    auto cy = user("cy");
    cy.is_active = false;
    ok(db().write([&](db::Connection& c) -> Status {
        UJ_TRY(store::insert_user(c, cy));
        return store::insert_user(c, user("dee"));
    }));
    put(membership("acct-a", "cy", Role::kOwner, 2));
    put(membership("acct-a", "ann", Role::kOwner, 0));
    put(membership("acct-a", "dee", Role::kAgent, 3));
    auto ben = membership("acct-a", "ben", Role::kOwner, 1);
    ben.is_active = false;
    put(ben);
    const AccountId a{"acct-a"};
    check([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto first, store::list_members(c, a, {}, {.limit = 3, .offset = 0}));
        EXPECT_EQ(user_ids(first.first), (Names{"u-ann", "u-ben", "u-cy"}));
        EXPECT_EQ(first.second, 4);
        UJ_ASSIGN(auto rest, store::list_members(c, a, {}, {.limit = 3, .offset = 3}));
        EXPECT_EQ(user_ids(rest.first), Names{"u-dee"});
        EXPECT_EQ(rest.second, 4);
        UJ_ASSIGN(auto agents, store::list_members(c, a, {.role = Role::kAgent}, {}));
        EXPECT_EQ(user_ids(agents.first), Names{"u-dee"});
        UJ_ASSIGN(auto inactive, store::list_members(c, a, {.is_active = false}, {}));
        EXPECT_EQ(user_ids(inactive.first), Names{"u-ben"});
        EXPECT_EQ(inactive.second, 1);
        // A search matches the name in any case, or the email; % is no wildcard.
        UJ_ASSIGN(auto by_name, store::list_members(c, a, {.search = "MS BEN"}, {}));
        EXPECT_EQ(user_ids(by_name.first), Names{"u-ben"});
        UJ_ASSIGN(auto by_email, store::list_members(c, a, {.search = "cy@example"}, {}));
        EXPECT_EQ(user_ids(by_email.first), Names{"u-cy"});
        UJ_ASSIGN(auto literal, store::list_members(c, a, {.search = "%"}, {}));
        EXPECT_EQ(literal.second, 0);
        // Of three owners only ann is active both as a member and as a user.
        UJ_ASSIGN(auto owners, store::count_active_owners(c, a));
        EXPECT_EQ(owners, 1);
        return {};
    });
}

TEST_P(IdentityStoreTest, KeysAreListedNewestFirstAPageAtATimeRevokedOnesToo) {
    seed();
    for (int i = 0; i < 4; ++i) put(api_key("k-" + std::to_string(i + 1), "acct-a", "ann", i % 3));
    put(api_key("k-9", "acct-b", "ann", 9));
    const AccountId a{"acct-a"};
    ok(db().write(
        [&](db::Connection& c) { return store::revoke_api_key(c, a, ApiKeyId{"k-2"}, kT0); }));
    check([&](db::Connection& c) -> Status {
        // Created at 0, 1, 2, 0: the greater id first among equals.
        UJ_ASSIGN(auto first, store::list_api_keys(c, a, {.limit = 3, .offset = 0}));
        EXPECT_EQ(key_ids(first.first), (Names{"k-3", "k-2", "k-4"}));
        EXPECT_EQ(first.second, 4);
        UJ_ASSIGN(auto rest, store::list_api_keys(c, a, {.limit = 3, .offset = 3}));
        EXPECT_EQ(key_ids(rest.first), Names{"k-1"});
        EXPECT_EQ(rest.second, 4);
        return {};
    });
}

TEST_P(IdentityStoreTest, TakenEmailsUsernamesMembershipsAndKeyHashesAreConflicts) {
    seed();
    auto a = account("acct-c");
    a.business_username = "acme";
    put(a);
    put(membership("acct-a", "ann", Role::kOwner));
    put(api_key("k-1", "acct-a", "ann"));
    auto twin = user("twin");
    auto ben = user("ben");
    twin.email = ben.email = "ann@example.com";
    auto d = account("acct-d");
    d.business_username = "acme";
    auto copy = api_key("k-2", "acct-a", "ann");
    copy.key_hash = "hash-of-k-1";
    using C = db::Connection;
    expect_unique_violation(db().write([&](C& c) { return store::insert_user(c, twin); }));
    expect_unique_violation(db().write([&](C& c) { return store::update_user(c, ben); }));
    expect_unique_violation(db().write([&](C& c) { return store::insert_account(c, d); }));
    expect_unique_violation(db().write([&](C& c) { return store::insert_api_key(c, copy); }));
    expect_unique_violation(db().write([](C& c) {
        return store::insert_membership(c, membership("acct-a", "ann", Role::kAgent, 1));
    }));
    // Nothing refused was written, and the look-ups asked beforehand agree.
    check([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto owner, found(store::find_user_by_email(c, "ann@example.com"), "ann"));
        EXPECT_EQ(owner.id.value, "u-ann");
        UJ_ASSIGN(auto kept, found(store::find_user(c, ben.id), "ben"));
        EXPECT_EQ(kept.email, "ben@example.com");
        UJ_ASSIGN(auto no_twin, store::find_user(c, twin.id));
        UJ_ASSIGN(auto no_d, store::find_account(c, d.id));
        EXPECT_FALSE(no_twin || no_d);
        UJ_ASSIGN(bool own_email, store::email_taken(c, "ann@example.com", owner.id));
        UJ_ASSIGN(bool others_email, store::email_taken(c, "ann@example.com", ben.id));
        UJ_ASSIGN(bool own_name, store::username_taken(c, "acme", a.id));
        UJ_ASSIGN(bool others_name, store::username_taken(c, "acme", d.id));
        EXPECT_FALSE(own_email || own_name);
        EXPECT_TRUE(others_email && others_name);
        return {};
    });
}

TEST_P(IdentityStoreTest, UpdatesChangeOnlyWhatTheyShouldOfOnlyTheirOwnRow) {
    seed();
    put(membership("acct-a", "ann", Role::kAgent));
    put(membership("acct-b", "ann", Role::kAgent));
    put(membership("acct-a", "ben", Role::kAgent));
    // Never changed by an update: an account's type, parent, sid and
    // origin, and any row's creation time.
    auto a = account("acct-a", 99);
    a.type = AccountType::kReseller;
    a.parent_id = AccountId{"acct-b"};
    a.account_sid = "AC-other";
    a.registered_ip = "192.0.2.9";
    a.name = "Renamed";
    a.status = "suspended";
    a.reseller_details = json{{"tier", "silver"}};
    auto u = user("ann", 99);
    u.email = "ann.new@example.com";
    u.is_active = false;
    u.last_login_at = kT0 + 40;
    auto m = membership("acct-a", "ann", Role::kAdmin, 99);
    m.is_active = false;
    m.max_messages_per_day = 25;
    ok(db().write([&](db::Connection& c) -> Status {
        UJ_TRY(store::update_account(c, a));
        UJ_TRY(store::update_user(c, u));
        return store::update_membership(c, m);
    }));
    check([&](db::Connection& c) -> Status {
        UJ_ASSIGN(auto acct, found(store::find_account(c, a.id), "acct-a"));
        EXPECT_EQ(acct.name, "Renamed");
        EXPECT_EQ(acct.status, "suspended");
        EXPECT_EQ(acct.reseller_details, a.reseller_details);
        EXPECT_EQ(acct.updated_at, kT0 + 99);
        EXPECT_EQ(acct.type, AccountType::kBusiness);
        EXPECT_FALSE(acct.parent_id || acct.registered_ip);
        EXPECT_EQ(acct.account_sid, "AC-acct-a");
        EXPECT_EQ(acct.created_at, kT0);
        UJ_ASSIGN(auto ann, found(store::find_user(c, u.id), "ann"));
        EXPECT_EQ(ann.email, "ann.new@example.com");
        EXPECT_FALSE(ann.is_active);
        EXPECT_EQ(ann.last_login_at, u.last_login_at);
        EXPECT_EQ(ann.created_at, kT0);
        EXPECT_EQ(ann.updated_at, kT0 + 99);
        UJ_ASSIGN(auto in_a, found(store::find_member(c, m.account_id, u.id), "ann in A"));
        EXPECT_EQ(in_a.membership.role, Role::kAdmin);
        EXPECT_FALSE(in_a.membership.is_active);
        EXPECT_EQ(in_a.membership.max_messages_per_day, m.max_messages_per_day);
        EXPECT_EQ(in_a.membership.created_at, kT0);
        EXPECT_EQ(in_a.membership.updated_at, kT0 + 99);
        // Her other membership and her colleague's are as they were.
        UJ_ASSIGN(auto in_b, found(store::find_member(c, AccountId{"acct-b"}, u.id), "ann in B"));
        EXPECT_EQ(in_b.membership.role, Role::kAgent);
        EXPECT_TRUE(in_b.membership.is_active);
        UJ_ASSIGN(auto ben, found(store::find_member(c, m.account_id, UserId{"u-ben"}), "ben"));
        EXPECT_EQ(ben.membership.role, Role::kAgent);
        EXPECT_TRUE(ben.membership.is_active && ben.user.is_active);
        return {};
    });
}

INSTANTIATE_TEST_SUITE_P(Engines, IdentityStoreTest, db::testing::engines(),
                         db::testing::EngineName());

}  // namespace
}  // namespace ujumbe::identity
