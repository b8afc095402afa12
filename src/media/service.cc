#include "media/service.h"

#include "core/log.h"
#include "core/open_file.h"
#include "formats/media_type.h"
#include "formats/multipart.h"
#include "media/store.h"

namespace ujumbe::media {

namespace {

std::string megabytes(std::uint64_t bytes) {
    const std::uint64_t mb = bytes / (1024 * 1024);
    return mb > 0 ? std::to_string(mb) + " MB" : std::to_string(bytes / 1024) + " KB";
}

// The type of an upload by its content, within the kind's and the server's limit.
Result<formats::MediaType> checked_type(std::string_view head, const std::string& filename,
                                        std::uint64_t size, std::uint64_t max_bytes) {
    auto type = formats::sniff_media(head, filename);
    if (!type)
        return Error::refusal("file", "UNSUPPORTED_MEDIA_TYPE",
                              "The content is none of the types WhatsApp takes: JPEG or PNG "
                              "images, WebP stickers, MP4 or 3GPP video, AAC, AMR, MP3, MP4 or "
                              "OGG audio, PDF, Office documents or plain text.",
                              ErrorCode::kUnsupportedMediaType);
    const std::uint64_t limit = std::min(type->max_bytes, max_bytes);
    if (size > limit)
        return Error::refusal("file", "MEDIA_TOO_LARGE",
                              "A " + type->kind + " may be at most " + megabytes(limit) + ".",
                              ErrorCode::kPayloadTooLarge);
    return *type;
}

}  // namespace

MediaService::MediaService(db::Database& db, Clock& clock, MediaFiles& files, const MediaUrls& urls,
                           MediaLimits limits)
    : db_(db), clock_(clock), files_(files), urls_(urls), limits_(limits) {}

Result<Media> MediaService::upload(const Principal& who, const Upload& u) {
    if (u.end <= u.begin) return Error::invalid("file", "The file is empty.");
    const std::uint64_t size = u.end - u.begin;
    const OpenFile in(u.body_file);
    if (!in.valid()) return Error::internal("cannot read the upload");
    const std::string filename = formats::clean_filename(u.filename);
    const std::uint64_t sniffed = std::min<std::uint64_t>(formats::kMediaSniffBytes, size);
    UJ_ASSIGN(auto head, formats::read_range(in.fd(), u.begin, u.begin + sniffed, sniffed));
    UJ_ASSIGN(auto type, checked_type(head, filename, size, limits_.max_bytes));
    UJ_ASSIGN(auto used, db_.read([&](db::Connection& c) {
        return store::bytes_of_account(c, who.account_id);
    }));
    if (static_cast<std::uint64_t>(used) + size > limits_.account_bytes)
        return Error::refusal("file", "MEDIA_QUOTA_EXCEEDED",
                              "The account's media would pass its " +
                                  megabytes(limits_.account_bytes) +
                                  "; delete media it no longer needs.",
                              ErrorCode::kFailedPrecondition);
    UJ_ASSIGN(auto stored, files_.store_range(who.account_id, in.fd(), u.begin, u.end));
    Media m;
    m.id = MediaId{new_uuid_v7(clock_.now())};
    m.account_id = who.account_id;
    m.mime_type = type.mime_type;
    m.kind = type.kind;
    m.sha256 = stored.sha256;
    m.size_bytes = static_cast<std::int64_t>(stored.size);
    if (!filename.empty()) m.filename = filename;
    m.created_by = who.user_id;
    m.created_at = m.updated_at = clock_.now();
    UJ_TRY(db_.write([&](db::Connection& c) { return store::insert_media(c, m); }));
    return m;
}

Result<db::Listing<Media>> MediaService::list(const Principal& who, const MediaQuery& q,
                                              const db::Paged& page) {
    return db_.read(
        [&](db::Connection& c) { return store::list_media(c, who.account_id, q, page); });
}

Result<std::vector<DailyBytes>> MediaService::uploaded_bytes(const Principal& who,
                                                             std::int64_t first_day,
                                                             std::int64_t past_day) {
    return db_.read([&](db::Connection& c) {
        return store::uploaded_bytes(c, who.account_id, first_day, past_day);
    });
}

Result<Media> MediaService::get(const Principal& who, const std::string& id) {
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) { return find(c, who.account_id, id); }));
    if (!found) return Error::not_found("Media");
    return *found;
}

