#pragma once
// Media objects: files an account uploaded or received (WhatsApp media),
// kept under the data directory by their content's SHA-256 and served back
// through signed URLs that expire (decision 0038).

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::media {

using MediaId = Id<struct MediaTag>;

// ready: the file is stored; pending: a received file still to download;
// failed: it could not be downloaded (`error` says why).
inline constexpr const char* kReady = "ready";
inline constexpr const char* kPending = "pending";
inline constexpr const char* kFailed = "failed";

// Uploaded bytes of one UTC day by one user.
struct DailyBytes {
    std::int64_t day = 0;
    std::string user_id;
    std::int64_t bytes = 0;
};

struct Media {
    MediaId id;
    AccountId account_id;
    std::string status = kReady;
    std::string origin = "upload";  // upload | whatsapp
    std::string mime_type;          // by content once stored; as announced while pending
    std::string kind;               // image | audio | video | document | sticker
    std::string sha256;             // hex; "" until stored
    std::int64_t size_bytes = 0;
    std::optional<std::string> filename;
    // A received file: where it comes from (Meta's media id, through the
    // WhatsApp channel), tries so far and when the next is due.
    std::optional<std::string> source_id, channel_id;
    int attempts = 0;
    Micros next_attempt_at = 0;
    std::optional<std::string> error;
    std::optional<UserId> created_by;
    Micros created_at = 0, updated_at = 0;
};

struct MediaQuery {
    std::optional<std::string> kind, status, origin;
};

}  // namespace ujumbe::media
