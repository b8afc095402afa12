#include <utility>  // before Asio (g++ 12)

#include "conversations/service.h"

#include <nlohmann/json.hpp>

#include "conversations/graph_refusal.h"
#include "conversations/store.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "core/validate.h"

namespace ujumbe::conversations {

namespace {

using json = nlohmann::json;
using channels::whatsapp::GraphError;
using channels::whatsapp::PhoneNumberProfile;

// Why connect is refused, in the terms of the field to fix.
Error refusal(const GraphError& e) {
    if (e.code == 100)
        return graph_refusal(e, "phone_number_id", "WHATSAPP_NUMBER_NOT_FOUND",
                             "The Graph API knows no such phone number for this token.");
    return graph_refusal(e, "phone_number_id", "WHATSAPP_REFUSED", describe(e));
}

}  // namespace

std::string e164_of_display(const std::string& display) {
    std::string out = "+";
    for (char ch : display)
        if (ch >= '0' && ch <= '9') out += ch;
    return out.size() > 1 ? out : display;
}

const char* status_name(ChannelStatus s) {
    switch (s) {
        case ChannelStatus::kConnected:
            return "connected";
        case ChannelStatus::kError:
            return "error";
        case ChannelStatus::kDisconnected:
            return "disconnected";
    }
    return "error";
}

std::optional<ChannelStatus> parse_status(const std::string& name) {
    for (auto s : {ChannelStatus::kConnected, ChannelStatus::kError, ChannelStatus::kDisconnected})
        if (name == status_name(s)) return s;
    return std::nullopt;
}

std::string seal_secrets(const std::string& secret, const WhatsAppSecrets& s) {
    const json doc = {{"access_token", s.access_token},
                      {"app_secret", s.app_secret},
                      {"verify_token", s.verify_token}};
    return seal_secret(secret, doc.dump());
}

std::optional<WhatsAppSecrets> open_secrets(const std::string& secret, const std::string& sealed) {
    if (sealed.empty()) return std::nullopt;
    auto text = open_secret(secret, sealed);
    if (!text) return std::nullopt;
    const auto doc = json::parse(*text, nullptr, false);  // our own sealed text
    if (!doc.is_object()) return std::nullopt;
    return WhatsAppSecrets{.access_token = doc.value("access_token", ""),
                           .app_secret = doc.value("app_secret", ""),
                           .verify_token = doc.value("verify_token", "")};
}

bool signature_matches(std::string_view header, std::string_view app_secret,
                       std::string_view body) {
    constexpr std::string_view kPrefix = "sha256=";
    if (app_secret.empty() || header.substr(0, kPrefix.size()) != kPrefix) return false;
    const std::string expected = to_hex(hmac_sha256(app_secret, body));
    return constant_time_equal(ascii_lower(header.substr(kPrefix.size())), expected);
}

WhatsAppChannels::WhatsAppChannels(db::Database& db, Clock& clock, std::string secret,
                                   channels::whatsapp::GraphApi& graph,
                                   std::function<void()> stored, std::function<void()> changed)
    : db_(db),
      clock_(clock),
      secret_(std::move(secret)),
      graph_(graph),
      stored_(std::move(stored)),
      changed_(std::move(changed)) {}

Result<ChannelView> WhatsAppChannels::changed(Result<ChannelView> saved) {
    if (saved && changed_) changed_();
    return saved;
}

Result<ChannelView> WhatsAppChannels::view(db::Connection& c, WhatsAppChannel ch) {
    UJ_ASSIGN(auto waiting, store::waiting_webhook_events(c, ch.id));
    UJ_ASSIGN(auto last, store::last_webhook_at(c, ch.id));
    return ChannelView{
        .channel = std::move(ch), .webhook_events_waiting = waiting, .last_webhook_at = last};
}

Result<ChannelView> WhatsAppChannels::connect(const Principal& who, const ConnectInput& in) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins connect channels");
    UJ_ASSIGN(auto holder, db_.read([&](db::Connection& c) {
        return store::number_holder(c, in.phone_number_id);
    }));
    if (holder && *holder != who.account_id)
        return Error::conflict("WHATSAPP_NUMBER_TAKEN",
                               "Another account has connected this phone number.");
    // Asked before anything is stored: credentials that do not work are never kept.
    auto asked = graph_.phone_number(in.phone_number_id, in.secrets.access_token);
    if (auto* e = std::get_if<GraphError>(&asked)) {
        log::info("whatsapp connect refused",
                  {{"account_id", who.account_id.value}, {"graph_code", std::to_string(e->code)}});
        return refusal(*e);
    }
    const auto& profile = std::get<PhoneNumberProfile>(asked);
    const Micros now = clock_.now();
    return changed(db_.write([&](db::Connection& c) -> Result<ChannelView> {
        UJ_ASSIGN(auto held, store::number_holder(c, in.phone_number_id));
        if (held && *held != who.account_id)
            return Error::conflict("WHATSAPP_NUMBER_TAKEN",
                                   "Another account has connected this phone number.");
        UJ_ASSIGN(auto existing, store::channel_of_account(c, who.account_id));
        WhatsAppChannel ch;
        if (existing) {
            ch.id = existing->channel.id;  // the same webhook URL as before
            ch.created_at = existing->channel.created_at;
        } else {
            ch.id = WhatsAppChannelId{new_uuid_v7(now)};
            ch.created_at = now;
        }
        ch.account_id = who.account_id;
        ch.phone_number_id = in.phone_number_id;
        ch.business_account_id = in.business_account_id;
        ch.status = ChannelStatus::kConnected;
        ch.display_phone_number = profile.display_phone_number;
        ch.verified_name = profile.verified_name;
        ch.quality_rating = profile.quality_rating;
        ch.messaging_limit = profile.messaging_limit;
        ch.connected_at = ch.checked_at = now;
        ch.updated_at = now;
        UJ_TRY(store::save_channel(c, ch, seal_secrets(secret_, in.secrets)));
        return view(c, std::move(ch));
    }));
}

