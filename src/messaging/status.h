#pragma once
// A message's status and the one table of the changes allowed between
// statuses. Every writer of a status (the accept path, the dispatcher's
// claim, the recorder, cancel) asks the table first: a change it does not
// allow is a bug, answered as an internal error so tests catch it, never
// written.
//
//   (new) -> scheduled | queued | received
//   scheduled -> sending | queued | canceled
//   queued -> sending | sent | rejected | failed | queued (retry)
//     (sent, rejected, failed straight from queued: handed over without a claim)
//   sending -> sent | rejected | failed | queued (retry)
//   sent -> delivered | undelivered | expired | rejected | read (by receipts)
//   delivered -> read (the one change out of a final status: WhatsApp's
//     read receipt after its delivery receipt)
//   delivered, read, undelivered, expired, rejected, failed, canceled, received: final

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"

namespace ujumbe::messaging {

enum class MessageStatus : std::uint8_t {
    kScheduled,
    kQueued,
    kSending,
    kSent,
    kDelivered,
    kUndelivered,
    kExpired,
    kRejected,
    kFailed,
    kCanceled,
    kReceived,
    kRead,  // delivered and seen (WhatsApp)
};

// The status as the API, the events and the database spell it ("queued").
std::string_view status_name(MessageStatus s);
std::ostream& operator<<(std::ostream& out, MessageStatus s);  // its name
std::optional<MessageStatus> parse_status(std::string_view name);
// The type of the event a change to `s` writes ("message.queued").
std::string event_type(MessageStatus s);
const std::vector<MessageStatus>& all_statuses();
// No later event changes a final status (receipts of a final message are
// kept but do not move it).
bool is_final(MessageStatus s);
// Delivered or read: the message reached the person.
bool reached(MessageStatus s);
// The table: whether a message in `from` may change to `to`; a new message
// has no `from`.
bool may_change(std::optional<MessageStatus> from, MessageStatus to);
// Every status the table lets a message leave for `to` (a guarded update's
// WHERE status IN (...)).
std::vector<MessageStatus> statuses_before(MessageStatus to);
// OK when the table allows the change; else an internal error naming the
// message and both statuses.
Status check_change(const MessageId& message_id, std::optional<MessageStatus> from,
                    MessageStatus to);

}  // namespace ujumbe::messaging
