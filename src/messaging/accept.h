#pragma once
// The one way messages enter the pipeline, in named steps:
//   check     each request: number, body, sender id, then consent;
//   price     the checked messages, from the account's cards (read once);
//   accept    daily caps, charge, insert, enqueue and first event, in one
//             commit of the group-commit writer;
//   hand over the committed messages to this node's dispatcher, their queue
//             rows already leased to it (or wake any node's dispatcher).
// POST /messages and POST /messages/bulk come through here, as will the SMPP
// server and campaigns. A request refused by a check gets its own error
// (the field it names, its code) and the others go on; a failure of price or
// accept fails the whole call and stores nothing.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "contacts/service.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/principal.h"
#include "core/result.h"
#include "db/database.h"
#include "identity/service.h"
#include "messaging/committer.h"
#include "messaging/model.h"
#include "messaging/ports.h"

namespace ujumbe::messaging {

struct AcceptOptions {
    // Sender id of messages that name none; needs no approval.
    std::string default_sender_id = "Ujumbe";
    std::size_t max_body_chars = 1600;
};

// One request's outcome, in request order.
struct SendOutcome {
    std::string to;  // as given
    std::optional<Message> message;
    // Why it was refused: names the field ("to", "body", "sender_id") and
    // carries its own code (INVALID_NUMBER, RECIPIENT_OPTED_OUT, ...).
    std::optional<Error> error;
};

struct BulkResult {
    std::vector<SendOutcome> outcomes;  // in request order
    std::int64_t accepted = 0;
    std::int64_t rejected = 0;
};

// What a caller of the accept path writes with the messages, in the same
// commit (the SMPP server: which submits asked for receipts). Gets the
// messages and, for each, the index of the request it came from.
using AlsoInCommit = std::function<Status(db::Connection&, const std::vector<Message>&,
                                          const std::vector<std::size_t>&)>;

class AcceptPath {
public:
    AcceptPath(db::Database& db, Clock& clock, identity::IdentityService& identity,
               contacts::ContactsService& contacts, Committer& committer, AcceptOptions options,
               MessagingPorts ports);

    // Every step for `requests` sent by `who`. Daily caps apply to the whole
    // call (all or none).
    Result<BulkResult> run(const Principal& who, const std::vector<SendRequest>& requests,
                           const AlsoInCommit& also = {});

private:
    struct Batch;
    Status check(db::Connection& c, Batch& b, const std::vector<SendRequest>& requests);
    // Refuses request `i` in its outcome, or adds its message to the batch.
    Status check_one(db::Connection& c, Batch& b, std::size_t i, const SendRequest& r);
    // The checks of each channel: fill `m` or refuse the request in
    // `outcome` (false).
    Result<bool> check_sms(db::Connection& c, Batch& b, const SendRequest& r,
                           const std::string& country, Message& m, SendOutcome& outcome);
    Result<bool> check_other_channel(db::Connection& c, const SendRequest& r, Message& m,
                                     SendOutcome& outcome);
    Status check_consent(db::Connection& c, Batch& b);
    Status price(Batch& b);
    Status accept(Batch& b, const AlsoInCommit& also);
    // Calls waiting for a commit share one: caps and charge per call, then
    // every call's rows in a few multi-row statements.
    struct Waiting;
    // A call of at most this many messages (a single send, a small bulk) is
    // prompt: it does not wait in one transaction with a campaign's batch or
    // a large bulk request.
    static constexpr std::size_t kPromptCallMessages = 8;
    enum class Take {
        kPromptFirst,  // when small and large calls wait, the small ones only
        kAll,
    };
    // Posts one commit operation to the committer.
    void post_commit(Take take);
    // The calls this operation commits; the next to arrive posts a new one
    // unless some were left, for which it posts one itself.
    std::vector<Waiting*> take_waiting(Take take);
    Status commit_together(db::Connection& c, std::vector<Waiting*>& calls);
    Status caps_and_charge(db::Connection& c, Batch& b);
    void hand_over(Batch& b);

    db::Database& db_;
    Clock& clock_;
    identity::IdentityService& identity_;
    contacts::ContactsService& contacts_;
    Committer& committer_;
    AcceptOptions options_;
    MessagingPorts ports_;

    metrics::CounterFamily& accepted_;  // by channel (docs/metrics.md)

    std::mutex waiting_mutex_;
    std::vector<Waiting*> waiting_;  // for the commit operation posted
    bool posted_ = false;            // one is posted and has not taken them yet
};

}  // namespace ujumbe::messaging
