#pragma once
// What the messaging module asks of the modules around it, connected once by
// the app (app/modules.cc); a port left empty is not asked.

#include <cstdint>
#include <map>
#include <memory>
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
    // systems that sent them, and the metrics.
    virtual Status reached_final(db::Connection&, const std::vector<FinalMessage>& /*messages*/,
                                 MessageStatus, const std::optional<std::string>& /*error_code*/) {
        return {};
    }
    // The realtime feed: the messages of one accept call, in its commit;
    // and every status the pipeline gives messages, in its transaction.
    virtual Status accepted(db::Connection&, const std::vector<const Message*>& /*messages*/) {
        return {};
    }
    struct StatusNote {
        AccountId account_id;
        MessageId id;
        MessageStatus status;
        std::optional<std::string> detail;  // the event's detail, JSON
    };
    virtual Status statuses_changed(db::Connection&, const std::vector<StatusNote>& /*notes*/) {
        return {};
    }
};

// A channel other than SMS as the accept path checks its messages (WhatsApp,
// answered by the module that keeps the channel). Asked in the accept's
// read transaction, once per request of that channel.
class SendChannel {
public:
    virtual ~SendChannel() = default;
    // Checks what `r` asks of the channel for `m` (already holding its ids,
    // account and normalised number) and fills the rest: sender (the
    // channel's own number), body (what a person reads), content (what the
    // gateway sends), encoding and segments. `replied` is the message
    // r.reply_to names. A refusal comes back as the value (naming the
    // field, with its code); an error result is a fault of the call.
    virtual Result<std::optional<Error>> check(db::Connection& c, const SendRequest& r,
                                               const Message* replied, Message& m) = 0;
};

// The account's message templates (kept by campaigns), for sends that name
// one with `template_id`: fill the request's text, and a mail's subject and
// HTML, from the template with the recipient's values.
class SendTemplates {
public:
    virtual ~SendTemplates() = default;
    // One accept call's use, which reads each template it names once.
    class Use {
    public:
        virtual ~Use() = default;
        // `address` is the normalised recipient (E.164 or email address); its
        // contact, if any, gives the values r.variables leaves out. Asked in
        // the accept's read transaction. A refusal comes back as the value
        // (naming the field, with its code).
        virtual Result<std::optional<Error>> fill(db::Connection& c, const std::string& address,
                                                  SendRequest& r) = 0;
    };
    virtual std::unique_ptr<Use> begin(const AccountId& account) = 0;
};

struct MessagingPorts {
    // Where committed messages go (this node's pipeline); none: they wait in
    // the queue for a dispatcher.
    Dispatch* dispatch = nullptr;
    // Prices and charges sends; none: sending is free.
    billing::BillingService* billing = nullptr;
    // Hears of accepted messages (OutcomeHooks::accepted); none: not asked.
    OutcomeHooks* hooks = nullptr;
    // The channels besides SMS that can send, by name ("whatsapp").
    std::map<std::string, SendChannel*, std::less<>> channels;
    // Fills sends that name a template; none: such sends are refused.
    SendTemplates* templates = nullptr;
};

}  // namespace ujumbe::messaging
