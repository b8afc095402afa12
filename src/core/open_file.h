#pragma once
// A file descriptor closed when it goes out of scope, for code that reads
// and writes files with the system calls (uploads, media).

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <utility>

namespace ujumbe {

class OpenFile {
public:
    // Opens `path` (read-only unless `flags` say otherwise); valid() tells
    // whether it did.
    explicit OpenFile(const std::string& path, int flags = O_RDONLY, mode_t mode = 0)
        : fd_(::open(path.c_str(), flags | O_CLOEXEC, mode)) {}
    ~OpenFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    OpenFile(OpenFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;
    OpenFile& operator=(OpenFile&&) = delete;

    bool valid() const { return fd_ >= 0; }
    int fd() const { return fd_; }

private:
    int fd_;
};

}  // namespace ujumbe
