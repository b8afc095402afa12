#pragma once
// The campaigns domain: SMS and email templates, campaigns with their targets and
// counts, and the frozen recipient list of a started campaign. Plain data,
// no I/O.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::campaigns {

struct Template {
    TemplateId id;
    AccountId account_id;
    std::string name;
    std::string description;
    std::string channel = "sms";  // sms | email, fixed at creation
    std::string body;             // the text (of a mail: its text part)
    // Email only: the subject, and the HTML part if any; placeholders as in
    // the body (values in the HTML are escaped).
    std::optional<std::string> subject, html;
    std::optional<UserId> created_by;
    Micros created_at = 0;
    Micros updated_at = 0;
};

// Campaign statuses (seed 001): draft -> scheduled -> running <-> paused ->
// completed; cancelled from any but the final ones; failed when it cannot go on.
enum class CampaignStatus : std::uint8_t {
    kDraft,
    kScheduled,
    kRunning,
    kPaused,
    kCompleted,
    kCancelled,
    kFailed
};

// Who it reaches: the union of the three, resolved when it starts.
struct Targets {
    std::vector<ContactId> contact_ids;
    std::vector<SegmentId> segment_ids;
    nlohmann::json criteria = nlohmann::json::object();  // segment rules, as given
};

// `settings` as given (checked by the service): throttle.messages_per_second,
// opt_out_footer, send_time, timezone.
struct Settings {
    nlohmann::json raw = nlohmann::json::object();
    // Messages per second at most (0: as fast as the gateways take them).
    std::int64_t messages_per_second() const {
        const auto t = raw.find("throttle");
        if (t == raw.end() || !t->is_object()) return 0;
        const auto m = t->find("messages_per_second");
        return m != t->end() && m->is_number_integer() ? m->get<std::int64_t>() : 0;
    }
    // A text setting (send_time, timezone), if given.
    std::optional<std::string> text(const char* key) const {
        const auto v = raw.find(key);
        if (v == raw.end() || !v->is_string()) return std::nullopt;
        return v->get<std::string>();
    }
    // Add the account's opt-out footer, when it has one (the default).
    bool opt_out_footer() const {
        const auto f = raw.find("opt_out_footer");
        return f == raw.end() || !f->is_boolean() || f->get<bool>();
    }
};

// Why recipients were left out, by reason (duplicates, opted_out, ...).
using Exclusions = std::map<std::string, std::int64_t>;

namespace phase {
inline constexpr const char* kExpanding = "expanding";
inline constexpr const char* kSending = "sending";
}  // namespace phase

struct Campaign {
    CampaignId id;
    AccountId account_id;
    std::string name;
    std::string description;
    std::string campaign_type = "sms";
    std::optional<std::string> message_text;
    std::optional<TemplateId> template_id;
    std::optional<std::string> sender_id;
    // whatsapp and mixed: the approved WhatsApp template sent first
    // ({name, language, components}); null otherwise.
    nlohmann::json whatsapp_template;
    CampaignStatus status = CampaignStatus::kDraft;
    std::optional<std::string> status_reason;  // INSUFFICIENT_BALANCE, ...
    std::optional<Micros> scheduled_at, started_at, paused_at, completed_at;
    Targets targets;
    Settings settings;
    bool is_recurring = false;
    nlohmann::json recurring_schedule = nlohmann::json::object();
    std::optional<Micros> next_run_at;    // recurring: the next run
    std::optional<CampaignId> parent_id;  // a run: its recurring campaign
    std::optional<std::string> phase;     // phase::
    std::int64_t next_seq = 0;
    std::int64_t total_recipients = 0;
    std::int64_t accepted_count = 0, skipped_count = 0;
    std::int64_t sent_count = 0, delivered_count = 0, read_count = 0, failed_count = 0;
    Exclusions exclusions;
    std::int64_t estimated_cost = 0;  // micro-units of `currency`
    std::int64_t charged = 0, refunded = 0;
    std::optional<std::string> currency;
    std::optional<Micros> counted_at;
    std::optional<UserId> created_by;
    std::string created_by_name;
    std::optional<UserId> run_by;  // the member it sends as
    Micros created_at = 0;
    Micros updated_at = 0;

    // The channel of the message each recipient gets first (a mixed
    // campaign's SMS only follows a WhatsApp failure).
    std::string first_channel() const {
        if (campaign_type == "whatsapp" || campaign_type == "mixed") return "whatsapp";
        return campaign_type;  // sms | email
    }
};

namespace recipient_status {
inline constexpr const char* kPending = "pending";
inline constexpr const char* kAccepted = "accepted";
inline constexpr const char* kSkipped = "skipped";
}  // namespace recipient_status

struct Recipient {
    std::int64_t seq = 0;
    ContactId contact_id;
    std::string phone;  // E.164; an email campaign's: the email address
    std::string status = recipient_status::kPending;
    std::optional<MessageId> message_id;
    std::optional<std::string> reason;  // why it was skipped
    // Mixed campaigns: the SMS sent when WhatsApp refused or failed it.
    std::optional<MessageId> fallback_message_id;
};

// A recipient with its message, for GET /campaigns/{id}/recipients.
struct RecipientView {
    Recipient recipient;
    std::optional<std::string> message_status;
    std::optional<std::int64_t> price;
    std::optional<std::string> error_code;
};

}  // namespace ujumbe::campaigns
