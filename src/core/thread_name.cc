#include "core/thread_name.h"

#include <pthread.h>

#include <string>

namespace ujumbe {

void name_this_thread(std::string_view name) {
    std::string kept(name.substr(0, 15));
    pthread_setname_np(pthread_self(), kept.c_str());
}

}  // namespace ujumbe
