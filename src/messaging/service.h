#pragma once
// Sending and reading messages, and sender ids. Sends go through the accept
// path (messaging/accept.h); the answer goes out only after its commit.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "billing/service.h"
#include "contacts/service.h"
#include "core/clock.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "db/store_support.h"
#include "db/window.h"
#include "identity/service.h"
#include "messaging/accept.h"
#include "messaging/committer.h"
#include "messaging/dispatch.h"
#include "messaging/model.h"
#include "messaging/ports.h"

namespace ujumbe::messaging {

struct MessagingOptions {
    // Sender id of messages that name none; needs no approval.
    std::string default_sender_id = "Ujumbe";
    std::size_t max_bulk = 100'000;
    std::size_t max_body_chars = 1600;
    // callback_url may name private and loopback addresses
    // (UJUMBE_WEBHOOK_ALLOW_PRIVATE).
    bool allow_private_callbacks = false;
};

struct NumberCheck {
    std::string input;
    bool valid = false;
    std::string e164;
    std::string country;
    std::string type;
    std::string problem;
};

// The price of one message before sending it (POST /rates/quote).
struct Quote {
    std::string to, country, encoding;
    int segments = 1;
    std::int64_t price = 0, price_per_segment = 0;
    std::string currency;
};

struct SenderIdInput {
    std::string sender;
    std::string country;
    std::string purpose;
};

class MessagingService {
public:
    MessagingService(db::Database& db, Clock& clock, identity::IdentityService& identity,
                     contacts::ContactsService& contacts, Committer& committer,
                     MessagingOptions options, MessagingPorts ports = {});

    // One message; a refused one is its check's error (a 400 naming the field).
    Result<Message> send(const Principal& who, const SendRequest& request);
    // Many: invalid recipients are reported one by one and the rest sent.
    // Daily caps apply to the whole call (all or none).
    Result<BulkResult> send_bulk(const Principal& who, const std::vector<SendRequest>& requests,
                                 const AlsoInCommit& also = {});

    // Lists, exports and statistics: a search without `from` looks at the
    // last kSearchDays days only.
    static constexpr int kSearchDays = 30;
    Result<db::WindowListing<Message>> list(const Principal& who, const MessageQuery& q,
                                            const db::Window& window);
    // A window of the messages without their count: GET /messages/export
    // pages through a filter with it.
    Result<db::WindowListing<Message>> export_page(const Principal& who, const MessageQuery& q,
                                                   const db::Window& window);
    Result<MessageDetail> get(const Principal& who, const MessageId& id);
    Result<std::vector<Receipt>> receipts(const Principal& who, const MessageId& id);
    Result<MessageStats> stats(const Principal& who, const MessageQuery& q);
    // The caller's message counts of the UTC days [first_day, past_day)
    // from the rollups (days since 1970-01-01), for analytics.
    Result<std::vector<DailyCount>> daily_counts(const Principal& who, std::int64_t first_day,
                                                 std::int64_t past_day);
    // The caller's outbound messages of those days by sending user and channel.
    Result<std::vector<DailyUsage>> daily_usage(const Principal& who, std::int64_t first_day,
                                                std::int64_t past_day);
    // A page of the caller's outbound messages created in [from, until)
    // (store::delivery_rows), for delivery reports.
    Result<std::vector<DeliveryRow>> delivery_rows(
        const Principal& who, Micros from, Micros until,
        const std::optional<std::pair<Micros, MessageId>>& after, int limit);
    // Every account's messages not yet final, by status and age (platform
    // admin only): what an operator watches for stranded messages.
    Result<std::vector<BacklogCount>> backlog(const Principal& who);
    // Every account's due queue (for /metrics; no caller checks).
    Result<QueueDepth> queue_depth();
    // scheduled -> canceled; 409 INVALID_STATUS otherwise.
    Result<Message> cancel(const Principal& who, const MessageId& id);
    // For the events outbox's readers, in their transaction: the messages
    // with these ids, any account's (the reader checks each event's account).
    static Result<std::vector<Message>> messages_for_events(db::Connection& c,
                                                            const std::vector<MessageId>& ids);
    Result<std::vector<NumberCheck>> validate_numbers(const Principal& who,
                                                      const std::vector<std::string>& numbers,
                                                      const std::optional<std::string>& country);

    Result<Quote> quote(const Principal& who, const std::string& to, const std::string& body);

    // ---- sender ids
    Result<SenderIdRecord> register_sender_id(const Principal& who, const SenderIdInput& in);
    // Each entry registered or reported; a failure does not stop the rest.
    Result<std::vector<std::pair<std::optional<SenderIdRecord>, std::optional<Error>>>>
    register_sender_ids(const Principal& who, const std::vector<SenderIdInput>& in);
    // The platform admin sees every account's sender ids (optionally one status).
    Result<db::Listing<SenderIdRecord>> list_sender_ids(const Principal& who,
                                                        const std::optional<std::string>& status,
                                                        const std::optional<std::string>& country,
                                                        const std::optional<std::string>& search,
                                                        db::Paged page);
    Result<SenderIdRecord> get_sender_id(const Principal& who, const SenderIdRecordId& id);
    Status delete_sender_id(const Principal& who, const SenderIdRecordId& id);
    // pending -> approved | rejected, by the platform admin.
    Result<SenderIdRecord> decide_sender_id(const Principal& who, const SenderIdRecordId& id,
                                            bool approve, const std::optional<std::string>& reason);

    // ---- for campaigns
    // The caller's messages among `ids` (others' are left out).
    Result<std::vector<Message>> messages_by_ids(const Principal& who,
                                                 const std::vector<MessageId>& ids);
    // A campaign's messages by status, with what they were charged.
    Result<std::vector<CampaignTally>> campaign_tally(const CampaignId& id);
    Result<CampaignReport> campaign_report(const CampaignId& id);
    // A campaign's messages accepted and not yet handed to a gateway.
    Result<std::int64_t> campaign_waiting(const CampaignId& id);

    const MessagingOptions& options() const { return options_; }

private:
    MessageQuery bounded(MessageQuery q) const;

    db::Database& db_;
    Clock& clock_;
    contacts::ContactsService& contacts_;
    Committer& committer_;
    MessagingOptions options_;
    billing::BillingService* billing_;
    AcceptPath accept_;
};

}  // namespace ujumbe::messaging
