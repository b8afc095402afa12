#include "campaigns/send_templates.h"

#include <map>

#include "campaigns/audience.h"
#include "campaigns/email_template.h"
#include "campaigns/store.h"
#include "campaigns/template_text.h"

namespace ujumbe::campaigns {

namespace {

using json = nlohmann::json;
using Refusal = std::optional<Error>;

// A template as one call uses it: parsed once.
struct Parsed {
    Template stored;
    MailTemplate parts;  // an SMS template's text is parts.text
};

// `variables` over the contact's values: name, phone and email by name,
// `attributes` merged, any other key an attribute.
void apply_variables(const json& variables, TemplateValues& values) {
    if (!values.attributes.is_object()) values.attributes = json::object();
    for (const auto& [key, value] : variables.items()) {
        if (key == "attributes" && value.is_object()) {
            for (const auto& [k, v] : value.items()) values.attributes[k] = v;
        } else if (key == "name" && value.is_string()) {
            values.name = value.get<std::string>();
        } else if (key == "phone" && value.is_string()) {
            values.phone = value.get<std::string>();
        } else if (key == "email" && value.is_string()) {
            values.email = value.get<std::string>();
        } else {
            values.attributes[key] = value;
        }
    }
}

class TemplateUse final : public messaging::SendTemplates::Use {
public:
    TemplateUse(contacts::ContactsService& contacts, AccountId account)
        : contacts_(contacts), account_(std::move(account)) {}

    Result<Refusal> fill(db::Connection& c, const std::string& address,
                         messaging::SendRequest& r) override {
        UJ_ASSIGN(const Parsed* t, parsed(c, *r.template_id));
        if (!t)
            return Refusal(Error::refusal("template_id", "TEMPLATE_NOT_FOUND",
                                          "The account has no template with this id."));
        if (t->stored.channel != r.channel)
            return Refusal(Error::refusal("template_id", "CHANNEL_MISMATCH",
                                          "This is an " + t->stored.channel +
                                              " template; the message's channel is " + r.channel +
                                              "."));
        if (!r.body.empty())
            return Refusal(
                Error::refusal("body", "INVALID_BODY", "Give a body or a template_id, not both."));
        TemplateValues values;
        UJ_ASSIGN(auto contact, contacts_.contact_by_address(c, account_, address));
        if (contact) values = values_of(std::move(*contact));
        (address.find('@') == std::string::npos ? values.phone : values.email) = address;
        apply_variables(r.variables, values);
        auto mail = render_mail(t->parts, values);
        if (mail.missing) {
            Error e = Error::refusal("variables", "MISSING_VARIABLE",
                                     "No value for the variable " + *mail.missing +
                                         " and no default: give it in `variables`.");
            e.details = {{"variable", *mail.missing}};
            return Refusal(std::move(e));
        }
        r.body = std::move(mail.text);
        if (r.channel == "email") {
            // The request's own subject and HTML win over the template's.
            if (!r.content.contains("subject")) r.content["subject"] = std::move(mail.subject);
            if (t->parts.has_html && !r.content.contains("html"))
                r.content["html"] = std::move(mail.html);
        }
        return Refusal{};
    }

private:
    // nullptr: no such template of the account.
    Result<const Parsed*> parsed(db::Connection& c, const TemplateId& id) {
        if (auto it = cache_.find(id.value); it != cache_.end()) return it->second.get();
        UJ_ASSIGN(auto found, store::find_template(c, account_, id));
        std::unique_ptr<Parsed> p;
        if (found) {
            UJ_ASSIGN(auto parts, parse_mail_template(*found));
            p = std::make_unique<Parsed>(Parsed{std::move(*found), std::move(parts)});
        }
        return cache_.emplace(id.value, std::move(p)).first->second.get();
    }

    contacts::ContactsService& contacts_;
    AccountId account_;
    std::map<std::string, std::unique_ptr<Parsed>> cache_;
};

}  // namespace

std::unique_ptr<messaging::SendTemplates::Use> SendTemplates::begin(const AccountId& account) {
    return std::make_unique<TemplateUse>(contacts_, account);
}

}  // namespace ujumbe::campaigns
