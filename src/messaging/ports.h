#pragma once
// What the messaging module asks of the modules around it, connected once by
// the app (app/modules.cc); a port left empty is not asked.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "billing/service.h"
#include "core/ids.h"
#include "core/result.h"
#include "db/connection.h"
#include "messaging/dispatch.h"
#include "messaging/model.h"

namespace ujumbe::messaging {

// Asked by the pipeline in the transaction that records what happened to
// messages, so that money and consent move with the status.
class OutcomeHooks {
public:
    virtual ~OutcomeHooks() = default;
    // Messages given a final failure status (failed: no route, refused, last
    // attempt; rejected, undelivered, expired), once per message: refunds.
    virtual Status finished(db::Connection& c, const std::vector<MessageId>& ids,
                            const std::string& status) = 0;
    // Messages a gateway took: new costs (message id, cost) for those the
    // gateway prices differently.
    virtual Result<std::vector<std::pair<MessageId, std::int64_t>>> gateway_costs(
        db::Connection& c, const GatewayId& gateway_id,
        const std::vector<const Message*>& sent) = 0;
    // Every inbound message, as stored: consent keywords (from a phone
    // number), and the account's SMPP receivers.
    virtual Status inbound(db::Connection& c, const Message& m) = 0;
    // Messages that reached a final status, delivered included, once per
    // message, with the error code of the change: receipts owed to the
    // systems that sent them.
    virtual Status reached_final(db::Connection&, const std::vector<MessageId>& /*ids*/,
                                 MessageStatus, const std::optional<std::string>& /*error_code*/) {
        return {};
    }
};

struct MessagingPorts {
    // Where committed messages go (this node's pipeline); none: they wait in
    // the queue for a dispatcher.
    Dispatch* dispatch = nullptr;
    // Prices and charges sends; none: sending is free.
    billing::BillingService* billing = nullptr;
};

}  // namespace ujumbe::messaging
