// Identity rules against a real database, on SQLite and on PostgreSQL.

#include "identity/service.h"

#include <gtest/gtest.h>

#include "db/testing_db.h"
#include "identity/store.h"
#include "identity/totp.h"

namespace ujumbe::identity {

class IdentityServiceTest : public ::testing::TestWithParam<db::Dialect> {
protected:
    void SetUp() override {
        std::string why;
        test_ = db::testing::TestDatabase::create(GetParam(), why);
        if (!test_) GTEST_SKIP() << why;
        IdentityOptions options;
        options.server_secret = std::string(40, 's');
        options.throttle = {3, 100, 60 * kMicrosPerSecond};
        options.registration = {1000, 1000, 3600 * kMicrosPerSecond};
        service_ = std::make_unique<IdentityService>(test_->db(), clock_, options);
    }

    AuthResult registered(const std::string& email) {
        auto r = service_->register_account({"Acme " + email, "Owner", email, "long-enough-pw"},
                                            "10.0.0.1");
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return *r;
    }

    Principal principal_of(const AuthResult& r) {
        auto p = service_->authenticate_bearer(r.access);
        EXPECT_TRUE(p) << (p ? "" : p.error().message);
        return *p;
    }

    FakeClock clock_{1'790'000'000'000'000};
    std::unique_ptr<db::testing::TestDatabase> test_;
    std::unique_ptr<IdentityService> service_;
};

TEST_P(IdentityServiceTest, RegisterThenLoginGivesWorkingTokens) {
    auto reg = registered("owner@example.com");
    EXPECT_EQ(reg.role, Role::kOwner);
    EXPECT_EQ(reg.account.type, AccountType::kBusiness);
    auto login = service_->login({"owner@example.com", "long-enough-pw", std::nullopt}, "10.0.0.1");
    ASSERT_TRUE(login);
    auto who = principal_of(*login);
    EXPECT_EQ(who.account_id, reg.account.id);
    EXPECT_EQ(who.role, Role::kOwner);
}

TEST_P(IdentityServiceTest, DuplicateEmailIsRefusedAndNothingIsHalfWritten) {
    registered("dup@example.com");
    auto again =
        service_->register_account({"Other", "X", "dup@example.com", "long-enough-pw"}, "ip");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().error_code, "EMAIL_TAKEN");
    auto accounts = test_->db().read([](db::Connection& c) {
        return c.query_one("SELECT COUNT(*) FROM accounts WHERE type = 'business'");
    });
    ASSERT_TRUE(accounts && *accounts);
    EXPECT_EQ((*accounts)->i64(0), 1);
}

TEST_P(IdentityServiceTest, WrongPasswordAndUnknownEmailLookTheSame) {
    registered("known@example.com");
    auto wrong = service_->login({"known@example.com", "not-the-password", std::nullopt}, "ip");
    auto unknown = service_->login({"nobody@example.com", "not-the-password", std::nullopt}, "ip");
    ASSERT_FALSE(wrong);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(wrong.error().error_code, unknown.error().error_code);
    EXPECT_EQ(wrong.error().message, unknown.error().message);
}

TEST_P(IdentityServiceTest, LoginIsThrottledBeforeThePasswordIsChecked) {
    registered("slow@example.com");
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(service_->login({"slow@example.com", "bad-password", std::nullopt}, "ip")
                      .error()
                      .error_code,
                  "INVALID_CREDENTIALS");
    auto blocked = service_->login({"slow@example.com", "long-enough-pw", std::nullopt}, "ip");
    ASSERT_FALSE(blocked);
    EXPECT_EQ(blocked.error().code, ErrorCode::kRateLimited);
    EXPECT_GT(blocked.error().retry_after_s, 0);
    clock_.advance(61 * kMicrosPerSecond);
    EXPECT_TRUE(service_->login({"slow@example.com", "long-enough-pw", std::nullopt}, "ip"));
}

TEST_P(IdentityServiceTest, RefreshRotatesAndReuseRevokesTheFamily) {
    auto reg = registered("rot@example.com");
    auto first = service_->refresh(reg.refresh);
    ASSERT_TRUE(first);
    auto second = service_->refresh(first->refresh);
    ASSERT_TRUE(second);
    // The first refresh token is spent: presenting it again ends the session.
    auto replay = service_->refresh(reg.refresh);
    ASSERT_FALSE(replay);
    EXPECT_EQ(replay.error().error_code, "TOKEN_REUSED");
    EXPECT_FALSE(service_->refresh(second->refresh));
    EXPECT_FALSE(service_->authenticate_bearer(second->access));
    EXPECT_FALSE(service_->authenticate_bearer(reg.access));
}

TEST_P(IdentityServiceTest, AccessTokensExpire) {
    auto reg = registered("exp@example.com");
    clock_.advance(16 * 60 * kMicrosPerSecond);
    auto who = service_->authenticate_bearer(reg.access);
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().error_code, "TOKEN_EXPIRED");
}

