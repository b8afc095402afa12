#pragma once
// What the message pipeline needs from a gateway, whatever its protocol:
// submit one message (all of its parts) and hear back what became of each
// part; report receipts and inbound messages; tell whether it can take
// traffic now and how it is doing. Implementations run on their own
// io_context; submit() may be called from any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "core/result.h"

namespace ujumbe::channels {

struct OutboundSms {
    MessageId message_id;
    std::string to;               // E.164 with '+'
    std::string sender;           // sender id as sent
    std::string body;             // UTF-8; the gateway encodes and splits it
    std::uint16_t reference = 0;  // concatenation reference for this destination
    // Channels other than SMS: what the message carries besides the body, as
    // JSON (WhatsApp's message object); empty for SMS.
    std::string content;
};

struct PartOutcome {
    int part = 1;  // 1-based
    // The gateway took the part and named it (provider_id set).
    bool accepted = false;
    // The gateway may have taken the part (written and unanswered, or
    // accepted): never send this message again elsewhere. An explicit
    // refusal did not leave.
    bool left = false;
    // The gateway answered (accepted or refused).
    bool answered = false;
    // A refusal another gateway might not give (busy, system error, not bound).
    bool retryable = false;
    std::string provider_id;
    std::string provider_key;  // provider_id in the form receipts are matched by
    std::string error_code;    // e.g. "SMPP_0x0000000B", "NOT_BOUND", "NO_RESPONSE"
    std::string error_message;
};

struct SubmitOutcome {
    std::vector<PartOutcome> parts;
};

// A delivery receipt for one submitted part.
struct ReceiptReport {
    GatewayId gateway_id;
    std::string provider_id;   // as the gateway wrote it
    std::string provider_key;  // the form submit outcomes carry (see PartOutcome)
    std::string stat;          // DELIVRD, UNDELIV, EXPIRED, REJECTD, ...
    std::string status;        // delivered | undelivered | expired | rejected | submitted
    std::optional<std::string> error_code;
    std::optional<std::string> submit_date, done_date;
};

// A mobile-originated message, or one part of a concatenated one.
struct InboundReport {
    GatewayId gateway_id;  // what it came through (a WhatsApp channel's id for WhatsApp)
    std::string from;      // the customer's number as received
    std::string to;        // our number or short code
    std::string text;      // UTF-8 (this part's text when concatenated)
    int reference = -1;    // concatenation reference; -1 when not concatenated
    int total = 1, part = 1;
    std::string channel = "sms";
    // The account it is for, when the source says (a WhatsApp channel's);
    // otherwise the owner of `to`.
    std::optional<AccountId> account_id;
    // The source's own id of it (WhatsApp's wamid) and its kind of content.
    std::string provider_id, content_type;
    // The media object that holds (or will hold) a file it carried; "" when none.
    std::string media_id;
};

// A provider's call to this server (POST /api/v1/hooks/gateways/{id}/dlr
// or /mo): a delivery report or an inbound message, as it came.
struct ProviderCallback {
    enum class Kind { kDlr, kMo };
    Kind kind = Kind::kDlr;
    std::map<std::string, std::string> query;    // the first of each name
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string content_type;
    std::string body;
};

// What became of a receipt or inbound message given to the listener; the
// gateway acknowledges it to its sender accordingly.
enum class ReportFate {
    kStored,      // committed: acknowledge it
    kRetryLater,  // not stored (the database is away): have it delivered again
    kRefused,     // can never be stored: refuse it for good
};
// Called once, from any thread.
using ReportDone = std::function<void(ReportFate)>;

class GatewayListener {
public:
    virtual ~GatewayListener() = default;
    virtual void on_receipt(const ReceiptReport& receipt, ReportDone done) = 0;
    virtual void on_inbound(const InboundReport& inbound, ReportDone done) = 0;
};

// Held by shared_ptr: work in flight keeps its gateway alive.
class Gateway : public std::enable_shared_from_this<Gateway> {
public:
    virtual ~Gateway() = default;
    virtual const GatewayId& id() const = 0;
    virtual void start() = 0;
    // Stops taking traffic; what was queued ends with retryable outcomes.
    virtual void stop() = 0;
    // False when it cannot take traffic now (not bound): the router fails over.
    virtual bool available() const = 0;
    virtual void submit(OutboundSms message, std::function<void(SubmitOutcome)> done) = 0;
    // Parts it can have outstanding at once (an SMPP gateway: window x
    // binds). The pipeline hands it no more unrecorded parts than this, so
    // a crash can leave at most this many parts sent but unrecorded.
    virtual std::size_t capacity() const = 0;
    // Live figures for GET /gateways/{id}/status.
    virtual nlohmann::json status() const = 0;
    // A provider's callback: checked (401 without the gateway's secret or
    // signature), read (400 naming a missing field) and reported to the
    // listener; how many reports it held, answered once they are stored
    // (503 DATABASE_UNAVAILABLE when they cannot be now, so the provider
    // calls again). Blocks: call it on a database thread. Kinds without
    // callbacks: 404.
    virtual Result<std::size_t> on_callback(const ProviderCallback&) {
        return Error::not_found("Gateway");
    }
};

}  // namespace ujumbe::channels
