#include "identity/file_outbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/clock.h"
#include "core/crypto.h"

namespace ujumbe::identity {

namespace fs = std::filesystem;

namespace {

Status write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::internal(std::string("cannot write mail: ") + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

}  // namespace

Status FileOutbox::send(const Mail& mail) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return Error::internal("cannot create the outbox: " + ec.message());
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, ec);
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%020lld",
                  static_cast<long long>(SystemClock::instance().now()));
    const std::string name = std::string(stamp) + "-" + random_token(6);
    const fs::path tmp = fs::path(dir_) / ("." + name + ".tmp");
    const fs::path final_path = fs::path(dir_) / (name + ".eml");
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Error::internal(std::string("cannot create mail: ") + std::strerror(errno));
    const std::string text =
        "To: " + mail.to + "\nSubject: " + mail.subject + "\n\n" + mail.body + "\n";
    Status written = write_all(fd, text);
    if (written && ::fsync(fd) != 0) written = Error::internal("cannot sync mail");
    ::close(fd);
    if (written) {
        fs::rename(tmp, final_path, ec);
        if (ec) written = Error::internal("cannot store mail: " + ec.message());
    }
    if (!written) fs::remove(tmp, ec);
    return written;
}

}  // namespace ujumbe::identity
