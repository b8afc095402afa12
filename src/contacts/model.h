#pragma once
// The contacts domain: contacts with consent, static groups, segments (saved
// rules) and CSV import jobs. Plain data, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::contacts {

struct Contact {
    ContactId id;
    AccountId account_id;
    std::string name;
    std::optional<std::string> phone_e164;
    std::optional<std::string> email;
    nlohmann::json attributes = nlohmann::json::object();  // flat: string, number, bool
    std::vector<std::string> tags;                         // lower-case, unique, sorted
    bool is_active = true;
    bool is_opted_in = false;
    std::optional<Micros> opt_in_at;
    std::optional<Micros> opt_out_at;
    std::optional<std::string> opt_out_reason;
    // Channels opted out of one by one (sorted: email, sms, whatsapp); an
    // opt-out of all channels is is_opted_in false with opt_out_at set.
    std::vector<std::string> opted_out_channels;
    std::optional<Micros> last_contacted_at;
    Micros created_at = 0;
    Micros updated_at = 0;

    // Opted out of every channel.
    bool opted_out_of_all() const { return opt_out_at.has_value() && !is_opted_in; }
    // Whether a message that is not transactional may not reach it on `channel`.
    bool refuses(const std::string& channel) const;
};

// The channels consent is kept for, besides "all".
const std::vector<std::string>& consent_channels();

namespace consent_source {
inline constexpr const char* kApi = "api";
inline constexpr const char* kImport = "import";
inline constexpr const char* kKeyword = "keyword";
inline constexpr const char* kCampaign = "campaign";
// The recipient of a mail, through its unsubscribe link.
inline constexpr const char* kUnsubscribe = "unsubscribe";
}  // namespace consent_source

struct ConsentEvent {
    std::string id;
    ContactId contact_id;
    std::string action;   // opt_in | opt_out
    std::string channel;  // all | sms | whatsapp | email
    std::string source;   // consent_source
    std::optional<std::string> reason;
    std::optional<UserId> actor_id;
    Micros created_at = 0;
};

struct Group {
    GroupId id;
    AccountId account_id;
    std::string name;
    std::string description;
    std::int64_t contact_count = 0;
    Micros created_at = 0;
    Micros updated_at = 0;
};

// A segment's rules; every part given must hold (see docs/api-contacts.md).
struct AttributeRule {
    std::string key;
    std::string op;  // equals | contains
    std::string value;
};

struct SegmentRules {
    std::vector<std::string> tags_any;
    std::vector<std::string> tags_all;
    std::vector<AttributeRule> attributes;
    std::string opt_in = "any";  // opted_in | opted_out | any
    std::optional<bool> is_active;
    std::optional<Micros> created_after, created_before;
    std::optional<Micros> last_contacted_after, last_contacted_before;
};

struct Segment {
    SegmentId id;
    AccountId account_id;
    std::string name;
    std::string description;
    SegmentRules rules;
    std::int64_t contact_count = 0;
    std::optional<Micros> counted_at;
    Micros created_at = 0;
    Micros updated_at = 0;
};

// What GET /contacts (and the export) filter by.
struct ContactQuery {
    std::optional<std::string> search;
    std::vector<std::string> tags;  // every one must be present
    std::optional<bool> is_active;
    std::optional<bool> is_opted_in;
    std::optional<GroupId> group_id;
    std::optional<SegmentRules> segment;
    std::string ordering = "-created_at";
};

struct ImportOptions {
    std::string on_existing = "update";                 // update | skip
    std::vector<std::string> tags;                      // added to every imported contact
    nlohmann::json mapping = nlohmann::json::object();  // CSV header -> field
};

namespace import_status {
inline constexpr const char* kPending = "pending";
inline constexpr const char* kRunning = "running";
inline constexpr const char* kCompleted = "completed";
inline constexpr const char* kFailed = "failed";
}  // namespace import_status

struct ImportJob {
    ImportJobId id;
    AccountId account_id;
    std::optional<UserId> created_by;
    std::string status = import_status::kPending;
    std::string file_name;
    std::string file_path;
    std::int64_t byte_begin = 0;
    std::int64_t byte_end = 0;  // the CSV's bytes within the file
    ImportOptions options;
    nlohmann::json columns = nullptr;  // resolved header -> field, once read
    std::int64_t processed_bytes = 0;
    std::int64_t next_line = 1;
    std::int64_t rows_processed = 0;
    std::int64_t created = 0, updated = 0, skipped = 0, failed = 0;
    std::optional<std::string> error;
    Micros created_at = 0;
    std::optional<Micros> started_at, finished_at;
    Micros updated_at = 0;
};

struct ImportRowError {
    std::int64_t line = 0;
    std::string outcome;  // failed | skipped
    std::string reason;
    std::string row_text;
};

}  // namespace ujumbe::contacts
