// The SMSC-side session over loopback: our ESME client session as the peer
// where it fits, raw sockets where a peer must misbehave.

#include "channels/smpp/server_session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "channels/smpp/server.h"
#include "channels/smpp/session.h"

namespace ujumbe::smpp {
namespace {

using namespace std::chrono_literals;

// The SMSC side's decisions, recorded; submits are held until the test answers.
class RecordingHandler : public ServerSessionHandler {
public:
    struct Shared {
        std::mutex mutex;
        std::condition_variable changed;
        std::string password = "secret";
        bool answer_at_once = true;
        bool drop_replies = false;
        bool hold_binds = false;  // binds wait for the test to answer them
        std::vector<std::function<void(std::uint32_t)>> held_binds;
        std::vector<SubmitReply> held;
        std::vector<ShortMessage> submitted;
        std::vector<std::string> closed;
        std::weak_ptr<ServerSession> last_bound;

        template <typename P>
        bool wait(P pred) {
            std::unique_lock lock(mutex);
            return changed.wait_for(lock, 10s, pred);
        }
    };

    explicit RecordingHandler(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

    std::uint32_t on_bind(ServerSession& session, const BindRequest& request) override {
        std::lock_guard lock(shared_->mutex);
        if (request.password != shared_->password) return status::kInvPaswd;
        shared_->last_bound = session.weak_from_this();
        shared_->changed.notify_all();
        return status::kOk;
    }
    void on_bind_async(ServerSession& session, const BindRequest& request,
                       std::function<void(std::uint32_t)> answer) override {
        {
            std::lock_guard lock(shared_->mutex);
            if (shared_->hold_binds) {
                shared_->held_binds.push_back(std::move(answer));
                shared_->changed.notify_all();
                return;
            }
        }
        answer(on_bind(session, request));
    }
    void on_submit(ServerSession&, const ShortMessage& message, SubmitReply reply) override {
        std::lock_guard lock(shared_->mutex);
        shared_->submitted.push_back(message);
        if (shared_->drop_replies) {
            // The reply goes out of scope unanswered.
        } else if (shared_->answer_at_once) {
            reply({status::kOk, "id-" + std::to_string(shared_->submitted.size())});
        } else {
            shared_->held.push_back(std::move(reply));
        }
        shared_->changed.notify_all();
    }
    void on_closed(ServerSession&, const std::string& why) override {
        std::lock_guard lock(shared_->mutex);
        shared_->closed.push_back(why);
        shared_->changed.notify_all();
    }

private:
    std::shared_ptr<Shared> shared_;
};

// An io_context thread with a listening server and, optionally, our client.
class Loopback : public SessionHandler {
public:
    explicit Loopback(ServerSessionOptions session_options = {}, std::size_t max_sessions = 64)
        : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {
        ServerOptions options;
        options.port = 0;
        options.max_sessions = max_sessions;
        options.session = session_options;
        auto server = Server::listen(io_, options, [shared = shared](const std::string&) {
            return std::make_shared<RecordingHandler>(shared);
        });
        EXPECT_TRUE(server.ok());
        if (server) server_ = *server;
    }
    ~Loopback() override {
        if (client_) client_->stop();
        client_.reset();
        if (server_) server_->stop();
        std::this_thread::sleep_for(50ms);
        work_.reset();
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return server_ ? server_->port() : 0; }

    Session& connect(BindMode mode, std::string password = "secret") {
        SessionOptions o;
        o.port = port();
        o.system_id = "esme";
        o.password = std::move(password);
        o.mode = mode;
        o.reconnect_min = 100ms;
        o.reconnect_max = 200ms;
        o.response_timeout = 2000ms;
        client_ = Session::create(io_, o, *this);
        client_->start();
        return *client_;
    }

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

    template <typename P>
    bool wait(P pred) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 10s, pred);
    }
    bool wait_bound() {
        return wait([&] { return client_ && client_->state() == SessionState::kBound; });
    }

    SubmitResult submit(const std::string& text) {
        ShortMessage m;
        m.destination_addr = "255712345678";
        m.source_addr = "Ujumbe";
        m.short_message = text;
        std::optional<SubmitResult> result;
        client_->submit(m, [&](SubmitResult r) {
            std::lock_guard lock(mutex_);
            result = std::move(r);
            changed_.notify_all();
        });
        wait([&] { return result.has_value(); });
        std::lock_guard lock(mutex_);
        return result.value_or(SubmitResult{});
    }

