#pragma once
// The campaign state machine (seed 001): which actions each status allows,
// and the 409 INVALID_STATUS of an action it does not. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/model.h"
#include "core/result.h"

namespace ujumbe::campaigns {

std::string_view status_name(CampaignStatus s);
std::optional<CampaignStatus> parse_status(std::string_view name);
// "Running", for status_display.
std::string status_display(CampaignStatus s);
const std::vector<std::string>& status_names();

enum class Action { kEdit, kSchedule, kStart, kPause, kResume, kCancel, kDelete };

// The statuses from which `action` is allowed.
const std::vector<CampaignStatus>& allowed_from(Action action);
bool allows(CampaignStatus s, Action action);
// 409 INVALID_STATUS ("Campaign cannot be started") with current_status and
// allowed_statuses, or ok.
Status check_action(CampaignStatus s, Action action);

// Scheduled, running or paused: it will still send.
bool is_active(CampaignStatus s);
// Completed, cancelled or failed.
bool is_final(CampaignStatus s);

}  // namespace ujumbe::campaigns