TEST_P(IdentityServiceTest, PasswordChangeEndsOtherSessionsOnly) {
    auto reg = registered("pw@example.com");
    auto other = service_->login({"pw@example.com", "long-enough-pw", std::nullopt}, "ip");
    ASSERT_TRUE(other);
    auto me = principal_of(reg);
    ASSERT_TRUE(service_->change_password(me, "long-enough-pw", "a-new-long-password", "10.0.0.1"));
    EXPECT_TRUE(service_->authenticate_bearer(reg.access));
    EXPECT_FALSE(service_->authenticate_bearer(other->access));
    EXPECT_FALSE(service_->login({"pw@example.com", "long-enough-pw", std::nullopt}, "ip"));
    EXPECT_TRUE(service_->login({"pw@example.com", "a-new-long-password", std::nullopt}, "ip"));
}

TEST_P(IdentityServiceTest, ApiKeysAuthenticateUntilRevoked) {
    auto reg = registered("keys@example.com");
    auto owner = principal_of(reg);
    auto created = service_->create_api_key(owner, {"ci", {"read_only"}, std::nullopt});
    ASSERT_TRUE(created);
    auto via_key = service_->authenticate_api_key(created->raw_key);
    ASSERT_TRUE(via_key);
    EXPECT_EQ(via_key->account_id, reg.account.id);
    EXPECT_EQ(via_key->scopes, std::vector<std::string>{"read_only"});
    auto listed = service_->get_api_key(owner, created->key.id);
    ASSERT_TRUE(listed);
    EXPECT_TRUE(listed->last_used_at);
    ASSERT_TRUE(service_->revoke_api_key(owner, created->key.id));
    EXPECT_FALSE(service_->authenticate_api_key(created->raw_key));
}

// The send profile is cached at the settings epoch each credential check
// reads: a member's new daily cap applies to the very next request, by
// token and by key, and a request that read the old epoch never sees an
// older value than it read.
TEST_P(IdentityServiceTest, ACapChangeAppliesToTheNextRequestDespiteTheCache) {
    auto reg = registered("cap@example.com");
    auto owner = principal_of(reg);
    auto key = service_->create_api_key(owner, {"send", {}, std::nullopt});
    ASSERT_TRUE(key);
    auto by_key = service_->authenticate_api_key(key->raw_key);
    ASSERT_TRUE(by_key && by_key->settings_epoch && owner.settings_epoch);
    auto before = service_->send_profile(*by_key);
    ASSERT_TRUE(before);
    EXPECT_FALSE(before->user_max_messages_per_day);
    ASSERT_TRUE(service_->send_profile(owner));  // cached for the token too

    ASSERT_TRUE(service_->update_member(owner, reg.user.id,
                                        {std::nullopt, std::nullopt, false, std::int64_t{5}}));
    auto next_key = service_->authenticate_api_key(key->raw_key);
    auto next_token = principal_of(reg);
    ASSERT_TRUE(next_key);
    EXPECT_GT(*next_key->settings_epoch, *by_key->settings_epoch);
    EXPECT_EQ(service_->send_profile(*next_key)->user_max_messages_per_day, 5);
    EXPECT_EQ(service_->send_profile(next_token)->user_max_messages_per_day, 5);
    // A request that authenticated before the change reads fresh rows rather
    // than a value cached at its older epoch.
    EXPECT_EQ(service_->send_profile(*by_key)->user_max_messages_per_day, 5);
    // A principal without an epoch (built by the server itself) reads it.
    auto internal = owner;
    internal.settings_epoch.reset();
    EXPECT_EQ(service_->send_profile(internal)->user_max_messages_per_day, 5);

    // Renaming the account moves the epoch as well.
    AccountUpdate rename;
    rename.name = "Renamed Ltd";
    auto renamed = service_->update_current_account(owner, rename);
    ASSERT_TRUE(renamed) << renamed.error().message;
    auto after_rename = principal_of(reg);
    EXPECT_GT(*after_rename.settings_epoch, *next_token.settings_epoch);
    EXPECT_EQ(service_->send_profile(after_rename)->account.name, "Renamed Ltd");
}

