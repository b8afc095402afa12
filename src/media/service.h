#pragma once
// Media objects (decision 0038): uploads checked by content (the formats
// WhatsApp takes, each within its size limit and the account's quota),
// stored by their hash, listed, deleted, and served through signed URLs;
// received WhatsApp media registered when the message arrives and stored
// once the fetcher has downloaded it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "db/store_support.h"
#include "media/files.h"
#include "media/model.h"
#include "media/urls.h"

namespace ujumbe::media {

struct MediaLimits {
    std::uint64_t max_bytes = 16ull * 1024 * 1024;        // one file, below the kind's own limit
    std::uint64_t account_bytes = 1024ull * 1024 * 1024;  // all of an account's files
};

// An uploaded file: the bytes [begin, end) of the spooled body.
struct Upload {
    std::string body_file;
    std::uint64_t begin = 0, end = 0;
    std::string filename;  // as the sender named it; "" when unnamed
};

// A received file to fetch: Meta's media id and what the message said of it.
struct ExpectedDownload {
    AccountId account_id;
    std::string channel_id, source_id, mime_type, filename;
};

// Tries of a download before it is given up, and the wait before try n
// (doubling from the first).
inline constexpr int kMaxDownloadAttempts = 8;
inline constexpr Micros kFirstRetry = 30 * kMicrosPerSecond;

class MediaService {
public:
    MediaService(db::Database& db, Clock& clock, MediaFiles& files, const MediaUrls& urls,
                 MediaLimits limits);

    Result<Media> upload(const Principal& who, const Upload& upload);
    Result<db::Listing<Media>> list(const Principal& who, const MediaQuery& q,
                                    const db::Paged& page);
    Result<Media> get(const Principal& who, const std::string& id);
    // The caller's account's uploaded bytes per UTC day and user (usage).
    Result<std::vector<DailyBytes>> uploaded_bytes(const Principal& who, std::int64_t first_day,
                                                   std::int64_t past_day);
    // Owners and admins delete any; others what they uploaded. The file
    // goes with its last media object.
    Status remove(const Principal& who, const std::string& id);

    std::uint64_t max_bytes() const { return limits_.max_bytes; }
    // A fresh signed URL of a stored file.
    SignedUrl url(const Media& m) const;
    // The file a signed URL names: 403 when the signature is wrong or has
    // expired, 404 when the object is gone or not stored.
    Result<Media> open_signed(const std::string& id, const std::string& expires,
                              const std::string& signature);
    // Where a stored file is.
    std::string path(const Media& m) const;

    // An account's media object, in the caller's transaction (the WhatsApp
    // sending check); nullopt when it has none of this id.
    static Result<std::optional<Media>> find(db::Connection& c, const AccountId& account,
                                             const std::string& id);
    // Registers a received file in the caller's transaction; its object is
    // pending until downloaded.
    static Result<Media> expect_download(db::Connection& c, const ExpectedDownload& d, Micros now);

    // Received files due for a try (leased for `lease`).
    Result<std::vector<Media>> claim_downloads(int limit, Micros lease);
    // The downloaded bytes: checked by content and stored; the object is ready.
    Status downloaded(Media m, std::string_view bytes);
    // A try failed: tried again later when `retry` and tries remain, else failed.
    Status download_failed(Media m, const std::string& reason, bool retry);

private:
    db::Database& db_;
    Clock& clock_;
    MediaFiles& files_;
    const MediaUrls& urls_;
    MediaLimits limits_;
};

}  // namespace ujumbe::media
