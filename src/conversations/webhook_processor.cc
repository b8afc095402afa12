#include "conversations/webhook_processor.h"

#include <map>

#include <nlohmann/json.hpp>

#include "channels/whatsapp_cloud/webhook_payload.h"
#include "conversations/store.h"
#include "conversations/whatsapp_templates.h"
#include "core/json.h"
#include "core/log.h"
#include "core/validate.h"
#include "media/service.h"

namespace ujumbe::conversations {

namespace {

using json = nlohmann::json;
namespace wa = channels::whatsapp;

// What one delivery held, as its outcome says.
struct Tally {
    int messages = 0, statuses = 0, templates = 0, duplicates = 0, unknown_number = 0, media = 0;
    int unknown_templates = 0;
    std::int64_t skipped = 0;
    json to_json() const {
        return {{"messages", messages},
                {"statuses", statuses},
                {"templates", templates},
                {"duplicates", duplicates},
                {"unknown_number", unknown_number},
                {"unknown_templates", unknown_templates},
                {"media", media},
                {"skipped", skipped}};
    }
};

// Meta's time of an item, never later than now (a clock ahead of ours).
Micros when(std::int64_t seconds, Micros now) {
    if (seconds <= 0 || seconds > now / kMicrosPerSecond) return now;
    return seconds * kMicrosPerSecond;
}

// A status of a message sent, as a receipt of its one part: sent is a
// receipt on the way (the message stays sent), delivered and read reach the
// person, failed ends it with Meta's code.
channels::ReceiptReport receipt_of(const WhatsAppChannel& ch, const wa::StatusItem& st) {
    channels::ReceiptReport r;
    r.gateway_id = GatewayId{ch.id.value};
    r.provider_id = r.provider_key = st.wamid;
    r.stat = st.status;
    if (st.status == "delivered" || st.status == "read") {
        r.status = st.status;
    } else if (st.status == "failed") {
        r.status = "undelivered";
        r.error_code = st.error_code ? "WHATSAPP_" + std::to_string(*st.error_code)
                                     : std::string("WHATSAPP_FAILED");
    } else {
        r.status = "submitted";  // sent, and what Meta adds (played, ...)
    }
    if (st.timestamp > 0) r.done_date = std::to_string(st.timestamp);
    return r;
}

Status process(db::Connection& c, const WhatsAppChannel& ch, const std::string& body,
               MessageSink* sink, Micros now, Tally& t) {
    JsonParseProblem problem;
    const auto items = wa::read_webhook(parse_json_bounded(body, problem));
    t.skipped = items.skipped;
    for (const auto& in : items.inbound) {
        if (in.phone_number_id != ch.phone_number_id) {
            ++t.unknown_number;
            continue;
        }
        UJ_ASSIGN(bool fresh, store::mark_seen(c, ch.id, in.wamid, "message", std::nullopt, now));
        if (!fresh) {
            ++t.duplicates;
            continue;
        }
        ++t.messages;
        channels::InboundReport report;
        report.gateway_id = GatewayId{ch.id.value};
        report.from = in.from;
        report.to = e164_of_display(ch.display_phone_number);
        report.text = in.text;
        report.channel = "whatsapp";
        report.account_id = ch.account_id;
        report.provider_id = in.wamid;
        report.content_type = in.type;
        // Meta's media ids are numbers; anything else is not asked for.
        if (!in.media_id.empty() && in.media_id.size() <= 64 && all_digits(in.media_id)) {
            UJ_ASSIGN(auto expected,
                      media::MediaService::expect_download(c,
                                                           {.account_id = ch.account_id,
                                                            .channel_id = ch.id.value,
                                                            .source_id = in.media_id,
                                                            .mime_type = in.mime_type,
                                                            .filename = in.filename},
                                                           now));
            report.media_id = expected.id.value;
            ++t.media;
        }
        if (sink) UJ_TRY(sink->inbound(c, report));
        UJ_TRY(store::note_inbound(c, ch.id, in.from, when(in.timestamp, now)));
    }
    for (const auto& st : items.statuses) {
        if (st.phone_number_id != ch.phone_number_id) {
            ++t.unknown_number;
            continue;
        }
        UJ_ASSIGN(bool fresh, store::mark_seen(c, ch.id, st.wamid, st.status, std::nullopt, now));
        if (!fresh) {
            ++t.duplicates;
            continue;
        }
        ++t.statuses;
        if (sink) UJ_TRY(sink->receipt(c, receipt_of(ch, st)));
    }
    for (const auto& item : items.templates) {
        UJ_ASSIGN(bool known, WhatsAppTemplates::apply_status(c, ch.account_id, item, now));
        ++(known ? t.templates : t.unknown_templates);
    }
    return {};
}

}  // namespace

WebhookProcessor::WebhookProcessor(db::Database& db, Clock& clock, MessageSink* sink,
                                   std::function<void()> media_waiting, ProcessorOptions options)
    : db_(db),
      clock_(clock),
      sink_(sink),
      media_waiting_(std::move(media_waiting)),
      options_(options) {}

WebhookProcessor::~WebhookProcessor() {
    stop();
}

void WebhookProcessor::start() {
    thread_.start("wa-webhooks", options_.poll, std::chrono::milliseconds(5), [this] {
        auto r = run();
        if (!r) log::warn("whatsapp webhook processing failed", {{"error", r.error().message}});
        if (clock_.now() - purged_at_ < options_.purge_every) return;
        purged_at_ = clock_.now();
        if (auto p = purge(); !p)
            log::warn("whatsapp webhook purge failed", {{"error", p.error().message}});
    });
}

void WebhookProcessor::stop() {
    thread_.stop();
}

void WebhookProcessor::wake() {
    thread_.wake();
}

Result<int> WebhookProcessor::run() {
    int total = 0;
    for (;;) {
        UJ_ASSIGN(int n, run_batch());
        total += n;
        if (n < options_.batch || thread_.stopping()) {
            // The fetcher looks for received media (cheaply, when none came).
            if (total > 0 && media_waiting_) media_waiting_();
            return total;
        }
    }
}

Result<std::int64_t> WebhookProcessor::purge() {
    const Micros now = clock_.now();
    std::int64_t total = 0;
    for (bool more = true; more && !thread_.stopping();) {
        UJ_ASSIGN(auto n, db_.write([&](db::Connection& c) -> Result<std::int64_t> {
            UJ_ASSIGN(auto events, store::purge_webhook_events(c, now - options_.keep_events,
                                                               options_.purge_batch));
            UJ_ASSIGN(auto seen,
                      store::purge_seen(c, now - options_.keep_seen, options_.purge_batch));
            more = events == options_.purge_batch || seen == options_.purge_batch;
            return events + seen;
        }));
        total += n;
    }
    return total;
}

Result<int> WebhookProcessor::run_batch() {
    return db_.write([&](db::Connection& c) -> Result<int> {
        UJ_ASSIGN(auto events, store::claim_webhook_events(c, options_.batch));
        const Micros now = clock_.now();
        // Each channel read once a batch: unset until read, then found or not.
        std::map<std::string, std::optional<std::optional<store::StoredChannel>>> channels;
        for (const auto& e : events) {
            auto& ch = channels[e.channel_id.value];
            if (!ch) {
                UJ_ASSIGN(auto found, store::channel_by_id(c, e.channel_id));
                ch = std::move(found);
            }
            Tally t;
            json outcome;
            if (!*ch) {
                outcome = {{"error", "the channel no longer exists"}};
            } else {
                // One delivery's writes stand or fall together; a delivery
                // that cannot be processed is marked so and does not hold
                // up the ones after it.
                UJ_TRY(c.execute("SAVEPOINT delivery"));
                Status done = process(c, (*ch)->channel, e.body, sink_, now, t);
                if (!done && is_database_fault(done.error())) return done.error();
                if (!done) {
                    UJ_TRY(c.execute("ROLLBACK TO SAVEPOINT delivery"));
                    outcome = {{"error", done.error().message}};
                } else {
                    outcome = t.to_json();
                }
                UJ_TRY(c.execute("RELEASE SAVEPOINT delivery"));
            }
            if (t.unknown_number > 0)
                log::warn("whatsapp webhook names a number that is not its channel's",
                          {{"event_id", e.id.value}, {"channel_id", e.channel_id.value}});
            UJ_TRY(store::finish_webhook_event(c, e.id, outcome.dump(), now));
        }
        return static_cast<int>(events.size());
    });
}

}  // namespace ujumbe::conversations