TEST_P(IdentityServiceTest, AnotherAccountsObjectsAreNotFound) {
    auto a = registered("a@example.com");
    auto b = registered("b@example.com");
    auto pa = principal_of(a);
    auto pb = principal_of(b);
    auto key = service_->create_api_key(pa, {"a-key", {}, std::nullopt});
    ASSERT_TRUE(key);
    EXPECT_EQ(service_->get_api_key(pb, key->key.id).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(service_->revoke_api_key(pb, key->key.id).error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(service_->authenticate_api_key(key->raw_key));
    EXPECT_EQ(service_->get_member(pb, a.user.id).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(service_->set_member_active(pb, a.user.id, false).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(service_->remove_member(pb, a.user.id).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(service_->switch_account(pb, a.account.id, "ip").error().code, ErrorCode::kNotFound);
    // The store itself never reaches across: scoped lookups by B's account find nothing.
    auto direct = test_->db().read(
        [&](db::Connection& c) { return store::find_api_key(c, b.account.id, key->key.id); });
    ASSERT_TRUE(direct);
    EXPECT_FALSE(*direct);
}

TEST_P(IdentityServiceTest, LastOwnerCannotBeDemotedButAnotherOwnerMakesItPossible) {
    auto reg = registered("solo@example.com");
    auto owner = principal_of(reg);
    auto demote = service_->update_member(owner, reg.user.id,
                                          {std::nullopt, Role::kAdmin, false, std::nullopt});
    ASSERT_FALSE(demote);
    EXPECT_EQ(demote.error().error_code, "LAST_OWNER");
    auto invited =
        service_->invite(owner, {"second@example.com", "Second", Role::kOwner, std::nullopt});
    ASSERT_TRUE(invited) << invited.error().message;
    ASSERT_TRUE(service_->accept_invitation_token({invited->token, std::nullopt, "long-enough-pw"},
                                                  "10.0.0.2"));
    EXPECT_TRUE(service_->update_member(owner, reg.user.id,
                                        {std::nullopt, Role::kAdmin, false, std::nullopt}));
}

TEST_P(IdentityServiceTest, SuspendedChildCannotAuthenticate) {
    auto admin = service_->ensure_platform_admin("root@example.com", "platform-password");
    ASSERT_TRUE(admin);
    auto login = service_->login({"root@example.com", "platform-password", std::nullopt}, "ip");
    ASSERT_TRUE(login);
    auto root = principal_of(*login);
    EXPECT_TRUE(root.is_platform_admin());
    ChildInput in;
    in.business_name = "Reseller One";
    in.business_username = "reseller-one";
    in.contact_email = "ops@reseller.example";
    in.country = "KE";
    in.account_type = AccountType::kReseller;
    in.owner_name = "Res Owner";
    in.owner_email = "owner@reseller.example";
    in.owner_password = "long-enough-pw";
    auto child = service_->create_child(root, in);
    ASSERT_TRUE(child) << child.error().message;
    auto child_login =
        service_->login({"owner@reseller.example", "long-enough-pw", std::nullopt}, "ip");
    ASSERT_TRUE(child_login);
    ASSERT_TRUE(service_->set_child_status(root, child->account.id, "suspended"));
    auto refused = service_->authenticate_bearer(child_login->access);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().error_code, "ACCOUNT_SUSPENDED");
    auto again = service_->set_child_status(root, child->account.id, "suspended");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().error_code, "INVALID_STATUS");
    ASSERT_TRUE(service_->set_child_status(root, child->account.id, "active"));
    EXPECT_TRUE(service_->authenticate_bearer(child_login->access));
}

TEST_P(IdentityServiceTest, PlatformAdminIsCreatedOnce) {
    auto first = service_->ensure_platform_admin("root@example.com", "");
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->created);
    ASSERT_TRUE(first->generated_password);
    auto second = service_->ensure_platform_admin("root@example.com", "");
    ASSERT_TRUE(second);
    EXPECT_FALSE(second->created);
    EXPECT_TRUE(
        service_->login({"root@example.com", *first->generated_password, std::nullopt}, "ip"));
}

TEST_P(IdentityServiceTest, InvitingCreatesNoMembershipUntilAccepted) {
    auto a = registered("inviter@example.com");
    auto b = registered("invitee@example.com");
    auto owner = principal_of(a);
    auto invited =
        service_->invite(owner, {"invitee@example.com", std::nullopt, Role::kAdmin, std::nullopt});
    ASSERT_TRUE(invited) << invited.error().message;
    EXPECT_EQ(invited->invitation.status, "pending");
    EXPECT_NE(invited->invitation.token_hash, invited->token);
    auto invitee = principal_of(b);
    auto before = service_->me(invitee);
    ASSERT_TRUE(before);
    EXPECT_EQ(before->accounts.size(), 1u);
    // The token of someone who already has a user never sets their password.
    auto by_token =
        service_->accept_invitation_token({invited->token, "X", "attacker-password"}, "ip");
    ASSERT_FALSE(by_token);
    EXPECT_EQ(by_token.error().error_code, "INVALID_CREDENTIALS");
    auto mine = service_->my_invitations(invitee);
    ASSERT_TRUE(mine);
    ASSERT_EQ(mine->size(), 1u);
    ASSERT_TRUE(service_->accept_invitation(invitee, invited->invitation.id));
    auto after = service_->me(invitee);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->accounts.size(), 2u);
    auto again = service_->accept_invitation(invitee, invited->invitation.id);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().error_code, "INVALID_STATUS");
}

