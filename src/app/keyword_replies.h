#pragma once
// The confirmation of a consent keyword (contacts/keywords.h), sent back to
// the customer on the channel the keyword came on, through the accept path
// like any message (priced and charged; transactional, so the opt-out it
// confirms does not refuse it). Queued once the inbound message's
// transaction has committed and sent from a thread of its own: the
// transaction never waits for a send, and a keyword that did not commit
// gets no reply. At most once: replies queued when the server stops are
// not sent.

#include <deque>
#include <mutex>
#include <string>

#include "core/ids.h"
#include "core/polling_thread.h"
#include "messaging/service.h"

namespace ujumbe::app {

struct KeywordReply {
    AccountId account_id;
    std::string to, channel, body;
};

class KeywordReplies {
public:
    static constexpr std::size_t kMaxWaiting = 10000;

    explicit KeywordReplies(messaging::MessagingService& messaging);
    ~KeywordReplies();

    void start();
    void stop();
    // Queues a reply (any thread); dropped, and logged, past kMaxWaiting.
    void post(KeywordReply reply);
    // Sends every reply waiting; how many were sent. (The thread's round.)
    int run();

private:
    messaging::MessagingService& messaging_;
    std::mutex mutex_;
    std::deque<KeywordReply> waiting_;
    PollingThread thread_;
};

}  // namespace ujumbe::app
