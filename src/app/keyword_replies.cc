#include "app/keyword_replies.h"

#include "core/log.h"

namespace ujumbe::app {

KeywordReplies::KeywordReplies(messaging::MessagingService& messaging) : messaging_(messaging) {}

KeywordReplies::~KeywordReplies() {
    stop();
}

void KeywordReplies::start() {
    thread_.start("keyword-replies", kMicrosPerSecond, std::chrono::milliseconds(1),
                  [this] { run(); });
}

void KeywordReplies::stop() {
    thread_.stop();
}

void KeywordReplies::post(KeywordReply reply) {
    {
        std::lock_guard lock(mutex_);
        if (waiting_.size() >= kMaxWaiting) {
            log::warn("keyword reply dropped: too many waiting",
                      {{"account_id", reply.account_id.value}});
            return;
        }
        waiting_.push_back(std::move(reply));
    }
    thread_.wake();
}

int KeywordReplies::run() {
    int sent = 0;
    for (;;) {
        KeywordReply reply;
        {
            std::lock_guard lock(mutex_);
            if (waiting_.empty() || thread_.stopping()) return sent;
            reply = std::move(waiting_.front());
            waiting_.pop_front();
        }
        // The account itself sends it (no user: the system acting for it).
        Principal account;
        account.account_id = reply.account_id;
        account.role = Role::kOwner;
        messaging::SendRequest request;
        request.to = reply.to;
        request.body = reply.body;
        request.channel = reply.channel;
        request.transactional = true;
        auto m = messaging_.send(account, request);
        if (!m) {
            log::warn("keyword reply not sent", {{"account_id", reply.account_id.value},
                                                 {"channel", reply.channel},
                                                 {"error", m.error().error_code}});
            continue;
        }
        ++sent;
    }
}

}  // namespace ujumbe::app
