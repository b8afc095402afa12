#pragma once
// Sends that name a template (`template_id` in POST /messages and bulk):
// the template's text, and a mail's subject and HTML, rendered for each
// recipient with its contact's values and the request's `variables`.

#include "contacts/service.h"
#include "messaging/ports.h"

namespace ujumbe::campaigns {

class SendTemplates final : public messaging::SendTemplates {
public:
    explicit SendTemplates(contacts::ContactsService& contacts) : contacts_(contacts) {}
    std::unique_ptr<Use> begin(const AccountId& account) override;

private:
    contacts::ContactsService& contacts_;
};

}  // namespace ujumbe::campaigns
