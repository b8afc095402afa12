// The SMPP client session against the npm `smpp` SMSC simulator: binding,
// the window, pacing, throttling, receipts and MO, a dropped connection, a
// dead peer, a refused bind.

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "channels/smpp/receipt.h"
#include "channels/smpp/session.h"
#include "smsc_process.h"

namespace ujumbe::smpp {
namespace {

using namespace std::chrono_literals;

// Runs the io_context, records what the session reports.
class Harness : public SessionHandler {
public:
    Harness() : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
    ~Harness() override {
        session_.reset();
        work_.reset();
        io_.stop();
        thread_.join();
    }

    void start(SessionOptions options) {
        session_ = Session::create(io_, std::move(options), *this);
        session_->start();
    }
    Session& session() { return *session_; }

    void on_deliver(const ShortMessage& m, Respond respond) override {
        {
            std::lock_guard lock(mutex_);
            delivered_.push_back(m);
            changed_.notify_all();
        }
        respond(status::kOk);
    }
    void on_state(SessionState s, const std::string& detail) override {
        std::lock_guard lock(mutex_);
        states_.push_back(std::string(session_state_name(s)) +
                          (detail.empty() ? "" : ": " + detail));
        changed_.notify_all();
    }

    // Waits (up to 10 s) until pred() holds; pred runs under the lock, so it
    // reads delivered_ and states_ directly.
    template <typename P>
    bool wait(P pred) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 10s, pred);
    }
    bool wait_bound() {
        return wait([&] { return session_ && session_->state() == SessionState::kBound; });
    }

    // Submits `n` messages and waits for every outcome.
    std::vector<SubmitResult> submit_all(int n, const std::string& to = "255712345678") {
        for (int i = 0; i < n; ++i) {
            ShortMessage m;
            m.source_addr_ton = 5;
            m.source_addr = "Ujumbe";
            m.dest_addr_ton = 1;
            m.dest_addr_npi = 1;
            m.destination_addr = to;
            m.registered_delivery = 1;
            m.short_message = "Message " + std::to_string(i);
            session_->submit(m, [this](SubmitResult r) {
                std::lock_guard lock(mutex_);
                results_.push_back(std::move(r));
                changed_.notify_all();
            });
        }
        wait([&] { return results_.size() >= static_cast<std::size_t>(n); });
        std::lock_guard lock(mutex_);
        auto out = std::move(results_);
        results_.clear();
        return out;
    }

    std::vector<ShortMessage> delivered() {
        std::lock_guard lock(mutex_);
        return delivered_;
    }
    std::vector<std::string> states() {
        std::lock_guard lock(mutex_);
        return states_;
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<ShortMessage> delivered_;  // guarded by mutex_
    std::vector<std::string> states_;      // guarded by mutex_

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    std::shared_ptr<Session> session_;
    std::vector<SubmitResult> results_;
};

SessionOptions options_for(interop::Smsc& smsc) {
    SessionOptions o;
    o.port = static_cast<std::uint16_t>(smsc.port());
    o.system_id = "ujumbe";
    o.password = "secret";
    o.reconnect_min = 100ms;
    o.reconnect_max = 400ms;
    o.response_timeout = 2000ms;
    return o;
}

class SmppSession : public interop::NeedsNode {};

TEST_F(SmppSession, SubmitsThroughAWindowAndHandsReceiptsOn) {
    interop::Smsc smsc({"--slow-ms", "20"});
    Harness h;
    auto o = options_for(smsc);
    o.window = 4;
    h.start(o);
    ASSERT_TRUE(h.wait_bound());
    auto results = h.submit_all(30);
    ASSERT_EQ(results.size(), 30u);
    std::set<std::string> ids;
    for (const auto& r : results) {
        EXPECT_TRUE(r.sent && r.answered) << r.error;
        EXPECT_EQ(r.status, status::kOk);
        ids.insert(r.message_id);
    }
    EXPECT_EQ(ids.size(), 30u);
    EXPECT_LE(h.session().outstanding(), 0u);
    // Every receipt reaches the handler and names one of the ids.
    ASSERT_TRUE(h.wait([&] { return h.delivered_.size() >= 30; }));
    for (const auto& m : h.delivered()) {
        auto receipt = parse_receipt(m);
        ASSERT_TRUE(receipt);
        EXPECT_TRUE(ids.count(receipt->message_id)) << receipt->message_id;
    }
    EXPECT_EQ(smsc.seen("submit_sm", 30).size(), 30u);
    EXPECT_EQ(smsc.seen("deliver_sm_resp", 30).size(), 30u);
}

TEST_F(SmppSession, ThrottledSubmitsWaitAndGoAgain) {
    interop::Smsc smsc({"--throttle-every", "3", "--receipt-delay-ms", "-1"});
    Harness h;
    auto o = options_for(smsc);
    o.window = 1;
    o.throttle_pause = 200ms;
    h.start(o);
    ASSERT_TRUE(h.wait_bound());
    const auto started = std::chrono::steady_clock::now();
    auto results = h.submit_all(6);
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(results.size(), 6u);
    for (const auto& r : results) EXPECT_EQ(r.status, status::kOk) << r.error;
    // Submits 3, 6 and 9 of the SMSC were throttled and sent again.
    EXPECT_EQ(smsc.seen("submit_sm", 8).size(), 8u);
    EXPECT_GE(took, 400ms);
}

TEST_F(SmppSession, PacesSubmitsToItsTps) {
    interop::Smsc smsc({"--receipt-delay-ms", "-1"});
    Harness h;
    auto o = options_for(smsc);
    o.tps = 20;
    o.window = 50;
    h.start(o);
    ASSERT_TRUE(h.wait_bound());
    const auto started = std::chrono::steady_clock::now();
    auto results = h.submit_all(40);  // 20 at once (a second's burst), 20 more over a second
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(results.size(), 40u);
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 5s);
}

