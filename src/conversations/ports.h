#pragma once
// What the conversations module needs from the modules above it, wired by
// the app: the message pipeline's recorder for inbound messages.

#include "channels/gateway.h"
#include "core/result.h"
#include "db/connection.h"

namespace ujumbe::conversations {

class InboundSink {
public:
    virtual ~InboundSink() = default;
    // Stores an inbound message in the caller's transaction, as every
    // inbound message is stored (its hooks and events with it).
    virtual Status inbound(db::Connection& c, const channels::InboundReport& in) = 0;
};

}  // namespace ujumbe::conversations
