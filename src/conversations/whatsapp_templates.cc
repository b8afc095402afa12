#include <utility>  // before Asio (g++ 12)

#include "conversations/whatsapp_templates.h"

#include "channels/whatsapp_cloud/template_definition.h"
#include "conversations/graph_refusal.h"
#include "conversations/service.h"
#include "conversations/store.h"
#include "conversations/template_store.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/validate.h"

namespace ujumbe::conversations {

namespace {

using json = nlohmann::json;
namespace wa = channels::whatsapp;

Error not_found() {
    return Error::not_found("WhatsApp template");
}

Result<wa::TemplateDefinition> definition_of(const TemplateInput& in) {
    auto read = wa::read_template_definition(in.name, in.language, in.category, in.components);
    if (const auto* p = std::get_if<wa::OutboundProblem>(&read))
        return Error::invalid(p->field, p->problem);
    return std::get<wa::TemplateDefinition>(std::move(read));
}

void take_definition(WhatsAppTemplate& t, const wa::TemplateDefinition& d) {
    t.category = d.category;
    t.components = d.components.dump();
    t.body_text = d.body_text;
    t.header_parameters = d.header_parameters;
    t.body_parameters = d.body_parameters;
}

// Meta's status of a template as kept: upper-case letters and underscores.
std::string status_word(const std::string& event) {
    std::string out;
    for (char ch : ascii_upper(event.substr(0, 32)))
        if ((ch >= 'A' && ch <= 'Z') || ch == '_') out += ch;
    if (out == "REINSTATED" || out == "UNARCHIVED") return "APPROVED";
    return out;
}

}  // namespace

WhatsAppTemplates::WhatsAppTemplates(db::Database& db, Clock& clock, std::string secret,
                                     wa::GraphApi& graph)
    : db_(db), clock_(clock), secret_(std::move(secret)), graph_(graph) {}

Result<WhatsAppTemplates::Channel> WhatsAppTemplates::channel_of(const AccountId& account) {
    UJ_ASSIGN(auto stored,
              db_.read([&](db::Connection& c) { return store::channel_of_account(c, account); }));
    if (!stored || stored->channel.status == ChannelStatus::kDisconnected)
        return Error::precondition("CHANNEL_NOT_CONNECTED",
                                   "The account has no connected WhatsApp channel.");
    auto secrets = open_secrets(secret_, stored->sealed);
    if (!secrets) return Error::internal("the channel's credentials cannot be opened");
    return Channel{std::move(stored->channel), std::move(secrets->access_token)};
}

Result<WhatsAppTemplate> WhatsAppTemplates::create(const Principal& who, const TemplateInput& in) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins write templates");
    UJ_ASSIGN(auto d, definition_of(in));
    UJ_ASSIGN(auto ch, channel_of(who.account_id));
    UJ_ASSIGN(auto existing, db_.read([&](db::Connection& c) {
        return store::template_named(c, who.account_id, d.name, d.language);
    }));
    if (existing)
        return Error::conflict("TEMPLATE_EXISTS",
                               "A template " + d.name + " (" + d.language + ") exists already.");
    const json submission = {{"name", d.name},
                             {"language", d.language},
                             {"category", d.category},
                             {"components", d.components}};
    auto answer = graph_.call("POST", ch.channel.business_account_id + "/message_templates",
                              ch.access_token, submission.dump());
    if (auto* e = std::get_if<wa::GraphError>(&answer))
        return graph_refusal(*e, "components", "WHATSAPP_REFUSED", describe(*e));
    const auto& doc = std::get<json>(answer);
    const Micros now = clock_.now();
    WhatsAppTemplate t;
    t.id = WhatsAppTemplateId{new_uuid_v7(now)};
    t.account_id = who.account_id;
    t.name = d.name;
    t.language = d.language;
    take_definition(t, d);
    if (auto id = string_at(doc, "id"); !id.empty()) t.meta_id = id.substr(0, 64);
    const std::string status = status_word(string_at(doc, "status"));
    t.status = status.empty() ? "PENDING" : status;
    t.created_by = who.user_id;
    t.created_at = t.updated_at = now;
    auto stored = db_.write([&](db::Connection& c) { return store::insert_template(c, t); });
    if (!stored && stored.error().error_code == "UNIQUE_VIOLATION")
        return Error::conflict("TEMPLATE_EXISTS",
                               "A template " + d.name + " (" + d.language + ") exists already.");
    UJ_TRY(stored);
    return t;
}