    std::shared_ptr<RecordingHandler::Shared> shared = std::make_shared<RecordingHandler::Shared>();
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<ShortMessage> delivered_;  // guarded by mutex_
    std::vector<std::string> states_;      // guarded by mutex_

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    std::shared_ptr<Server> server_;
    std::shared_ptr<Session> client_;
};

// A blocking socket for a peer that misbehaves; reads give up after 3 s.
class RawPeer {
public:
    explicit RawPeer(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{3, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~RawPeer() { ::close(fd_); }
    bool connected() const { return connected_; }

    void write(const std::string& bytes) {
        ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(bytes.size()));
    }
    void send(const Pdu& pdu) { write(encode(pdu)); }

    // The next PDU; nullopt when the connection ended or nothing came in time.
    std::optional<Pdu> read() {
        while (true) {
            const auto f = frame(buffer_);
            if (f.length && !f.bad_length && buffer_.size() >= *f.length) {
                auto result = decode(std::string_view(buffer_).substr(0, *f.length));
                buffer_.erase(0, *f.length);
                if (auto* p = std::get_if<Pdu>(&result)) return *p;
                return std::nullopt;
            }
            char chunk[4096];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }
    // True when the SMSC side closed the connection (end of stream).
    bool closed_by_peer() {
        char c;
        return ::recv(fd_, &c, 1, 0) == 0;
    }

    std::uint32_t bind(std::uint32_t command_id, std::uint32_t seq, std::string password) {
        send({command_id, 0, seq, Bind{"raw", std::move(password), "", 0x34, 0, 0, ""}});
        auto resp = read();
        return resp ? resp->command_status : 0xFFFFFFFF;
    }

private:
    int fd_ = -1;
    bool connected_ = false;
    std::string buffer_;
};

ShortMessage short_message(std::string text) {
    ShortMessage m;
    m.destination_addr = "255712345678";
    m.short_message = std::move(text);
    return m;
}

TEST(SmscSession, ABoundTransceiverSubmitsAndGetsAMessageId) {
    Loopback loop;
    loop.connect(BindMode::kTransceiver);
    ASSERT_TRUE(loop.wait_bound());
    const auto r = loop.submit("hello");
    EXPECT_TRUE(r.answered) << r.error;
    EXPECT_EQ(r.status, status::kOk);
    EXPECT_EQ(r.message_id, "id-1");
    std::lock_guard lock(loop.shared->mutex);
    ASSERT_EQ(loop.shared->submitted.size(), 1u);
    EXPECT_EQ(loop.shared->submitted[0].short_message, "hello");
}

TEST(SmscSession, AWrongPasswordIsRefusedWithInvPaswd) {
    Loopback loop;
    loop.connect(BindMode::kTransceiver, "wrong");
    EXPECT_TRUE(loop.wait([&] {
        for (const auto& s : loop.states_)
            if (s.find("bind refused: ESME_RINVPASWD") != std::string::npos) return true;
        return false;
    }));
}

TEST(SmscSession, ASecondBindIsRefusedWithAlyBnd) {
    Loopback loop;
    RawPeer peer(loop.port());
    ASSERT_TRUE(peer.connected());
    EXPECT_EQ(peer.bind(command::kBindTransceiver, 1, "secret"), status::kOk);
    EXPECT_EQ(peer.bind(command::kBindTransmitter, 2, "secret"), status::kAlyBnd);
}

TEST(SmscSession, ABindAnsweredLaterLeavesTheSessionUnboundUntilThen) {
    Loopback loop;
    loop.shared->hold_binds = true;
    RawPeer peer(loop.port());
    ASSERT_TRUE(peer.connected());
    peer.send({command::kBindTransceiver, 0, 1, Bind{"raw", "secret", "", 0x34, 0, 0, ""}});
    ASSERT_TRUE(loop.shared->wait([&] { return !loop.shared->held_binds.empty(); }));
    // Pending: another bind is refused, a submit finds no bind.
    EXPECT_EQ(peer.bind(command::kBindTransmitter, 2, "secret"), status::kAlyBnd);
    peer.send({command::kSubmitSm, 0, 3, short_message("too early")});
    auto resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_status, status::kInvBndSts);
    // Answered from another thread, twice: the first answer counts.
    std::function<void(std::uint32_t)> answer;
    {
        std::lock_guard lock(loop.shared->mutex);
        answer = loop.shared->held_binds.front();
    }
    std::thread([answer] {
        answer(status::kOk);
        answer(status::kBindFail);
    }).join();
    resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_id, command::kBindTransceiver | command::kResponse);
    EXPECT_EQ(resp->command_status, status::kOk);
    EXPECT_EQ(resp->sequence_number, 1u);
    peer.send({command::kSubmitSm, 0, 4, short_message("now")});
    resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_status, status::kOk);
}