TEST_P(IdentityServiceTest, InvitationsExpireAndResendingKillsTheOldToken) {
    auto owner = principal_of(registered("boss@example.com"));
    auto first = service_->invite(owner, {"new@example.com", "New", Role::kAgent, std::nullopt});
    ASSERT_TRUE(first);
    auto resent = service_->resend_invitation(owner, first->invitation.id);
    ASSERT_TRUE(resent);
    EXPECT_EQ(resent->invitation.id, first->invitation.id);
    auto old =
        service_->accept_invitation_token({first->token, std::nullopt, "long-enough-pw"}, "ip");
    ASSERT_FALSE(old);
    EXPECT_EQ(old.error().error_code, "VALIDATION_ERROR");
    clock_.advance(7 * 24 * 3600 * kMicrosPerSecond + 1);
    auto late =
        service_->accept_invitation_token({resent->token, std::nullopt, "long-enough-pw"}, "ip");
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().error_code, "INVITATION_EXPIRED");
    // Sent again, it works for another week.
    auto renewed = service_->resend_invitation(owner, first->invitation.id);
    ASSERT_TRUE(renewed);
    auto joined =
        service_->accept_invitation_token({renewed->token, std::nullopt, "long-enough-pw"}, "ip");
    ASSERT_TRUE(joined) << joined.error().message;
    EXPECT_EQ(joined->role, Role::kAgent);
    EXPECT_EQ(joined->user.name, "New");
}

TEST_P(IdentityServiceTest, RevokedInvitationCannotBeAccepted) {
    auto owner = principal_of(registered("rev@example.com"));
    auto inv = service_->invite(owner, {"gone@example.com", "Gone", Role::kAgent, std::nullopt});
    ASSERT_TRUE(inv);
    ASSERT_TRUE(service_->revoke_invitation(owner, inv->invitation.id));
    auto accepted =
        service_->accept_invitation_token({inv->token, std::nullopt, "long-enough-pw"}, "ip");
    ASSERT_FALSE(accepted);
    EXPECT_EQ(accepted.error().error_code, "VALIDATION_ERROR");
}