TEST_F(SmppSession, ADroppedConnectionFailsWhatWasInFlightAndReconnects) {
    interop::Smsc smsc({"--drop-after", "2", "--receipt-delay-ms", "-1"});
    Harness h;
    auto o = options_for(smsc);
    o.window = 1;
    h.start(o);
    ASSERT_TRUE(h.wait_bound());
    auto first = h.submit_all(1);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_TRUE(first[0].answered);
    // The SMSC reads the second and hangs up: written, never answered.
    auto second = h.submit_all(1);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_TRUE(second[0].sent);
    EXPECT_FALSE(second[0].answered);
    ASSERT_TRUE(h.wait_bound());
    auto third = h.submit_all(1);
    ASSERT_EQ(third.size(), 1u);
    EXPECT_TRUE(third[0].answered) << third[0].error;
    EXPECT_EQ(smsc.seen("bind_transceiver", 2).size(), 2u);
}

TEST_F(SmppSession, ADeadPeerIsDroppedAndBoundAgain) {
    interop::Smsc smsc({"--mute-enquire", "1"});
    Harness h;
    auto o = options_for(smsc);
    o.enquire_link_interval = 100ms;
    o.response_timeout = 300ms;
    h.start(o);
    ASSERT_TRUE(h.wait_bound());
    // No enquire_link_resp: the session closes and binds again.
    EXPECT_TRUE(h.wait([&] {
        int bound = 0;
        for (const auto& s : h.states_) bound += s == "bound";
        return bound >= 2;
    }));
    EXPECT_GE(smsc.seen("enquire_link").size(), 1u);
}

TEST_F(SmppSession, MoReachesTheHandlerAndReceiversCannotSubmit) {
    interop::Smsc smsc({"--mo", "255712345678:15555:Hello"});
    Harness h;
    auto o = options_for(smsc);
    o.mode = BindMode::kReceiver;
    h.start(o);
    ASSERT_TRUE(h.wait_bound());
    ASSERT_TRUE(h.wait([&] { return !h.delivered_.empty(); }));
    EXPECT_EQ(h.delivered()[0].short_message, "Hello");
    EXPECT_EQ(smsc.seen("bind_receiver").size(), 1u);
    auto refused = h.submit_all(1);
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_FALSE(refused[0].sent);
}

TEST_F(SmppSession, ARefusedBindKeepsTrying) {
    interop::Smsc smsc({});
    Harness h;
    auto o = options_for(smsc);
    o.password = "wrong";
    h.start(o);
    EXPECT_TRUE(h.wait([&] {
        for (const auto& s : h.states_)
            if (s.find("ESME_RBINDFAIL") != std::string::npos) return true;
        return false;
    }));
    EXPECT_NE(h.session().state(), SessionState::kBound);
    EXPECT_GE(smsc.seen("bind_transceiver", 2).size(), 2u);
}

}  // namespace
}  // namespace ujumbe::smpp
