#include "app/service_manager.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace ujumbe::app {

bool notify_service_manager(std::string_view state) {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path) return true;
    std::string address(path);
    sockaddr_un to{};
    // A path needs room for its NUL; an abstract name (@...) does not.
    const std::size_t room = sizeof(to.sun_path) - (address[0] == '@' ? 0 : 1);
    if ((address[0] != '/' && address[0] != '@') || address.size() > room) return false;
    to.sun_family = AF_UNIX;
    std::memcpy(to.sun_path, address.data(), address.size());
    if (address[0] == '@') to.sun_path[0] = '\0';  // an abstract socket
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    const bool sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&to),
                               length) == static_cast<ssize_t>(state.size());
    ::close(fd);
    return sent;
}

}  // namespace ujumbe::app