Result<db::Listing<WhatsAppTemplate>> WhatsAppTemplates::list(const Principal& who,
                                                              const TemplateQuery& q,
                                                              const db::Paged& page) {
    return db_.read(
        [&](db::Connection& c) { return store::list_templates(c, who.account_id, q, page); });
}

Result<WhatsAppTemplate> WhatsAppTemplates::get(const Principal& who, const std::string& id) {
    if (!is_uuid(id)) return not_found();
    UJ_ASSIGN(auto found, db_.read([&](db::Connection& c) {
        return store::find_template(c, who.account_id, WhatsAppTemplateId{id});
    }));
    if (!found) return not_found();
    return std::move(*found);
}

Result<WhatsAppTemplate> WhatsAppTemplates::edit(const Principal& who, const std::string& id,
                                                 const TemplateInput& in) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins write templates");
    UJ_ASSIGN(auto t, get(who, id));
    TemplateInput changed = in;
    changed.name = t.name;
    changed.language = t.language;
    if (changed.category.empty()) changed.category = t.category;
    UJ_ASSIGN(auto d, definition_of(changed));
    UJ_ASSIGN(auto ch, channel_of(who.account_id));
    if (!t.meta_id)
        return Error::precondition("TEMPLATE_NOT_SUBMITTED", "Meta holds no id of this template.");
    const json edit = {{"category", d.category}, {"components", d.components}};
    auto answer = graph_.call("POST", *t.meta_id, ch.access_token, edit.dump());
    if (auto* e = std::get_if<wa::GraphError>(&answer))
        return graph_refusal(*e, "components", "WHATSAPP_REFUSED", describe(*e));
    take_definition(t, d);
    t.status = "PENDING";  // reviewed again
    t.reason.reset();
    t.updated_at = clock_.now();
    UJ_TRY(db_.write([&](db::Connection& c) { return store::update_template(c, t); }));
    return t;
}

Status WhatsAppTemplates::remove(const Principal& who, const std::string& id) {
    if (!who.can_manage()) return Error::forbidden("Only owners and admins write templates");
    UJ_ASSIGN(auto t, get(who, id));
    UJ_ASSIGN(auto ch, channel_of(who.account_id));
    std::string path = ch.channel.business_account_id + "/message_templates?name=" + t.name;
    if (t.meta_id) path += "&hsm_id=" + *t.meta_id;
    auto answer = graph_.call("DELETE", path, ch.access_token, "");
    // Meta no longer knowing it (code 100) is what deleting asks for.
    if (auto* e = std::get_if<wa::GraphError>(&answer); e && e->code != 100)
        return graph_refusal(*e, "id", "WHATSAPP_REFUSED", describe(*e));
    return db_.write(
        [&](db::Connection& c) { return store::delete_template(c, who.account_id, t.id); });
}

Result<bool> WhatsAppTemplates::apply_status(db::Connection& c, const AccountId& account,
                                             const wa::TemplateStatusItem& item, Micros now) {
    UJ_ASSIGN(auto found,
              store::template_of_meta(c, account, item.template_id, item.name, item.language));
    if (!found) return false;
    const std::string status = status_word(item.event);
    if (status.empty()) return false;
    found->status = status;
    if (!item.reason.empty() && item.reason != "NONE")
        found->reason = item.reason.substr(0, 500);
    else if (status == "APPROVED")
        found->reason.reset();
    if (!found->meta_id && !item.template_id.empty()) found->meta_id = item.template_id;
    found->updated_at = now;
    UJ_TRY(store::update_template(c, *found));
    return true;
}

}  // namespace ujumbe::conversations