TEST(SmscSession, SubmitBeforeBindOrOnAReceiverBindIsRefused) {
    Loopback loop;
    RawPeer peer(loop.port());
    peer.send({command::kSubmitSm, 0, 1, short_message("early")});
    auto resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_id, command::kSubmitSm | command::kResponse);
    EXPECT_EQ(resp->command_status, status::kInvBndSts);
    EXPECT_EQ(resp->sequence_number, 1u);

    EXPECT_EQ(peer.bind(command::kBindReceiver, 2, "secret"), status::kOk);
    peer.send({command::kSubmitSm, 0, 3, short_message("receiver")});
    resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_status, status::kInvBndSts);
    std::lock_guard lock(loop.shared->mutex);
    EXPECT_TRUE(loop.shared->submitted.empty());
}

TEST(SmscSession, ASubmitIsAnsweredLaterFromAnotherThread) {
    Loopback loop;
    loop.shared->answer_at_once = false;
    loop.connect(BindMode::kTransmitter);
    ASSERT_TRUE(loop.wait_bound());
    std::optional<SubmitReply> reply;
    std::thread committer([&] {
        ASSERT_TRUE(loop.shared->wait([&] { return !loop.shared->held.empty(); }));
        std::this_thread::sleep_for(100ms);  // as a database commit would
        std::lock_guard lock(loop.shared->mutex);
        loop.shared->held[0]({status::kOk, "committed-7"});
        loop.shared->held[0]({status::kOk, "a second answer is ignored"});
    });
    const auto r = loop.submit("later");
    committer.join();
    EXPECT_TRUE(r.answered) << r.error;
    EXPECT_EQ(r.status, status::kOk);
    EXPECT_EQ(r.message_id, "committed-7");
}

TEST(SmscSession, AReplyDroppedUnansweredSendsSysErr) {
    Loopback loop;
    loop.shared->drop_replies = true;
    loop.connect(BindMode::kTransceiver);
    ASSERT_TRUE(loop.wait_bound());
    const auto r = loop.submit("lost");
    EXPECT_TRUE(r.answered) << r.error;
    EXPECT_EQ(r.status, status::kSysErr);
}

TEST(SmscSession, DeliversToATransceiverAndNotToATransmitter) {
    Loopback loop;
    loop.connect(BindMode::kTransceiver);
    ASSERT_TRUE(loop.wait_bound());
    std::shared_ptr<ServerSession> session;
    {
        std::lock_guard lock(loop.shared->mutex);
        session = loop.shared->last_bound.lock();
    }
    ASSERT_TRUE(session);
    std::optional<DeliverResult> result;
    ShortMessage mo;
    mo.source_addr = "255700000001";
    mo.destination_addr = "15555";
    mo.short_message = "an MO";
    session->deliver(mo, [&](DeliverResult r) {
        std::lock_guard lock(loop.mutex_);
        result = r;
        loop.changed_.notify_all();
    });
    ASSERT_TRUE(loop.wait([&] { return result.has_value() && !loop.delivered_.empty(); }));
    EXPECT_TRUE(result->answered) << result->error;
    EXPECT_EQ(result->status, status::kOk);
    EXPECT_EQ(loop.delivered_[0].short_message, "an MO");
    EXPECT_EQ(loop.delivered_[0].source_addr, "255700000001");
}

TEST(SmscSession, DeliverFailsAtOnceOnATransmitterBind) {
    Loopback loop;
    loop.connect(BindMode::kTransmitter);
    ASSERT_TRUE(loop.wait_bound());
    auto session = [&] {
        std::lock_guard lock(loop.shared->mutex);
        return loop.shared->last_bound.lock();
    }();
    ASSERT_TRUE(session);
    std::optional<DeliverResult> result;
    session->deliver(short_message("nowhere"), [&](DeliverResult r) {
        std::lock_guard lock(loop.mutex_);
        result = r;
        loop.changed_.notify_all();
    });
    ASSERT_TRUE(loop.wait([&] { return result.has_value(); }));
    EXPECT_FALSE(result->sent);
    EXPECT_EQ(result->error, "not bound to receive");
}

