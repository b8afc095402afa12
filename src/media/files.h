#pragma once
// The files of media objects on disk: <root>/<account id>/<sha256 in hex>.
// A file is written to a temporary name, flushed and renamed into place,
// so a reader never sees half of one; the same content uploaded twice by an
// account is stored once.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/result.h"

namespace ujumbe::media {

struct StoredFile {
    std::string sha256;  // hex
    std::uint64_t size = 0;
};

class MediaFiles {
public:
    explicit MediaFiles(std::string root);

    const std::string& root() const { return root_; }
    // The account's folder, and the path of one of its files.
    std::string folder(const AccountId& account) const;
    std::string path(const AccountId& account, const std::string& sha256) const;

    // Copies the bytes [begin, end) of the open file `fd` into the account's
    // folder. 507 when the disk is full, 500 on other failures.
    Result<StoredFile> store_range(const AccountId& account, int fd, std::uint64_t begin,
                                   std::uint64_t end);
    Result<StoredFile> store_bytes(const AccountId& account, std::string_view bytes);
    // Removes a file (no error when it is already gone).
    Status remove(const AccountId& account, const std::string& sha256);

private:
    // Writes what `next` yields (false when done) under the content's hash.
    template <typename Next>
    Result<StoredFile> store(const AccountId& account, Next&& next);

    std::string root_;
};

}  // namespace ujumbe::media
