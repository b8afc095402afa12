#pragma once
// Messages to customers on CRM events (decision 0041): an account attaches
// one of its SMS templates to an event (order created, completed or
// cancelled; payment processed or failed; issue resolved), and when the
// event happens the template is rendered with the record's fields and sent
// to the customer's number through the accept path like any message
// (priced and charged, consent applied), after the event's transaction has
// committed. Off until attached. A message that cannot be sent (no number,
// opted out, an empty wallet) is logged; the event itself stands.

#include <optional>
#include <string>
#include <vector>

#include "campaigns/service.h"
#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "crm/record.h"
#include "crm/schema.h"
#include "db/database.h"
#include "messaging/service.h"

namespace ujumbe::crm {

struct Notification {
    std::string event;
    TemplateId template_id;
    bool enabled = true;
};

// The events a template can be attached to.
const std::vector<std::string>& notification_events();

class Notifications {
public:
    Notifications(db::Database& db, Clock& clock, messaging::MessagingService& messaging,
                  campaigns::CampaignService& campaigns);

    Result<std::vector<Notification>> list(const Principal& who);
    // Replaces the account's list (owners and admins); each template must
    // be one of the account's.
    Result<std::vector<Notification>> set(const Principal& who,
                                          const std::vector<Notification>& list);

    // `event` happened to `r` (of `e`): its template, if attached, sent to
    // the record's customer. Returns the message sent, if one was.
    std::optional<MessageId> on_event(const Principal& who, const std::string& event,
                                      const Entity& e, const Record& r);

private:
    db::Database& db_;
    Clock& clock_;
    messaging::MessagingService& messaging_;
    campaigns::CampaignService& campaigns_;
};

}  // namespace ujumbe::crm