TEST(SmscSession, AnUnknownCommandGetsGenericNackAndABadLengthCloses) {
    Loopback loop;
    RawPeer peer(loop.port());
    // A header with a command id nobody defined.
    peer.write(std::string("\x00\x00\x00\x10\x00\x00\x00\x99\x00\x00\x00\x00\x00\x00\x00\x05", 16));
    auto resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_id, command::kGenericNack);
    EXPECT_EQ(resp->command_status, status::kInvCmdId);
    EXPECT_EQ(resp->sequence_number, 5u);
    // A length past any PDU loses the framing: nack, then the end.
    peer.write(std::string("\xFF\xFF\xFF\xFF\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x06", 16));
    resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_id, command::kGenericNack);
    EXPECT_EQ(resp->command_status, status::kInvCmdLen);
    EXPECT_TRUE(peer.closed_by_peer());
}

TEST(SmscSession, APeerThatStopsAnsweringEnquireLinkIsClosed) {
    ServerSessionOptions o;
    o.enquire_link_interval = 200ms;
    o.response_timeout = 300ms;
    Loopback loop(o);
    RawPeer peer(loop.port());
    EXPECT_EQ(peer.bind(command::kBindTransceiver, 1, "secret"), status::kOk);
    // The peer reads nothing more and answers nothing.
    ASSERT_TRUE(loop.shared->wait([&] { return !loop.shared->closed.empty(); }));
    std::lock_guard lock(loop.shared->mutex);
    EXPECT_EQ(loop.shared->closed[0], "the peer stopped answering enquire_link");
}

TEST(SmscSession, APeerThatNeverBindsIsClosed) {
    ServerSessionOptions o;
    o.bind_timeout = 200ms;
    Loopback loop(o);
    RawPeer peer(loop.port());
    EXPECT_TRUE(peer.closed_by_peer());
    // The socket closes before the handler hears of it: wait for that.
    ASSERT_TRUE(loop.shared->wait([&] { return !loop.shared->closed.empty(); }));
    std::lock_guard lock(loop.shared->mutex);
    ASSERT_EQ(loop.shared->closed.size(), 1u);
    EXPECT_EQ(loop.shared->closed[0], "no bind in time");
}

TEST(SmscSession, SubmitsPastTheOutstandingBoundAreThrottled) {
    ServerSessionOptions o;
    o.max_outstanding_submits = 2;
    Loopback loop(o);
    loop.shared->answer_at_once = false;
    RawPeer peer(loop.port());
    EXPECT_EQ(peer.bind(command::kBindTransmitter, 1, "secret"), status::kOk);
    for (std::uint32_t seq = 2; seq <= 4; ++seq)
        peer.send({command::kSubmitSm, 0, seq, short_message("m" + std::to_string(seq))});
    auto resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->sequence_number, 4u);
    EXPECT_EQ(resp->command_status, status::kThrottled);
    {
        std::lock_guard lock(loop.shared->mutex);
        ASSERT_EQ(loop.shared->held.size(), 2u);
        loop.shared->held[1]({status::kOk, "second"});
    }
    resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->sequence_number, 3u);
    EXPECT_EQ(std::get<MessageIdResp>(resp->body).message_id, "second");
    // A slot is free again.
    peer.send({command::kSubmitSm, 0, 5, short_message("m5")});
    ASSERT_TRUE(loop.shared->wait([&] { return loop.shared->held.size() == 3; }));
}

TEST(SmscSession, UnbindIsAnsweredThenTheConnectionCloses) {
    Loopback loop;
    RawPeer peer(loop.port());
    EXPECT_EQ(peer.bind(command::kBindTransceiver, 1, "secret"), status::kOk);
    peer.send({command::kEnquireLink, 0, 2, {}});
    auto resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_id, command::kEnquireLink | command::kResponse);
    peer.send({command::kUnbind, 0, 3, {}});
    resp = peer.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_id, command::kUnbind | command::kResponse);
    EXPECT_EQ(resp->sequence_number, 3u);
    EXPECT_TRUE(peer.closed_by_peer());
}

TEST(SmscSession, ConnectionsPastTheSessionBoundAreClosedAtOnce) {
    Loopback loop({}, 1);
    RawPeer first(loop.port());
    EXPECT_EQ(first.bind(command::kBindTransceiver, 1, "secret"), status::kOk);
    RawPeer second(loop.port());
    ASSERT_TRUE(second.connected());
    EXPECT_TRUE(second.closed_by_peer());
    // The first is still served.
    first.send({command::kEnquireLink, 0, 2, {}});
    auto resp = first.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->command_id, command::kEnquireLink | command::kResponse);
}

}  // namespace
}  // namespace ujumbe::smpp
