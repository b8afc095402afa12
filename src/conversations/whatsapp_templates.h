#pragma once
// An account's WhatsApp message templates: written here, submitted to Meta
// for review with the channel's credentials (nothing is kept when Meta
// refuses), edited (reviewed again) and deleted there too; Meta's verdicts
// (APPROVED, REJECTED with the reason, PAUSED, ...) arrive by the channel's
// webhook. Only approved templates send (WhatsAppSending asks
// `sendable`). Owners and admins write; every member reads.

#include <string>

#include <nlohmann/json.hpp>

#include "channels/whatsapp_cloud/graph.h"
#include "channels/whatsapp_cloud/webhook_payload.h"
#include "conversations/model.h"
#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "db/store_support.h"

namespace ujumbe::conversations {

struct TemplateInput {
    std::string name, language, category;
    nlohmann::json components = nlohmann::json::array();
};

class WhatsAppTemplates {
public:
    // `secret` opens the channel's credentials; `graph` is Meta.
    WhatsAppTemplates(db::Database& db, Clock& clock, std::string secret,
                      channels::whatsapp::GraphApi& graph);

    Result<WhatsAppTemplate> create(const Principal& who, const TemplateInput& in);
    Result<db::Listing<WhatsAppTemplate>> list(const Principal& who, const TemplateQuery& q,
                                               const db::Paged& page);
    Result<WhatsAppTemplate> get(const Principal& who, const std::string& id);
    // New components (and category) for Meta to review again.
    Result<WhatsAppTemplate> edit(const Principal& who, const std::string& id,
                                  const TemplateInput& in);
    Status remove(const Principal& who, const std::string& id);

    // Meta's verdict on a template of `account`, in the webhook processor's
    // transaction; false when no template of the account matches it.
    static Result<bool> apply_status(db::Connection& c, const AccountId& account,
                                     const channels::whatsapp::TemplateStatusItem& item,
                                     Micros now);

private:
    // The account's channel with its secrets open (422 without one).
    struct Channel {
        WhatsAppChannel channel;
        std::string access_token;
    };
    Result<Channel> channel_of(const AccountId& account);

    db::Database& db_;
    Clock& clock_;
    std::string secret_;
    channels::whatsapp::GraphApi& graph_;
};

}  // namespace ujumbe::conversations
