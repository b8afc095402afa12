#pragma once
// Runs campaigns in the background, on a thread of its own (decision
// 0031). Each round:
//   - starts scheduled campaigns whose time has come, and a run of each
//     recurring campaign whose occurrence has come;
//   - expands a started campaign's recipients into its frozen list, in
//     pages (a crash mid-way starts the list again: nothing was sent yet);
//   - sends the next recipients of each running campaign through the one
//     accept path, a batch at a time, within its throttle and while few of
//     its messages wait for a gateway (so the account's other sends never
//     queue behind it). Each batch marks its recipients and moves the
//     campaign's cursor in the commit that inserts their messages: after a
//     crash no recipient is sent twice and none is skipped;
//   - holds messages to recipients inside the account's quiet hours (in the
//     time zone of the number's country) until those hours end: they are
//     accepted as scheduled messages;
//   - pauses a campaign the wallet cannot pay for (INSUFFICIENT_BALANCE),
//     tries it again every retry interval and fails it after balance_wait;
//   - sends mixed campaigns' SMS to the recipients WhatsApp refused or
//     failed (queued durably where that was learnt), once each;
//   - counts each campaign's messages by status;
//   - renews the plan periods that ended (billing/renewals.h).
// On PostgreSQL a campaign is worked by one node at a time (a lease).

#include <map>
#include <string>

#include "billing/renewals.h"
#include "billing/service.h"
#include "campaigns/model.h"
#include "contacts/service.h"
#include "core/clock.h"
#include "core/polling_thread.h"
#include "core/result.h"
#include "db/database.h"
#include "messaging/service.h"

namespace ujumbe::campaigns {

struct RunnerOptions {
    std::string node_id = "node";
    int batch = 500;         // recipients per accept call
    int expand_page = 5000;  // recipients written per transaction
    // A campaign's messages waiting for a gateway at most.
    std::int64_t waiting = 1000;
    // Messages per second of all of an account's campaigns on this node
    // (0: no limit beyond each campaign's throttle).
    std::int64_t account_per_second = 0;
    Micros poll = 250 * 1000;
    Micros lease = 60 * kMicrosPerSecond;
    Micros retry = 15 * kMicrosPerSecond;                // a paused campaign's next try
    Micros balance_wait = 24 * 3600 * kMicrosPerSecond;  // then it fails
    Micros count_every = 2 * kMicrosPerSecond;
    Micros renew_every = 5 * kMicrosPerSecond;         // plan renewals looked for
    Micros settle = 3 * 24 * 3600 * kMicrosPerSecond;  // final: counted this long
};

class Runner {
public:
    Runner(db::Database& db, Clock& clock, contacts::ContactsService& contacts,
           messaging::MessagingService& messaging, billing::BillingService* billing,
           RunnerOptions options, billing::PlanRenewals* renewals = nullptr);
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    void start();
    // Finishes the batch in progress; idempotent.
    void stop() { loop_.stop(); }
    void wake() { loop_.wake(); }

    // One round, for tests (the thread not started).
    void round();

private:
    Status start_due();
    // A run of each recurring campaign whose occurrence has come, started
    // by one node only (the next occurrence moves in the same commit).
    Status start_runs();
    // What a campaign needs next: another batch now, another round soon
    // (its messages wait for the gateways), or nothing before the next
    // poll (throttled, paused, done).
    enum class Next { kNow, kSoon, kLater };
    // Expands or sends for one time slice.
    Result<Next> work(Campaign& k);
    Status expand(Campaign& k);
    Result<Next> send_batch(Campaign& k);
    // Sends the SMS mixed campaigns owe (WhatsApp refused or failed the
    // recipient), a batch per campaign, each marked in the commit of its
    // messages; true when more wait.
    Result<bool> send_fallbacks();
    Status count();
    // The campaign stops with `reason`: paused (it will be tried again) or
    // failed.
    Status halt(Campaign& k, CampaignStatus to, const std::string& reason);
    Status complete(Campaign& k);

    // Throttle: messages a campaign may still send this second, within
    // its own rate and its account's; spend() takes them.
    struct Bucket {
        Micros second = 0;
        std::int64_t used = 0;
    };
    std::int64_t allowance(const Campaign& k);
    void spend(const Campaign& k, std::int64_t sent);

    db::Database& db_;
    Clock& clock_;
    contacts::ContactsService& contacts_;
    messaging::MessagingService& messaging_;
    billing::BillingService* billing_;
    RunnerOptions options_;
    billing::PlanRenewals* renewals_;
    Micros renewed_at_ = 0;
    std::map<std::string, Bucket> buckets_;
    std::map<std::string, Micros> tried_;           // paused campaigns: last try
    std::map<std::string, Micros> fallback_waits_;  // unsent SMS fallbacks: next try
    std::map<std::string, Micros> leased_until_;    // this node's leases
    // The time zone of each number prefix met ("" when unknown).
    std::map<std::string, std::string> zones_;
    const std::string& zone_of_number(const std::string& e164);
    Micros counted_at_ = 0;
    PollingThread loop_;  // last: it stops before what its rounds use goes
};

}  // namespace ujumbe::campaigns