Result<ChannelView> WhatsAppChannels::status(const Principal& who, bool refresh) {
    UJ_ASSIGN(auto stored, db_.read([&](db::Connection& c) {
        return store::channel_of_account(c, who.account_id);
    }));
    if (!stored) return Error::not_found("WhatsApp channel");
    WhatsAppChannel ch = std::move(stored->channel);
    if (refresh && ch.status != ChannelStatus::kDisconnected) {
        auto secrets = open_secrets(secret_, stored->sealed);
        if (!secrets) return Error::internal("the channel's credentials cannot be opened");
        auto asked = graph_.phone_number(ch.phone_number_id, secrets->access_token);
        const Micros now = clock_.now();
        ch.checked_at = ch.updated_at = now;
        if (auto* e = std::get_if<GraphError>(&asked)) {
            ch.last_error = describe(*e);
            // An unreachable API says nothing about the credentials.
            if (!e->transient()) ch.status = ChannelStatus::kError;
        } else {
            const auto& p = std::get<PhoneNumberProfile>(asked);
            ch.status = ChannelStatus::kConnected;
            ch.last_error.reset();
            ch.display_phone_number = p.display_phone_number;
            ch.verified_name = p.verified_name;
            ch.quality_rating = p.quality_rating;
            ch.messaging_limit = p.messaging_limit;
        }
        return changed(db_.write([&](db::Connection& c) -> Result<ChannelView> {
            UJ_TRY(store::save_channel(c, ch, stored->sealed));
            return view(c, std::move(ch));
        }));
    }
    return db_.read([&](db::Connection& c) { return view(c, std::move(ch)); });
}

