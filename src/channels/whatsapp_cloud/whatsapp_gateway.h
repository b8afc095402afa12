#pragma once
// A live WhatsApp Cloud API number: each message is one POST
// /{version}/{phone_number_id}/messages with the account's token, its body
// the message object the accept path wrote (OutboundSms::content); Meta's
// id in the answer names the message for the statuses its webhook reports
// later. The pipeline hands it at most capacity() messages at once.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "channels/gateway.h"
#include "channels/http_client.h"
#include "channels/request_tally.h"
#include "channels/whatsapp_cloud/graph.h"
#include "channels/whatsapp_cloud/media_upload.h"

namespace ujumbe::channels::whatsapp {

struct NumberSettings {
    std::string phone_number_id;
    std::string access_token;
    GraphOptions graph;
    int concurrency = 16;  // requests in flight
    // The account's media files (<dir>/<sha256>), for messages that send
    // one; "" when the number sends none.
    std::string media_dir;
};

// Settings as a gateway spec holds them (phone_number_id, graph_url,
// graph_version, concurrency, media_dir; the secret access_token). Errors
// name the field.
Result<NumberSettings> read_number_settings(const nlohmann::json& settings,
                                            const nlohmann::json& secrets);
nlohmann::json number_settings_json(const NumberSettings& s);

// The message object the accept path stored (a text message of the body
// when it stored none).
nlohmann::json message_object(const OutboundSms& m);
// The request body of one message: its object with the product, the
// recipient type and the recipient's digits added.
std::string send_body(const OutboundSms& m, nlohmann::json object);
// What the Graph API's answer means for the message: accepted with Meta's
// id; refused for good with WHATSAPP_<code>; retryable when Meta asks to
// wait (rate limits, outages) or the token is refused (connected again,
// it goes); left without a word when the request went and no answer came.
PartOutcome read_send_answer(const HttpAnswer& answer);

class NumberGateway final : public Gateway {
public:
    NumberGateway(GatewayId id, NumberSettings settings, boost::asio::io_context& io);
    ~NumberGateway() override;

    const GatewayId& id() const override { return id_; }
    void start() override;
    void stop() override;
    bool available() const override { return started_ && !stopped_; }
    void submit(OutboundSms message, std::function<void(SubmitOutcome)> done) override;
    std::size_t capacity() const override;
    nlohmann::json status() const override;

private:
    // POSTs the message object; `done` gets the outcome.
    void send(const OutboundSms& message, nlohmann::json object,
              std::function<void(SubmitOutcome)> done);
    // Uploads the file `ref` names to Meta (once for every message waiting
    // on it); each waiter gets Meta's id or the outcome of a failure.
    void upload(const UploadRef& ref);

    const GatewayId id_;
    const NumberSettings settings_;
    boost::asio::io_context& io_;
    std::shared_ptr<HttpClient> client_, uploads_;
    std::atomic<bool> started_{false}, stopped_{false};
    RequestTally tally_;
    UploadedMedia uploaded_;
};

}  // namespace ujumbe::channels::whatsapp
