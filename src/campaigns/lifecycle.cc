#include "campaigns/lifecycle.h"

#include <algorithm>
#include <array>

namespace ujumbe::campaigns {

namespace {

using S = CampaignStatus;

constexpr std::array<std::string_view, 7> kNames = {"draft",     "scheduled", "running", "paused",
                                                    "completed", "cancelled", "failed"};

const char* verb(Action a) {
    switch (a) {
        case Action::kEdit:
            return "edited";
        case Action::kSchedule:
            return "scheduled";
        case Action::kStart:
            return "started";
        case Action::kPause:
            return "paused";
        case Action::kResume:
            return "resumed";
        case Action::kCancel:
            return "cancelled";
        case Action::kDelete:
            return "deleted";
    }
    return "changed";
}

}  // namespace

std::string_view status_name(CampaignStatus s) {
    return kNames[static_cast<std::size_t>(s)];
}

std::optional<CampaignStatus> parse_status(std::string_view name) {
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == name) return static_cast<CampaignStatus>(i);
    return std::nullopt;
}

std::string status_display(CampaignStatus s) {
    std::string out(status_name(s));
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}

const std::vector<std::string>& status_names() {
    static const std::vector<std::string> names(kNames.begin(), kNames.end());
    return names;
}

const std::vector<CampaignStatus>& allowed_from(Action action) {
    static const std::vector<S> edit = {S::kDraft, S::kScheduled};
    static const std::vector<S> schedule = {S::kDraft};
    static const std::vector<S> start = {S::kDraft, S::kScheduled};
    static const std::vector<S> pause = {S::kRunning};
    static const std::vector<S> resume = {S::kPaused};
    static const std::vector<S> cancel = {S::kDraft, S::kScheduled, S::kRunning, S::kPaused};
    static const std::vector<S> remove = {S::kDraft, S::kCompleted, S::kCancelled, S::kFailed};
    switch (action) {
        case Action::kEdit:
            return edit;
        case Action::kSchedule:
            return schedule;
        case Action::kStart:
            return start;
        case Action::kPause:
            return pause;
        case Action::kResume:
            return resume;
        case Action::kCancel:
            return cancel;
        case Action::kDelete:
            return remove;
    }
    return edit;
}

bool allows(CampaignStatus s, Action action) {
    const auto& from = allowed_from(action);
    return std::find(from.begin(), from.end(), s) != from.end();
}

Status check_action(CampaignStatus s, Action action) {
    if (allows(s, action)) return {};
    std::vector<std::string> allowed;
    for (auto from : allowed_from(action)) allowed.emplace_back(status_name(from));
    Error e = Error::invalid_status(std::string(status_name(s)), std::move(allowed));
    e.message = std::string("Campaign cannot be ") + verb(action);
    return e;
}

bool is_active(CampaignStatus s) {
    return s == S::kScheduled || s == S::kRunning || s == S::kPaused;
}

bool is_final(CampaignStatus s) {
    return s == S::kCompleted || s == S::kCancelled || s == S::kFailed;
}

}  // namespace ujumbe::campaigns
