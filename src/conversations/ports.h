#pragma once
// What the conversations module needs from the modules above it, wired by
// the app: the message pipeline's recorder, for WhatsApp's inbound messages
// and the statuses of the messages sent.

#include "channels/gateway.h"
#include "core/result.h"
#include "db/connection.h"

namespace ujumbe::conversations {

class MessageSink {
public:
    virtual ~MessageSink() = default;
    // Stores an inbound message in the caller's transaction, as every
    // inbound message is stored (its hooks and events with it).
    virtual Status inbound(db::Connection& c, const channels::InboundReport& in) = 0;
    // Records a status of a message sent, as every receipt is recorded.
    virtual Status receipt(db::Connection& c, const channels::ReceiptReport& receipt) = 0;
};

}  // namespace ujumbe::conversations
