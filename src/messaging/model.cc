#include "messaging/model.h"

#include <algorithm>

namespace ujumbe::messaging {

const std::vector<std::string>& all_statuses() {
    static const std::vector<std::string> all = {
        status::kScheduled, status::kQueued,      status::kSending, status::kSent,
        status::kDelivered, status::kUndelivered, status::kExpired, status::kRejected,
        status::kFailed,    status::kCanceled,    status::kReceived};
    return all;
}

bool is_final_status(const std::string& s) {
    static const std::vector<std::string> final_ = {
        status::kDelivered, status::kUndelivered, status::kExpired, status::kRejected,
        status::kFailed,    status::kCanceled,    status::kReceived};
    return std::find(final_.begin(), final_.end(), s) != final_.end();
}

}  // namespace ujumbe::messaging
