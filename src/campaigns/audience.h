#pragma once
// Who a campaign reaches: the union of its contact ids, segments and
// criteria, each contact once. A contact is left out, and counted by
// reason, when it was already taken from an earlier source (duplicates),
// is unknown or deleted (not_found), has no phone number
// (invalid_numbers) or, for mail, no email address (no_email), is inactive
// (inactive) or has not opted in (opted_out; for mail also opted out of
// email alone). Phone numbers and email addresses are unique among an
// account's live contacts, so one contact per address follows.

#include <functional>
#include <string>
#include <vector>

#include "campaigns/model.h"
#include "campaigns/template_text.h"
#include "contacts/service.h"
#include "core/principal.h"
#include "core/result.h"

namespace ujumbe::campaigns {

// One contact a campaign sends to.
struct Candidate {
    ContactId contact_id;
    std::string address;  // E.164, or for mail the email address
    TemplateValues values;
};

// What a contact fills a template's placeholders with.
TemplateValues values_of(contacts::Contact contact);

// The targets checked, each source as a contact query.
struct Audience {
    std::vector<ContactId> contact_ids;  // unique, in the order given
    std::int64_t repeated_ids = 0;       // ids given more than once
    std::vector<contacts::ContactQuery> queries;
    std::vector<std::string> segment_names;
};

// 400 naming target_segment_ids (an unknown segment) or
// target_criteria.<key> (rules that do not read, see segment rules).
Result<Audience> resolve_audience(contacts::ContactsService& contacts, const Principal& who,
                                  const Targets& targets);

// Reads the audience's contacts in pages of `page` and hands every eligible
// one to `sink`, a page at a time; counts the rest into `exclusions`.
// `channel` "email" reaches contacts by their email address, every other
// by their phone number.
Status walk_audience(contacts::ContactsService& contacts, const Principal& who,
                     const Audience& audience, int page, Exclusions& exclusions,
                     const std::function<Status(std::vector<Candidate>&)>& sink,
                     const std::string& channel = "sms");

}  // namespace ujumbe::campaigns
