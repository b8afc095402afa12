#include "media/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "core/crypto.h"
#include "core/log.h"
#include "core/open_file.h"
#include "formats/multipart.h"

namespace ujumbe::media {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

Error write_failure(const std::string& what, int err) {
    if (err == ENOSPC || err == EDQUOT)
        return Error::storage_full("The media store's disk is full.");
    log::error("media file not written", {{"what", what}, {"error", std::strerror(err)}});
    return Error::internal("the media file could not be written");
}

}  // namespace

MediaFiles::MediaFiles(std::string root) : root_(std::move(root)) {}

std::string MediaFiles::folder(const AccountId& account) const {
    // Account ids are UUIDs; anything else would be a path of its own.
    if (!is_uuid(account.value)) throw std::logic_error("not an account id");
    return root_ + "/" + account.value;
}

std::string MediaFiles::path(const AccountId& account, const std::string& sha256) const {
    if (!is_sha256_hex(sha256)) throw std::logic_error("not a media file name");
    return folder(account) + "/" + sha256;
}

template <typename Next>
Result<StoredFile> MediaFiles::store(const AccountId& account, Next&& next) {
    const std::string dir = folder(account);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return write_failure(dir, ec.value());
    const std::string temp = dir + "/.part-" + random_token(12);
    const OpenFile out(temp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (!out.valid()) return write_failure(temp, errno);
    const auto fail = [&](int err) {
        ::unlink(temp.c_str());
        return write_failure(temp, err);
    };
    Sha256Stream hash;
    StoredFile stored;
    std::string piece;
    for (;;) {
        piece.clear();
        UJ_ASSIGN(bool more, next(piece));
        hash.update(piece);
        stored.size += piece.size();
        for (std::size_t at = 0; at < piece.size();) {
            const ssize_t n = ::write(out.fd(), piece.data() + at, piece.size() - at);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return fail(n < 0 ? errno : EIO);
            at += static_cast<std::size_t>(n);
        }
        if (!more) break;
    }
    if (::fsync(out.fd()) != 0) return fail(errno);
    stored.sha256 = to_hex(hash.finish());
    const std::string final_path = dir + "/" + stored.sha256;
    if (::rename(temp.c_str(), final_path.c_str()) != 0) return fail(errno);
    return stored;
}

Result<StoredFile> MediaFiles::store_range(const AccountId& account, int fd, std::uint64_t begin,
                                           std::uint64_t end) {
    std::uint64_t at = begin;
    return store(account, [&](std::string& piece) -> Result<bool> {
        const std::uint64_t until = std::min<std::uint64_t>(end, at + kChunk);
        UJ_ASSIGN(piece, formats::read_range(fd, at, until, kChunk));
        at = until;
        return at < end;
    });
}

Result<StoredFile> MediaFiles::store_bytes(const AccountId& account, std::string_view bytes) {
    bool given = false;
    return store(account, [&](std::string& piece) -> Result<bool> {
        if (!given) piece.assign(bytes);
        given = true;
        return false;
    });
}

Status MediaFiles::remove(const AccountId& account, const std::string& sha256) {
    const std::string file = path(account, sha256);
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
        log::warn("media file not removed", {{"path", file}, {"error", std::strerror(errno)}});
        return Error::internal("the media file could not be removed");
    }
    return {};
}

}  // namespace ujumbe::media