TEST_P(IdentityServiceTest, RegistrationIsThrottledPerAddressAndRecordsIt) {
    IdentityOptions options;
    options.server_secret = std::string(40, 's');
    options.registration = {2, 100, 3600 * kMicrosPerSecond};
    IdentityService limited(test_->db(), clock_, options);
    auto reg = [&](const std::string& email, const std::string& ip) {
        return limited.register_account({"Acme", "Owner", email, "long-enough-pw"}, ip);
    };
    ASSERT_TRUE(reg("r1@example.com", "10.9.0.1"));
    ASSERT_TRUE(reg("r2@example.com", "10.9.0.1"));
    auto third = reg("r3@example.com", "10.9.0.1");
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error().error_code, "RATE_LIMITED");
    EXPECT_GT(third.error().retry_after_s, 0);
    auto elsewhere = reg("r4@example.com", "10.9.0.2");
    ASSERT_TRUE(elsewhere);
    EXPECT_EQ(elsewhere->account.registered_ip, "10.9.0.2");
}

// Mails kept for the test to read.
class KeptMail final : public Mailer {
public:
    Status send(const Mail& mail) override {
        mails.push_back(mail);
        return {};
    }
    // The token of the last mail ("Reset token: ...", "Verification token: ...").
    std::string last_token(const std::string& label = "Reset token: ") const {
        const std::string& body = mails.back().body;
        const auto at = body.find(label) + label.size();
        return body.substr(at, body.find('\n', at) - at);
    }
    std::vector<Mail> mails;
};

TEST_P(IdentityServiceTest, AResetTokenExpiresAfterAnHour) {
    KeptMail mail;
    IdentityOptions options;
    options.server_secret = std::string(40, 's');
    IdentityService service(test_->db(), clock_, options, IdentityPorts{.mailer = &mail});
    registered("reset@example.com");
    ASSERT_TRUE(service.request_password_reset("reset@example.com", "ip"));
    ASSERT_TRUE(service.request_password_reset("nobody@example.com", "ip"));
    ASSERT_EQ(mail.mails.size(), 1U);  // no mail for an unknown address
    const std::string late = mail.last_token();
    clock_.advance(3600 * kMicrosPerSecond + 1);
    auto refused = service.reset_password(late, "new-password-12");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().error_code, "INVALID_TOKEN");
    ASSERT_TRUE(service.request_password_reset("reset@example.com", "ip"));
    clock_.advance(3599 * kMicrosPerSecond);
    EXPECT_TRUE(service.reset_password(mail.last_token(), "new-password-12"));
    EXPECT_TRUE(service.login({"reset@example.com", "new-password-12", std::nullopt}, "ip"));
    // The token is stored only as its hash.
    auto stored = test_->db().read([&](db::Connection& c) {
        return c.query_one("SELECT count(*) FROM password_resets WHERE token_hash = $1",
                           {mail.last_token()});
    });
    ASSERT_TRUE(stored && *stored);
    EXPECT_EQ((*stored)->i64(0), 0);
}

// Counts the trial credits identity asks for.
class CountedTrials final : public AccountPolicy {
public:
    Status registered(db::Connection&, const Account&) override {
        ++trials;
        return {};
    }
    Status check_member_limit(const AccountId&, std::int64_t) override { return {}; }
    int trials = 0;
};

TEST_P(IdentityServiceTest, RequiredVerificationHoldsSendingAndTheTrialUntilTheOwnerVerifies) {
    KeptMail mail;
    CountedTrials trials;
    IdentityOptions options;
    options.server_secret = std::string(40, 's');
    options.require_email_verification = true;
    IdentityService service(test_->db(), clock_, options,
                            IdentityPorts{.mailer = &mail, .accounts = &trials});
    auto reg = service.register_account({"Waiting Ltd", "Owner", "wait@example.com", "long-pw-123"},
                                        "10.0.0.9");
    ASSERT_TRUE(reg);
    EXPECT_TRUE(reg->account.awaiting_verification);
    EXPECT_FALSE(reg->user.email_verified_at);
    EXPECT_EQ(trials.trials, 0);
    ASSERT_EQ(mail.mails.size(), 1U);
    EXPECT_EQ(mail.mails[0].to, "wait@example.com");
    auto who = service.authenticate_bearer(reg->access);
    ASSERT_TRUE(who);
    auto refused = service.send_profile(*who);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().error_code, "EMAIL_NOT_VERIFIED");

    // A day later the first token is dead; a new one works once.
    const std::string first = mail.last_token("Verification token: ");
    clock_.advance(24 * 3600 * kMicrosPerSecond + 1);
    auto late = service.verify_email(first);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().error_code, "INVALID_TOKEN");
    ASSERT_TRUE(service.resend_email_verification(*who));
    const std::string second = mail.last_token("Verification token: ");
    auto verified = service.verify_email(second);
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_EQ(verified->email_verified_at, clock_.now());
    EXPECT_EQ(trials.trials, 1);
    EXPECT_TRUE(service.send_profile(*who));
    EXPECT_FALSE(service.verify_email(second));
    auto again = service.resend_email_verification(*who);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().error_code, "EMAIL_ALREADY_VERIFIED");
    EXPECT_EQ(trials.trials, 1);  // the trial comes once
}

