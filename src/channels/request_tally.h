#pragma once
// What a gateway that makes one request a message reports about them
// (GET /gateways/{id}/status): requests made, answers by kind, and the last
// refusal. Thread-safe: answers arrive on I/O threads.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "channels/gateway.h"

namespace ujumbe::channels {

class RequestTally {
public:
    void sent() { ++requests_; }
    // A request's answer, as the part's outcome.
    void answered(const PartOutcome& part);
    // {"requests", "accepted", "refused", "unanswered", "last_error"} added to `out`.
    void add_to(nlohmann::json& out) const;

private:
    std::atomic<std::uint64_t> requests_{0}, accepted_{0}, refused_{0}, unanswered_{0};
    mutable std::mutex mutex_;
    std::string last_error_;
};

}  // namespace ujumbe::channels