Result<ChannelView> WhatsAppChannels::disconnect(const Principal& who) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins disconnect channels");
    return changed(db_.write([&](db::Connection& c) -> Result<ChannelView> {
        UJ_ASSIGN(auto stored, store::channel_of_account(c, who.account_id));
        if (!stored) return Error::not_found("WhatsApp channel");
        WhatsAppChannel ch = std::move(stored->channel);
        if (ch.status != ChannelStatus::kDisconnected) {
            const Micros now = clock_.now();
            ch.status = ChannelStatus::kDisconnected;
            ch.disconnected_at = ch.updated_at = now;
            ch.last_error.reset();
            UJ_TRY(store::save_channel(c, ch, ""));
        }
        return view(c, std::move(ch));
    }));
}

Result<db::Listing<WebhookEvent>> WhatsAppChannels::webhook_events(const Principal& who,
                                                                   const db::Paged& page) {
    return db_.read([&](db::Connection& c) -> Result<db::Listing<WebhookEvent>> {
        UJ_ASSIGN(auto stored, store::channel_of_account(c, who.account_id));
        if (!stored) return Error::not_found("WhatsApp channel");
        return store::list_webhook_events(c, stored->channel.id, page);
    });
}

Result<WebhookEvent> WhatsAppChannels::webhook_event(const Principal& who, const std::string& id) {
    if (!is_uuid(id)) return Error::not_found("Webhook event");
    return db_.read([&](db::Connection& c) -> Result<WebhookEvent> {
        UJ_ASSIGN(auto stored, store::channel_of_account(c, who.account_id));
        if (!stored) return Error::not_found("Webhook event");
        UJ_ASSIGN(auto event, store::webhook_event(c, stored->channel.id, WebhookEventId{id}));
        if (!event) return Error::not_found("Webhook event");
        return std::move(*event);
    });
}

Result<std::pair<WhatsAppChannel, WhatsAppSecrets>> WhatsAppChannels::hook_channel(
    const std::string& channel_id) {
    if (!is_uuid(channel_id)) return Error::not_found("WhatsApp channel");
    UJ_ASSIGN(auto stored, db_.read([&](db::Connection& c) {
        return store::channel_by_id(c, WhatsAppChannelId{channel_id});
    }));
    if (!stored || stored->channel.status == ChannelStatus::kDisconnected)
        return Error::not_found("WhatsApp channel");
    auto secrets = open_secrets(secret_, stored->sealed);
    if (!secrets) return Error::not_found("WhatsApp channel");
    return std::pair{std::move(stored->channel), std::move(*secrets)};
}

Result<std::string> WhatsAppChannels::verify_subscription(const std::string& channel_id,
                                                          const std::string& mode,
                                                          const std::string& token,
                                                          const std::string& challenge) {
    UJ_ASSIGN(auto found, hook_channel(channel_id));
    const auto& secrets = found.second;
    if (mode != "subscribe" || secrets.verify_token.empty() ||
        !constant_time_equal(token, secrets.verify_token))
        return Error::forbidden("The verify token does not match.", "INVALID_VERIFY_TOKEN");
    // Echoed back, so only what a challenge is made of.
    const bool plain = !challenge.empty() && challenge.size() <= 256 &&
                       std::all_of(challenge.begin(), challenge.end(), [](unsigned char ch) {
                           return std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.';
                       });
    if (!plain)
        return Error::invalid("hub.challenge", "1 to 256 letters, digits, '-', '_' or '.'.");
    return challenge;
}

Status WhatsAppChannels::receive(const std::string& channel_id, std::string_view signature,
                                 const std::string& body) {
    UJ_ASSIGN(auto found, hook_channel(channel_id));
    const auto& [channel, secrets] = found;
    if (!signature_matches(signature, secrets.app_secret, body))
        return Error::unauthenticated("INVALID_SIGNATURE",
                                      "X-Hub-Signature-256 does not sign this body.");
    JsonParseProblem problem;
    const auto doc = parse_json_bounded(body, problem);
    if (!doc.is_object()) return Error::malformed("The body is not a JSON object.");
    const Micros now = clock_.now();
    UJ_TRY(db_.write([&](db::Connection& c) {
        return store::insert_webhook_event(c, WebhookEventId{new_uuid_v7(now)}, channel, body, now);
    }));
    if (stored_) stored_();
    return {};
}

}  // namespace ujumbe::conversations
