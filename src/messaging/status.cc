#include "messaging/status.h"

#include <array>
#include <ostream>

namespace ujumbe::messaging {

namespace {

constexpr std::array<std::string_view, 12> kNames = {
    "scheduled", "queued",   "sending", "sent",     "delivered", "undelivered",
    "expired",   "rejected", "failed",  "canceled", "received",  "read"};
static_assert(kNames.size() == static_cast<std::size_t>(MessageStatus::kRead) + 1,
              "one name per status, in the enum's order");

}  // namespace

std::string_view status_name(MessageStatus s) {
    return kNames[static_cast<std::size_t>(s)];
}

std::ostream& operator<<(std::ostream& out, MessageStatus s) {
    return out << status_name(s);
}

std::optional<MessageStatus> parse_status(std::string_view name) {
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == name) return static_cast<MessageStatus>(i);
    return std::nullopt;
}

std::string event_type(MessageStatus s) {
    return "message." + std::string(status_name(s));
}

const std::vector<MessageStatus>& all_statuses() {
    static const std::vector<MessageStatus> all = [] {
        std::vector<MessageStatus> v;
        for (std::size_t i = 0; i < kNames.size(); ++i) v.push_back(static_cast<MessageStatus>(i));
        return v;
    }();
    return all;
}

bool is_final(MessageStatus s) {
    using enum MessageStatus;
    switch (s) {
        case kScheduled:
        case kQueued:
        case kSending:
        case kSent:
            return false;
        case kDelivered:
        case kUndelivered:
        case kExpired:
        case kRejected:
        case kFailed:
        case kCanceled:
        case kReceived:
        case kRead:
            return true;
    }
    return true;
}

bool reached(MessageStatus s) {
    return s == MessageStatus::kDelivered || s == MessageStatus::kRead;
}

bool may_change(std::optional<MessageStatus> from, MessageStatus to) {
    using enum MessageStatus;
    if (!from) return to == kScheduled || to == kQueued || to == kReceived;
    switch (*from) {
        case kScheduled:
            return to == kSending || to == kQueued || to == kCanceled;
        case kQueued:
            return to == kSending || to == kSent || to == kRejected || to == kFailed ||
                   to == kQueued;
        case kSending:
            return to == kSent || to == kRejected || to == kFailed || to == kQueued;
        case kSent:
            return to == kDelivered || to == kUndelivered || to == kExpired || to == kRejected ||
                   to == kRead;
        case kDelivered:
            return to == kRead;
        default:
            return false;  // final
    }
}

std::vector<MessageStatus> statuses_before(MessageStatus to) {
    std::vector<MessageStatus> out;
    for (auto from : all_statuses())
        if (may_change(from, to)) out.push_back(from);
    return out;
}

Status check_change(const MessageId& message_id, std::optional<MessageStatus> from,
                    MessageStatus to) {
    if (may_change(from, to)) return {};
    return Error::internal("message " + message_id.value + ": no change from " +
                           std::string(from ? status_name(*from) : "(new)") + " to " +
                           std::string(status_name(to)));
}

}  // namespace ujumbe::messaging