Status MediaService::remove(const Principal& who, const std::string& id) {
    UJ_ASSIGN(auto m, get(who, id));
    if (!who.can_manage() && m.created_by != std::optional<UserId>(who.user_id))
        return Error::forbidden(
            "Only owners, admins and whoever uploaded it delete a media object");
    UJ_ASSIGN(auto others, db_.write([&](db::Connection& c) -> Result<std::int64_t> {
        UJ_TRY(store::delete_media(c, m.account_id, m.id));
        if (m.sha256.empty()) return 1;
        return store::count_sharing_file(c, m.account_id, m.sha256);
    }));
    // Another upload of the same content keeps the file.
    if (others == 0) UJ_TRY(files_.remove(m.account_id, m.sha256));
    return {};
}

SignedUrl MediaService::url(const Media& m) const {
    return urls_.sign(m.id, clock_.now());
}

Result<Media> MediaService::open_signed(const std::string& id, const std::string& expires,
                                        const std::string& signature) {
    if (!is_uuid(id) || !urls_.valid(MediaId{id}, expires, signature, clock_.now()))
        return Error::forbidden("The link is not valid or has expired.", "SIGNATURE_INVALID");
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) {
        return store::find_media_any_account(c, MediaId{id});
    }));
    if (!found || found->status != kReady) return Error::not_found("Media");
    return *found;
}

std::string MediaService::path(const Media& m) const {
    return files_.path(m.account_id, m.sha256);
}

Result<std::optional<Media>> MediaService::find(db::Connection& c, const AccountId& account,
                                                const std::string& id) {
    if (!is_uuid(id)) return std::optional<Media>{};
    return store::find_media(c, account, MediaId{id});
}

Result<Media> MediaService::expect_download(db::Connection& c, const ExpectedDownload& d,
                                            Micros now) {
    Media m;
    m.id = MediaId{new_uuid_v7(now)};
    m.account_id = d.account_id;
    m.status = kPending;
    m.origin = "whatsapp";
    m.mime_type = d.mime_type.empty() ? "application/octet-stream" : d.mime_type.substr(0, 100);
    m.kind = "document";
    for (const char* k : {"image", "audio", "video"})
        if (m.mime_type.starts_with(std::string(k) + "/")) m.kind = k;
    const std::string filename = formats::clean_filename(d.filename);
    if (!filename.empty()) m.filename = filename;
    m.source_id = d.source_id;
    m.channel_id = d.channel_id;
    m.next_attempt_at = now;
    m.created_at = m.updated_at = now;
    UJ_TRY(store::insert_media(c, m));
    return m;
}

Result<std::vector<Media>> MediaService::claim_downloads(int limit, Micros lease) {
    const Micros now = clock_.now();
    return db_.write(
        [&](db::Connection& c) { return store::claim_downloads(c, now, now + lease, limit); });
}

Status MediaService::downloaded(Media m, std::string_view bytes) {
    if (bytes.size() > limits_.max_bytes)
        return download_failed(std::move(m), "larger than " + megabytes(limits_.max_bytes), false);
    // What the customer sent may be any document; what is not a known
    // type is kept as bytes and served as an attachment.
    if (auto type = formats::sniff_media(bytes.substr(0, formats::kMediaSniffBytes),
                                         m.filename.value_or(""))) {
        m.mime_type = type->mime_type;
        m.kind = type->kind;
    } else {
        m.mime_type = "application/octet-stream";
        m.kind = "document";
    }
    UJ_ASSIGN(auto stored, files_.store_bytes(m.account_id, bytes));
    m.status = kReady;
    m.sha256 = stored.sha256;
    m.size_bytes = static_cast<std::int64_t>(stored.size);
    m.attempts += 1;
    m.error.reset();
    m.updated_at = clock_.now();
    return db_.write([&](db::Connection& c) { return store::update_download(c, m); });
}

Status MediaService::download_failed(Media m, const std::string& reason, bool retry) {
    m.attempts += 1;
    m.error = reason.substr(0, 500);
    m.updated_at = clock_.now();
    if (retry && m.attempts < kMaxDownloadAttempts) {
        m.next_attempt_at = m.updated_at + (kFirstRetry << (m.attempts - 1));
    } else {
        m.status = kFailed;
        log::warn("received media not downloaded",
                  {{"media_id", m.id.value}, {"attempts", m.attempts}, {"error", *m.error}});
    }
    return db_.write([&](db::Connection& c) { return store::update_download(c, m); });
}

}  // namespace ujumbe::media
