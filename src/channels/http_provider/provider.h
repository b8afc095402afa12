#pragma once
// An HTTP SMS provider as settings (docs/http-providers.md): how a message
// becomes a request (URL, method, authentication, a form or JSON body from
// a template), how the answer is read (success, the provider's id,
// retryable or final errors), and how the provider's callbacks (delivery
// reports, inbound messages) are authenticated and read. Pure functions;
// the live gateway (http_gateway.h) does the I/O.

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "channels/gateway.h"
#include "channels/http_client.h"
#include "core/result.h"

namespace ujumbe::channels {

// Where a callback's fields are: form fields or JSON (a key, or a JSON
// pointer when it starts with '/').
struct DlrFields {
    std::string id = "id", status = "status", error;
    // The provider's statuses to ours: delivered | undelivered | expired |
    // rejected | submitted (not final). Unlisted statuses are not final.
    std::map<std::string, std::string> statuses;
};
struct MoFields {
    std::string from = "from", to = "to", text = "text";
};

struct ProviderSettings {
    std::string preset;  // "", "africastalking", "twilio": defaults for the rest
    std::string url;     // may hold placeholders ({{account_sid}})
    std::string method = "POST";
    std::string auth = "none";  // none | basic | bearer | header | query
    std::string username;       // basic
    std::string account_sid;    // presets that need one (twilio)
    std::string auth_header = "apiKey", auth_query = "api_key";
    std::string body_format = "form";                   // form | json
    nlohmann::json body = nlohmann::json::object();     // field -> template
    nlohmann::json headers = nlohmann::json::object();  // extra headers -> template
    std::vector<int> success_status;                    // empty: any 2xx
    std::string success_regex;                          // the body must match it too, when set
    std::string id_pointer, id_regex;                   // where the provider's id is; neither: ours
    std::vector<int> retryable_status = {408, 429, 500, 502, 503, 504};
    int timeout_ms = 10000;
    double tps = 50;
    int concurrency = 10;
    DlrFields dlr;
    MoFields mo;
    std::string hook_auth = "secret";  // secret | hmac
    std::string signature_header = "X-Signature";
    // Where the provider reaches this server ("https://sms.example.com"),
    // for {{callback_url}}; empty: the provider's own configuration.
    std::string callback_base;
    // Secrets.
    std::string password, token, api_key, hook_secret;
};

// The presets' names.
const std::vector<std::string>& provider_presets();
// Checks settings and secrets, a preset's defaults under what is given.
// Errors name the field ("settings.url").
Result<ProviderSettings> read_provider_settings(const nlohmann::json& settings,
                                                const nlohmann::json& secrets);
// The stored form: every setting, no secrets.
nlohmann::json provider_settings_json(const ProviderSettings& s);

// What the placeholders of the templates stand for.
struct MessageValues {
    std::string to;  // E.164 with '+'
    std::string from, text, encoding, message_id;
    std::string callback_url;
};
// The callback URL of `gateway_id` ("" without callback_base): /dlr, with
// ?secret= when callbacks are authenticated by secret.
std::string callback_url(const ProviderSettings& s, const GatewayId& gateway_id);
HttpRequest provider_request(const ProviderSettings& s, const MessageValues& v);
// What the provider's answer makes of the message (one part).
PartOutcome read_provider_answer(const ProviderSettings& s, const HttpAnswer& answer,
                                 const std::string& message_id);

using Callback = ProviderCallback;

// Whether the callback carries the gateway's secret or signature.
bool callback_authentic(const ProviderSettings& s, const Callback& cb);
using CallbackReport = std::variant<ReceiptReport, InboundReport>;
// The reports in a callback (a JSON array holds several); an error names
// the field that is missing or unreadable.
Result<std::vector<CallbackReport>> read_callback(const ProviderSettings& s,
                                                  const GatewayId& gateway_id, const Callback& cb);

// application/x-www-form-urlencoded, both ways.
std::string form_encode(const std::string& value);
std::map<std::string, std::string> form_decode(const std::string& text);

}  // namespace ujumbe::channels
