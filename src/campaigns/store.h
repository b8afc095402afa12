#pragma once
// SQL of templates, campaigns and their recipients; the only place their
// tables appear. Every query of an account's objects takes its id.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "campaigns/model.h"
#include "campaigns/schedule.h"
#include "core/result.h"
#include "db/connection.h"
#include "db/store_support.h"

namespace ujumbe::campaigns::store {

using db::Connection;

// Campaigns by status (scheduled, running, paused) with the recipients of
// those running and how many of them were processed: every account's
// (metrics) or one account's (analytics).
struct Progress {
    std::map<std::string, std::int64_t> by_status;
    std::int64_t running_recipients = 0, running_processed = 0;
};
Result<Progress> progress(Connection& c, const std::optional<AccountId>& account = std::nullopt);

// ---- templates
Status insert_template(Connection& c, const Template& t);
Status update_template(Connection& c, const Template& t);
Status delete_template(Connection& c, const AccountId& account, const TemplateId& id);
Result<std::optional<Template>> find_template(Connection& c, const AccountId& account,
                                              const TemplateId& id);
Result<db::Listing<Template>> list_templates(Connection& c, const AccountId& account,
                                             const std::optional<std::string>& search,
                                             db::Paged page);
// Campaigns not final that use the template.
Result<std::int64_t> count_template_uses(Connection& c, const AccountId& account,
                                         const TemplateId& id);

// ---- the account's opt-out footer
Result<std::optional<std::string>> opt_out_footer(Connection& c, const AccountId& account);
Status set_opt_out_footer(Connection& c, const AccountId& account,
                          const std::optional<std::string>& footer, Micros now);

// ---- the account's quiet hours
Result<std::optional<QuietHours>> quiet_hours(Connection& c, const AccountId& account);
Status set_quiet_hours(Connection& c, const AccountId& account,
                       const std::optional<QuietHours>& quiet, Micros now);

// ---- campaigns
struct CampaignQuery {
    std::optional<CampaignStatus> status;
    std::optional<std::string> type, search;
    std::optional<CampaignId> parent_id;  // a recurring campaign's runs
    std::string ordering = "-created_at";
};

Status insert_campaign(Connection& c, const Campaign& k);
// Writes what people change (its fields, and when it is scheduled for) if
// the stored status is still `expected`; false when it moved on.
Result<bool> save_campaign(Connection& c, const Campaign& k, CampaignStatus expected);
Status delete_campaign(Connection& c, const AccountId& account, const CampaignId& id);
Result<std::optional<Campaign>> find_campaign(Connection& c, const AccountId& account,
                                              const CampaignId& id);
Result<db::Listing<Campaign>> list_campaigns(Connection& c, const AccountId& account,
                                             const CampaignQuery& q, db::Paged page);

// ---- the runner (every account's campaigns)
// Scheduled campaigns whose time has come.
Result<std::vector<Campaign>> due_campaigns(Connection& c, Micros now, int limit);
// Recurring campaigns whose next run is due.
Result<std::vector<Campaign>> due_runs(Connection& c, Micros now, int limit);
// Moves a recurring campaign's next run from `from` to `to` (none: no more);
// false when another node moved it first.
Result<bool> advance_run(Connection& c, const CampaignId& id, Micros from,
                         std::optional<Micros> to);
// Running campaigns, and paused ones waiting for their wallet.
Result<std::vector<Campaign>> working_campaigns(Connection& c, int limit);
// Campaigns whose counts may still change: running, paused, or final for
// less than `settle` (receipts still arrive).
Result<std::vector<Campaign>> counted_campaigns(Connection& c, Micros now, Micros settle);
// Takes or keeps the campaign for `node` until `until`; false when another
// node holds it.
Result<bool> lease_campaign(Connection& c, const CampaignId& id, const std::string& node,
                            Micros now, Micros until);
// Moves the status from `expected` (with the times, reason, sender, next
// run and scheduled time given).
Result<bool> set_status(Connection& c, const Campaign& k, CampaignStatus expected);

// ---- recipients
Status clear_recipients(Connection& c, const CampaignId& id);
Status insert_recipients(Connection& c, const CampaignId& id, const std::vector<Recipient>& rows);
// The list is written: phase sending, with its total and exclusions.
Status finish_expansion(Connection& c, const Campaign& k);
Status begin_expansion(Connection& c, const CampaignId& id, Micros now);
// Recipients written so far, for progress.
Status set_expanded(Connection& c, const CampaignId& id, std::int64_t total);
Result<std::vector<Recipient>> recipients_from(Connection& c, const CampaignId& id,
                                               std::int64_t from_seq, int limit);
// What a batch did, written in the accept path's commit: recipients taken
// and skipped, the campaign's cursor moved from `from_seq` to `to_seq` and
// its counts. False (nothing written) when the cursor was not at
// `from_seq`: another node took the batch.
struct BatchDone {
    std::vector<std::pair<std::int64_t, MessageId>> accepted;  // seq, message
    std::vector<std::int64_t> skipped;
    std::int64_t from_seq = 0, to_seq = 0;
    std::int64_t charged = 0;
};
Result<bool> record_batch(Connection& c, const CampaignId& id, const BatchDone& done, Micros now);
// ---- mixed campaigns: SMS owed where WhatsApp refused or failed
// Queues the recipients `seqs` of a campaign (each once).
Status queue_fallbacks(Connection& c, const CampaignId& id, const std::vector<std::int64_t>& seqs,
                       const std::string& reason, Micros now);
// Queues the recipients of mixed campaigns whose WhatsApp message is one of
// `messages` and that are owed nothing yet (`reason`: the final status).
Status queue_failed_fallbacks(Connection& c, const std::vector<MessageId>& messages,
                              const std::string& reason, Micros now);
struct Fallback {
    CampaignId campaign_id;
    std::int64_t seq = 0;
    ContactId contact_id;
    std::string phone, reason;
};
// The oldest queued, in any campaign but those in `skip`.
Result<std::vector<Fallback>> due_fallbacks(Connection& c, int limit,
                                            const std::vector<CampaignId>& skip);
// Takes `seqs` off the queue and notes the SMS sent to each of `sent`;
// false (nothing written) when another node took them first.
Result<bool> finish_fallbacks(Connection& c, const CampaignId& id,
                              const std::vector<std::int64_t>& seqs,
                              const std::vector<std::pair<std::int64_t, MessageId>>& sent);
Result<std::optional<Campaign>> campaign_by_id(Connection& c, const CampaignId& id);

// PostgreSQL: statistics of the recipient lists taken again. A list of
// a million written since the last ANALYZE looks like a few hundred rows to
// the planner, which then reads every row of the campaign to update 128.
Status refresh_statistics(Connection& c);
// Why skipped recipients were refused, once known.
Status set_reasons(Connection& c, const CampaignId& id,
                   const std::vector<std::pair<std::int64_t, std::string>>& reasons);
// The counts of the campaign's messages.
struct Counts {
    std::int64_t sent = 0, delivered = 0, read = 0, failed = 0, refunded = 0;
};
Status set_counts(Connection& c, const CampaignId& id, const Counts& counts, Micros now);
struct RecipientQuery {
    std::optional<std::string> status;  // recipient_status
    std::optional<std::string> phone;
};
Result<db::Listing<Recipient>> list_recipients(Connection& c, const CampaignId& id,
                                               const RecipientQuery& q, db::Paged page);
// Keyset pages for the export, in seq order.
Result<std::vector<Recipient>> export_recipients(Connection& c, const CampaignId& id,
                                                 const RecipientQuery& q, std::int64_t after_seq,
                                                 int limit);

}  // namespace ujumbe::campaigns::store
