// The campaign state machine: every action allowed from exactly the
// statuses seed 001 implies, and a refused one answered with its status
// and the statuses that would allow it.

#include "campaigns/lifecycle.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace ujumbe::campaigns {
namespace {

using S = CampaignStatus;

const std::map<Action, std::set<S>> kAllowed = {
    {Action::kEdit, {S::kDraft, S::kScheduled}},
    {Action::kSchedule, {S::kDraft}},
    {Action::kStart, {S::kDraft, S::kScheduled}},
    {Action::kPause, {S::kRunning}},
    {Action::kResume, {S::kPaused}},
    {Action::kCancel, {S::kDraft, S::kScheduled, S::kRunning, S::kPaused}},
    {Action::kDelete, {S::kDraft, S::kCompleted, S::kCancelled, S::kFailed}},
};

TEST(Lifecycle, EveryActionFromEveryStatus) {
    for (const auto& [action, allowed] : kAllowed)
        for (const auto& name : status_names()) {
            const S s = *parse_status(name);
            const bool ok = allowed.contains(s);
            EXPECT_EQ(allows(s, action), ok) << name;
            const auto checked = check_action(s, action);
            EXPECT_EQ(static_cast<bool>(checked), ok) << name;
            if (ok) continue;
            const Error& e = checked.error();
            EXPECT_EQ(e.code, ErrorCode::kConflict);
            EXPECT_EQ(e.error_code, "INVALID_STATUS");
            EXPECT_EQ(e.details["current_status"], name);
            std::set<std::string> listed;
            for (const auto& a : e.details["allowed_statuses"]) listed.insert(a.get<std::string>());
            std::set<std::string> expected;
            for (auto a : allowed) expected.insert(std::string(status_name(a)));
            EXPECT_EQ(listed, expected) << name;
        }
}

TEST(Lifecycle, StartOfACompletedCampaignReadsAsSeed001) {
    const auto e = check_action(S::kCompleted, Action::kStart).error();
    EXPECT_EQ(e.message, "Campaign cannot be started");
    EXPECT_EQ(e.details["allowed_statuses"], nlohmann::json({"draft", "scheduled"}));
}

TEST(Lifecycle, NamesRoundTripAndDisplay) {
    for (const auto& name : status_names()) EXPECT_EQ(status_name(*parse_status(name)), name);
    EXPECT_FALSE(parse_status("canceled"));
    EXPECT_EQ(status_display(S::kRunning), "Running");
    EXPECT_TRUE(is_active(S::kPaused));
    EXPECT_FALSE(is_active(S::kDraft));
    EXPECT_TRUE(is_final(S::kFailed));
}

}  // namespace
}  // namespace ujumbe::campaigns