TEST_P(IdentityServiceTest, TwoFactorCodesAreSingleUseWithinTheirWindowAndChallengesExpire) {
    auto reg = registered("totp@example.com");
    const auto who = principal_of(reg);
    auto setup = service_->begin_two_factor(who);
    ASSERT_TRUE(setup);
    const std::string key = *totp::base32_decode(setup->secret);
    auto step = [&] { return totp::step_of(clock_.now() / kMicrosPerSecond); };
    auto codes = service_->confirm_two_factor(who, totp::code_at(key, step()), "ip");
    ASSERT_TRUE(codes) << codes.error().message;
    ASSERT_EQ(codes->size(), 10U);

    auto login = [&] {
        auto r = service_->login({"totp@example.com", "long-enough-pw", std::nullopt}, "ip");
        EXPECT_TRUE(r && !r->challenge.empty() && r->access.empty());
        return r ? r->challenge : std::string();
    };
    // The step used to confirm is spent (the fixture allows 3 failures).
    auto challenge = login();
    EXPECT_FALSE(service_->login_two_factor(challenge, totp::code_at(key, step()), "ip"));
    // Two steps ahead is outside the window.
    EXPECT_FALSE(service_->login_two_factor(challenge, totp::code_at(key, step() + 2), "ip"));
    clock_.advance(totp::kStepSeconds * kMicrosPerSecond);
    auto signed_in = service_->login_two_factor(challenge, totp::code_at(key, step()), "ip");
    ASSERT_TRUE(signed_in) << signed_in.error().message;
    EXPECT_FALSE(signed_in->access.empty());
    EXPECT_TRUE(service_->authenticate_bearer(signed_in->access));

    // A challenge lives five minutes.
    challenge = login();
    clock_.advance(5 * 60 * kMicrosPerSecond + 1);
    auto late = service_->login_two_factor(challenge, (*codes)[0], "ip");
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().error_code, "INVALID_CHALLENGE");
    // Recovery codes: once each, stored only as keyed hashes.
    challenge = login();
    EXPECT_TRUE(service_->login_two_factor(challenge, (*codes)[0], "ip"));
    challenge = login();
    EXPECT_FALSE(service_->login_two_factor(challenge, (*codes)[0], "ip"));
    EXPECT_EQ(*service_->recovery_codes_left(who), 9);
    auto stored = test_->db().read([&](db::Connection& c) {
        return c.query_one("SELECT count(*) FROM recovery_codes WHERE code_hash = $1",
                           {(*codes)[1]});
    });
    ASSERT_TRUE(stored && *stored);
    EXPECT_EQ((*stored)->i64(0), 0);
    // Spent and expired challenges went as new ones came: one row is left.
    auto kept = test_->db().read([&](db::Connection& c) {
        return c.query_one("SELECT count(*) FROM login_challenges WHERE user_id = $1",
                           {reg.user.id.value});
    });
    ASSERT_TRUE(kept && *kept);
    EXPECT_EQ((*kept)->i64(0), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, IdentityServiceTest,
                         ::testing::Values(db::Dialect::kSqlite, db::Dialect::kPostgres),
                         [](const auto& info) { return db::testing::dialect_name(info.param); });

}  // namespace ujumbe::identity
