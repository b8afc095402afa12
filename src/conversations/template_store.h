#pragma once
// SQL of WhatsApp message templates, always within one account.

#include <optional>
#include <string>

#include "conversations/model.h"
#include "db/connection.h"
#include "db/store_support.h"

namespace ujumbe::conversations::store {

using db::Connection;

Status insert_template(Connection& c, const WhatsAppTemplate& t);
// Every field but the ids, the account and the creation.
Status update_template(Connection& c, const WhatsAppTemplate& t);
Status delete_template(Connection& c, const AccountId& account, const WhatsAppTemplateId& id);
Result<std::optional<WhatsAppTemplate>> find_template(Connection& c, const AccountId& account,
                                                      const WhatsAppTemplateId& id);
Result<std::optional<WhatsAppTemplate>> template_named(Connection& c, const AccountId& account,
                                                       const std::string& name,
                                                       const std::string& language);
// By Meta's id, else by name and language: what a status webhook names.
Result<std::optional<WhatsAppTemplate>> template_of_meta(Connection& c, const AccountId& account,
                                                         const std::string& meta_id,
                                                         const std::string& name,
                                                         const std::string& language);
Result<db::Listing<WhatsAppTemplate>> list_templates(Connection& c, const AccountId& account,
                                                     const TemplateQuery& q, const db::Paged& page);

}  // namespace ujumbe::conversations::store
