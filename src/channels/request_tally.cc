#include "channels/request_tally.h"

namespace ujumbe::channels {

void RequestTally::answered(const PartOutcome& part) {
    if (part.accepted) {
        ++accepted_;
        return;
    }
    ++(part.answered ? refused_ : unanswered_);
    std::lock_guard lock(mutex_);
    last_error_ = part.error_code + ": " + part.error_message;
}

void RequestTally::add_to(nlohmann::json& out) const {
    std::string error;
    {
        std::lock_guard lock(mutex_);
        error = last_error_;
    }
    out["requests"] = requests_.load();
    out["accepted"] = accepted_.load();
    out["refused"] = refused_.load();
    out["unanswered"] = unanswered_.load();
    out["last_error"] = error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error);
}

}  // namespace ujumbe::channels
