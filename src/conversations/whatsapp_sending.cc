#include <utility>  // before Asio (g++ 12)

#include "conversations/whatsapp_sending.h"

#include <set>

#include "channels/whatsapp_cloud/outbound_message.h"
#include "channels/whatsapp_cloud/template_definition.h"
#include "conversations/service.h"
#include "conversations/store.h"
#include "conversations/template_store.h"
#include "core/log.h"
#include "media/service.h"

namespace ujumbe::conversations {

namespace {

using json = nlohmann::json;
namespace wa = channels::whatsapp;

// A request refused (the value of check), naming the field, with its code.
std::optional<Error> refusal(std::string field, std::string code, std::string problem,
                             ErrorCode kind = ErrorCode::kInvalidArgument) {
    return Error::refusal(std::move(field), std::move(code), std::move(problem), kind);
}

// Meta's id of a stored message (its content's "id"), "" when it has none.
std::string meta_id_of(const messaging::Message& m) {
    if (!m.content) return {};
    const json content = json::parse(*m.content, nullptr, false);
    return content.is_object() && content.contains("id") && content["id"].is_string()
               ? content["id"].get<std::string>()
               : std::string();
}

// A `media.id` of the account's media (a UUID; Meta's ids are numbers)
// becomes the file for the gateway to upload: its hash, type and name. A
// refusal when the account has no such media or it is not stored yet.
Result<std::optional<Error>> use_account_media(db::Connection& c, const AccountId& account,
                                               json& content) {
    if (!content.is_object() || !content.contains("media") || !content["media"].is_object())
        return std::optional<Error>{};
    json& media = content["media"];
    if (media.contains("upload"))
        return refusal("media.upload", "INVALID_CONTENT",
                       "Not a field of media: give the id POST /media answered as media.id.");
    const auto id = media.find("id");
    if (id == media.end() || !id->is_string() || !is_uuid(id->get<std::string>()))
        return std::optional<Error>{};
    UJ_ASSIGN(auto found, media::MediaService::find(c, account, id->get<std::string>()));
    if (!found)
        return refusal("media.id", "MEDIA_NOT_FOUND", "The account has no media of this id.");
    if (found->status != media::kReady)
        return refusal("media.id", "MEDIA_NOT_READY",
                       "The media is " + found->status + ", not stored: it cannot be sent.",
                       ErrorCode::kFailedPrecondition);
    if (found->kind == "sticker")
        return refusal("media.id", "INVALID_CONTENT", "A WebP sticker cannot be sent as media.");
    if (!media.contains("type")) media["type"] = found->kind;
    if (media["type"] != found->kind)
        return refusal("media.type", "INVALID_CONTENT",
                       "The media of this id is a " + found->kind + ".");
    if (found->kind == "document" && !media.contains("filename") && found->filename)
        media["filename"] = *found->filename;
    media.erase("id");
    media["upload"] = {
        {"id", found->id.value}, {"sha256", found->sha256}, {"mime_type", found->mime_type}};
    return std::optional<Error>{};
}

}  // namespace

WhatsAppSending::WhatsAppSending(db::Database& db, Clock& clock, std::string secret,
                                 routing::RoutingService& routing, wa::GraphOptions graph,
                                 const media::MediaFiles& files)
    : db_(db),
      clock_(clock),
      secret_(std::move(secret)),
      routing_(routing),
      graph_(std::move(graph)),
      files_(files) {}

WhatsAppSending::~WhatsAppSending() {
    stop();
}

void WhatsAppSending::start() {
    if (auto r = reload(); !r)
        log::warn("whatsapp gateways not loaded", {{"error", r.error().message}});
    thread_.start("wa-gateways", kRefresh, std::chrono::milliseconds(20), [this] {
        if (auto r = reload(); !r)
            log::warn("whatsapp gateways not reloaded", {{"error", r.error().message}});
    });
}

void WhatsAppSending::stop() {
    thread_.stop();
}

void WhatsAppSending::changed() {
    thread_.wake();
}

Result<int> WhatsAppSending::reload() {
    UJ_ASSIGN(auto stored, db_.read([](db::Connection& c) { return store::sending_channels(c); }));
    int changes = 0;
    std::set<WhatsAppChannelId> seen;
    for (const auto& s : stored) {
        const auto& ch = s.channel;
        seen.insert(ch.id);
        auto it = live_.find(ch.id);
        if (it != live_.end() && it->second.second == ch.updated_at) continue;
        auto secrets = open_secrets(secret_, s.sealed);
        if (!secrets) {
            log::warn("whatsapp channel credentials cannot be opened",
                      {{"channel_id", ch.id.value}});
            continue;
        }
        routing::GatewayRecord g;
        g.id = GatewayId{ch.id.value};
        g.name = "whatsapp " + ch.display_phone_number;
        g.kind = "whatsapp";
        g.settings = {{"phone_number_id", ch.phone_number_id},
                      {"graph_url", graph_.base_url},
                      {"graph_version", graph_.version},
                      {"media_dir", files_.folder(ch.account_id)}};
        g.secrets = {{"access_token", secrets->access_token}};
        routing_.set_account_gateway(ch.account_id, "whatsapp", g);
        live_[ch.id] = {ch.account_id, ch.updated_at};
        ++changes;
    }
    for (auto it = live_.begin(); it != live_.end();) {
        if (seen.count(it->first)) {
            ++it;
            continue;
        }
        routing_.set_account_gateway(it->second.first, "whatsapp", std::nullopt);
        it = live_.erase(it);
        ++changes;
    }
    return changes;
}

Result<std::optional<Error>> WhatsAppSending::check(db::Connection& c,
                                                    const messaging::SendRequest& r,
                                                    const messaging::Message* replied,
                                                    messaging::Message& m) {
    if (r.sender_id)
        return refusal("sender_id", "INVALID_SENDER_ID",
                       "WhatsApp messages come from the channel's own number.");
    UJ_ASSIGN(auto stored, store::channel_of_account(c, m.account_id));
    if (!stored || stored->channel.status == ChannelStatus::kDisconnected)
        return refusal("channel", "CHANNEL_NOT_CONNECTED",
                       "The account has no connected WhatsApp channel.",
                       ErrorCode::kFailedPrecondition);
    const auto& ch = stored->channel;
    std::string context;
    if (replied) {
        const std::string& customer =
            replied->direction == "inbound" ? replied->sender : replied->to;
        context = meta_id_of(*replied);
        if (customer != m.to || context.empty())
            return refusal("reply_to", "INVALID_REPLY_TO",
                           "The message replied to must be of this customer's WhatsApp thread.");
    }
    json content = r.content;
    UJ_ASSIGN(auto bad_media, use_account_media(c, m.account_id, content));
    if (bad_media) return bad_media;
    auto read = wa::read_outbound(r.body, content, context);
    if (const auto* p = std::get_if<wa::OutboundProblem>(&read))
        return refusal(p->field, p->field == "body" ? "INVALID_BODY" : "INVALID_CONTENT",
                       p->problem);
    auto& out = std::get<wa::OutboundMessage>(read);
    if (out.free_form()) {
        const std::string wa_id = m.to.starts_with('+') ? m.to.substr(1) : m.to;
        UJ_ASSIGN(auto last, store::last_inbound(c, ch.id, wa_id));
        if (!last || clock_.now() - *last >= kServiceWindow)
            return refusal("to", "OUTSIDE_SERVICE_WINDOW",
                           "The customer has not written in the last 24 hours: only an approved "
                           "template may be sent.",
                           ErrorCode::kFailedPrecondition);
    } else {
        UJ_ASSIGN(auto t,
                  store::template_named(c, m.account_id, out.template_name, out.template_language));
        if (!t || t->status != "APPROVED")
            return refusal("template.name", "TEMPLATE_NOT_APPROVED",
                           "No approved template " + out.template_name + " (" +
                               out.template_language + ") exists for this channel.",
                           ErrorCode::kFailedPrecondition);
        const json& given = out.object["template"].value("components", json::array());
        const int header = wa::parameters_given(given, "header"),
                  body = wa::parameters_given(given, "body");
        if (header != t->header_parameters || body != t->body_parameters)
            return refusal("template.components", "TEMPLATE_PARAMETERS",
                           "The template takes " + std::to_string(t->header_parameters) +
                               " header and " + std::to_string(t->body_parameters) +
                               " body parameters; " + std::to_string(header) + " and " +
                               std::to_string(body) + " were given.");
        out.text = wa::render_body(t->body_text, given);
    }
    m.sender = e164_of_display(ch.display_phone_number);
    m.body = std::move(out.text);
    m.content = out.object.dump();
    m.encoding = "utf8";
    m.segments = 1;
    return std::optional<Error>{};
}

}  // namespace ujumbe::conversations
