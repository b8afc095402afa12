#pragma once
// The rules of templates and campaigns (SPEC.md 3.5, seed 001): checked
// input, recipients and cost estimated from the account's contacts and
// rate cards, and the state machine of lifecycle.h. Sending is the
// runner's (campaigns/runner.h). Every call acts on the caller's active
// account only.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "billing/service.h"
#include "campaigns/lifecycle.h"
#include "campaigns/model.h"
#include "campaigns/store.h"
#include "campaigns/template_text.h"
#include "contacts/service.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "identity/service.h"
#include "messaging/service.h"

namespace ujumbe::campaigns {

struct TemplateInput {
    std::optional<std::string> name, description, body;
    std::optional<std::string> channel;  // sms | email; at creation only
    std::optional<std::string> subject;
    std::optional<std::optional<std::string>> html;  // null clears it
};

// The longest text body of a template of each channel.
inline constexpr std::size_t kMaxSmsTemplateChars = 1600;
inline constexpr std::size_t kMaxEmailTemplateBytes = 100'000;

// A text rendered for one contact (or with the defaults alone).
struct Preview {
    std::string text;
    std::string encoding;
    int segments = 1;
    std::int64_t characters = 0;
    std::vector<std::string> variables;  // every placeholder's variable
    // Email templates: the rendered subject and HTML part (empty when none).
    std::optional<std::string> subject, html;
};

// Fields of POST/PUT /campaigns as given (the routes read their types).
struct CampaignInput {
    std::optional<std::string> name, description, campaign_type;
    std::optional<std::optional<std::string>> message_text, sender_id;
    std::optional<std::optional<TemplateId>> template_id;
    std::optional<nlohmann::json> whatsapp_template;  // null clears it
    std::optional<std::optional<Micros>> scheduled_at;
    std::optional<std::vector<ContactId>> contact_ids;
    std::optional<std::vector<SegmentId>> segment_ids;
    std::optional<nlohmann::json> criteria, settings, recurring_schedule;
    std::optional<bool> is_recurring;
};

// What a campaign would reach and cost now.
struct Estimated {
    std::int64_t total_recipients = 0;
    MoneySum estimated_cost = 0;
    std::string currency;
    Exclusions exclusions;
    // Recipients whose text misses a variable: skipped when sent.
    std::int64_t missing_variables = 0;
    std::vector<std::string> segment_names;
    std::vector<std::string> explanations() const;
};

struct CampaignView {
    Campaign campaign;
    std::vector<std::string> segment_names;
    std::optional<std::string> template_name;
};

struct Created {
    CampaignView view;
    Estimated estimate;
};

class CampaignService {
public:
    CampaignService(db::Database& db, Clock& clock, identity::IdentityService& identity,
                    contacts::ContactsService& contacts, messaging::MessagingService& messaging,
                    billing::BillingService* billing, std::function<void()> wake_runner);

    // ---- templates
    Result<Template> create_template(const Principal& who, const TemplateInput& in);
    Result<Template> get_template(const Principal& who, const TemplateId& id);
    Result<db::Listing<Template>> list_templates(const Principal& who,
                                                 const std::optional<std::string>& search,
                                                 db::Paged page);
    Result<Template> update_template(const Principal& who, const TemplateId& id,
                                     const TemplateInput& in);
    // 409 TEMPLATE_IN_USE while a campaign not final uses it.
    Status delete_template(const Principal& who, const TemplateId& id);
    // A template's body (or `body`, unsaved) for a contact, with the
    // account's footer: 400 naming the missing variable.
    Result<Preview> preview(const Principal& who, const std::optional<TemplateId>& id,
                            const std::optional<std::string>& body,
                            const std::optional<ContactId>& contact_id);

    Result<std::optional<std::string>> opt_out_footer(const Principal& who);
    Result<std::optional<std::string>> set_opt_out_footer(const Principal& who,
                                                          const std::optional<std::string>& footer);

    Result<std::optional<QuietHours>> quiet_hours(const Principal& who);
    // Owners and admins; 400 naming start or end unless both are HH:MM.
    Result<std::optional<QuietHours>> set_quiet_hours(const Principal& who,
                                                      const std::optional<QuietHours>& quiet);

    // ---- campaigns
    Result<Estimated> dry_run(const Principal& who, const CampaignInput& in);
    Result<Created> create(const Principal& who, const CampaignInput& in);
    Result<CampaignView> get(const Principal& who, const CampaignId& id);
    Result<db::Listing<CampaignView>> list(const Principal& who, const store::CampaignQuery& q,
                                           db::Paged page);
    Result<CampaignView> update(const Principal& who, const CampaignId& id,
                                const CampaignInput& in);
    Status remove(const Principal& who, const CampaignId& id);
    // schedule, start, pause, resume or cancel; 409 INVALID_STATUS when the
    // status does not allow it.
    Result<CampaignView> act(const Principal& who, const CampaignId& id, Action action);

    // Delivery over time, by error code and by country, with the campaign.
    Result<std::pair<CampaignView, messaging::CampaignReport>> report(const Principal& who,
                                                                      const CampaignId& id);

    Result<db::Listing<RecipientView>> recipients(const Principal& who, const CampaignId& id,
                                                  const store::RecipientQuery& q, db::Paged page);
    // One keyset page of the recipients export.
    Result<std::vector<RecipientView>> export_recipients(const Principal& who, const CampaignId& id,
                                                         const store::RecipientQuery& q,
                                                         std::int64_t after_seq, int limit);

    // Every account's campaigns in progress (for /metrics; no caller checks).
    Result<store::Progress> progress();
    // The caller's account's campaigns in progress (analytics).
    Result<store::Progress> progress(const Principal& who);

private:
    Result<Campaign> find(db::Connection& c, const Principal& who, const CampaignId& id);
    // Applies `in` to `k`, checking every field (400 naming each).
    Status apply_input(db::Connection& c, const Principal& who, Campaign& k,
                       const CampaignInput& in, bool creating);
    Result<Estimated> estimate(const Principal& who, const Campaign& k);
    Result<CampaignView> view_of(const Principal& who, Campaign k);
    Result<std::vector<RecipientView>> with_messages(const Principal& who,
                                                     std::vector<Recipient> rows);

    db::Database& db_;
    Clock& clock_;
    identity::IdentityService& identity_;
    contacts::ContactsService& contacts_;
    messaging::MessagingService& messaging_;
    billing::BillingService* billing_;
    std::function<void()> wake_runner_;
};

// When a campaign being scheduled starts: a recurring one's first run
// (next_run_at), else scheduled_at if still ahead, else the next
// settings.send_time in settings.timezone (scheduled_at). 400 naming
// scheduled_at when nothing says when.
Status plan_schedule(Campaign& k, Micros now);

// The text a campaign sends: its message_text, or its template's body.
// Messages that ended `status`: a mixed campaign's WhatsApp message that
// failed (rejected, undelivered, failed, expired) makes its recipient owed
// the SMS, queued in the caller's transaction for the runner to send.
Status owe_fallbacks(db::Connection& c, const std::vector<MessageId>& ids,
                     const std::string& status, Micros now);

Result<TemplateText> campaign_text(db::Connection& c, const Campaign& k);

}  // namespace ujumbe::campaigns
