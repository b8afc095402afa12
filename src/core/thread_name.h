#pragma once
// Names the calling thread (at most 15 characters are kept), so that `top -H`,
// `ps -L` and /proc/<pid>/task/*/comm tell the server's threads apart.

#include <string_view>

namespace ujumbe {

void name_this_thread(std::string_view name);

}  // namespace ujumbe
