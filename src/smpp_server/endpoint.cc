#include <utility>  // before Asio (g++ 12)

#include "smpp_server/endpoint.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "channels/smpp/message_text.h"
#include "core/log.h"
#include "core/thread_name.h"
#include "smpp_server/concatenation.h"
#include "smpp_server/store.h"

namespace ujumbe::smpp_server {

namespace {

namespace st = smpp::status;

// The submit_sm_resp status of a send the accept path refused.
std::uint32_t status_for(const Error& e) {
    if (e.error_code == "INVALID_NUMBER") return st::kInvDstAdr;
    if (e.error_code == "INVALID_SENDER_ID" || e.error_code == "SENDER_ID_NOT_APPROVED")
        return st::kInvSrcAdr;
    if (e.error_code == "INVALID_BODY") return st::kInvMsgLen;
    // The database is away or full: a client sends it again later.
    if (is_database_fault(e)) return st::kMsgQFul;
    switch (e.code) {
        case ErrorCode::kRateLimited:
            return st::kThrottled;
        case ErrorCode::kInternal:
        case ErrorCode::kUnavailable:
            return st::kSysErr;
        default:
            return st::kSubmitFail;  // balance, consent, suspended account
    }
}

std::uint32_t status_for(BindRefusal r) {
    switch (r) {
        case BindRefusal::kUnknownSystemId:
            return st::kInvSysId;
        case BindRefusal::kWrongPassword:
            return st::kInvPaswd;
        case BindRefusal::kNotAllowed:
            return st::kBindFail;
    }
    return st::kBindFail;
}

BindKind kind_of(smpp::BindMode mode) {
    switch (mode) {
        case smpp::BindMode::kTransmitter:
            return BindKind::kTransmitter;
        case smpp::BindMode::kReceiver:
            return BindKind::kReceiver;
        case smpp::BindMode::kTransceiver:
            return BindKind::kTransceiver;
    }
    return BindKind::kTransceiver;
}

// "address:port" or "[v6]:port" to the address alone.
std::string address_of(const std::string& peer) {
    const auto colon = peer.rfind(':');
    std::string host = colon == std::string::npos ? peer : peer.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return host;
}

// The destination as the accept path reads it: international numbers get
// their '+'; others are read in the account's country.
std::string destination_of(const smpp::ShortMessage& m) {
    if (m.dest_addr_ton == 1 && !m.destination_addr.empty() && !m.destination_addr.starts_with('+'))
        return "+" + m.destination_addr;
    return m.destination_addr;
}

constexpr auto kSweepEvery = std::chrono::seconds(1);
constexpr auto kUnbindGrace = std::chrono::milliseconds(500);

}  // namespace

Status parse_listen(const std::string& listen, EndpointOptions& options) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon + 1 == listen.size())
        return Error::invalid("smpp_listen", "Must be host:port.");
    const std::string port = listen.substr(colon + 1);
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) > 65535)
        return Error::invalid("smpp_listen", "The port must be a number up to 65535.");
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty()) return Error::invalid("smpp_listen", "Must be host:port.");
    options.host = host;
    options.port = static_cast<std::uint16_t>(std::stoul(port));
    return {};
}

// One connection: its bind, its submits (joining concatenated ones) and
// the parts still waiting. Called on the session's strand, and by the
// sweep timer; a mutex serialises both.
class Endpoint::Handler final : public smpp::ServerSessionHandler,
                                public std::enable_shared_from_this<Endpoint::Handler> {
public:
    Handler(Endpoint& endpoint, std::string peer)
        : e_(endpoint),
          peer_(std::move(peer)),
          parts_(endpoint.options_.reassembly_messages, endpoint.options_.reassembly_age) {}

    std::uint32_t on_bind(smpp::ServerSession&, const smpp::BindRequest&) override {
        return st::kBindFail;  // binds are answered by on_bind_async
    }

    // The check reads the database: it runs on the endpoint's bind threads,
    // never on the session's strand.
    void on_bind_async(smpp::ServerSession& session, const smpp::BindRequest& r,
                       std::function<void(std::uint32_t)> answer) override {
        boost::asio::post(e_.binds_,
                          [self = shared_from_this(), r, answer = std::move(answer),
                           weak = session.weak_from_this()] { self->check_bind(r, answer, weak); });
    }

    void check_bind(const smpp::BindRequest& r, const std::function<void(std::uint32_t)>& answer,
                    const std::weak_ptr<smpp::ServerSession>& session) {
        const BindKind kind = kind_of(r.mode);
        auto check = e_.accounts_.check_bind(r.system_id, r.password, address_of(peer_), kind);
        if (!check.account) {
            log::warn(
                "smpp server: bind refused",
                {{"system_id", r.system_id.substr(0, 16)}, {"peer", peer_}, {"why", check.why}});
            answer(status_for(check.refusal));
            return;
        }
        std::shared_ptr<const SmppAccount> account;
        {
            std::lock_guard lock(mutex_);
            account_ = std::make_shared<const SmppAccount>(std::move(*check.account));
            account = account_;
            session_ = session;
        }
        log::info("smpp server: bound",
                  {{"system_id", r.system_id}, {"bind", bind_name(kind)}, {"peer", peer_}});
        // Answered first: the session is bound before anything is delivered to it.
        answer(st::kOk);
        if (kind != BindKind::kTransmitter) e_.bound(*account, session);
    }

    // Ends the session if it is bound with `account` (changed or deleted).
    void drop_if(const SmppAccountId& account) {
        std::shared_ptr<smpp::ServerSession> session;
        {
            std::lock_guard lock(mutex_);
            if (!account_ || account_->id != account) return;
            session = session_.lock();
        }
        if (session) session->stop();
    }

    void on_submit(smpp::ServerSession&, const smpp::ShortMessage& m,
                   smpp::SubmitReply reply) override {
        std::lock_guard lock(mutex_);
        if (!account_) return reply({st::kInvBndSts, {}});
        if (!e_.take_token(*account_)) return reply({st::kThrottled, {}});
        const auto read = smpp::read_text(m);
        if (read.bad_udh || !read.text) return reply({st::kSubmitFail, {}});
        int receipts = m.registered_delivery & 0x03;
        if (receipts == 3) receipts = 1;  // reserved: read as "every final status"
        messaging::SendRequest request;
        request.to = destination_of(m);
        if (!m.source_addr.empty()) request.sender_id = m.source_addr;
        if (!read.concatenation) {
            request.body = *read.text;
            e_.queue({account_, std::move(request), receipts, {std::move(reply)}});
            return;
        }
        const auto& c = *read.concatenation;
        if (c.part < 1 || c.part > c.total) return reply({st::kSubmitFail, {}});
        Reassembly<Part>::Whole whole;
        switch (parts_.add(m.source_addr, m.destination_addr, c.reference, c.total, c.part,
                           *read.text, Part{reply, receipts}, e_.clock_.now(), whole)) {
            case Reassembly<Part>::Added::kWaiting:
                return;
            case Reassembly<Part>::Added::kFull:
                return reply({st::kMsgQFul, {}});
            case Reassembly<Part>::Added::kDuplicate:
                return reply({st::kSubmitFail, {}});
            case Reassembly<Part>::Added::kComplete:
                break;
        }
        request.body = std::move(whole.text);
        Submit submit{account_, std::move(request), 0, {}};
        for (auto& part : whole.tokens) {
            submit.receipts = std::max(submit.receipts, part.receipts);
            submit.replies.push_back(std::move(part.reply));
        }
        e_.queue(std::move(submit));
    }

    void on_unreadable(smpp::ServerSession&, const smpp::DecodeError& error) override {
        log::warn("smpp server: unreadable PDU",
                  {{"peer", peer_}, {"status", error.status}, {"why", error.reason}});
    }

    void on_closed(smpp::ServerSession&, const std::string& why) override {
        log::info("smpp server: session closed", {{"peer", peer_}, {"why", why}});
        std::lock_guard lock(mutex_);
        for (auto& part : parts_.expire(std::numeric_limits<Micros>::max()))
            part.reply({st::kSubmitFail, {}});
    }

    // Parts that waited too long for the rest are refused.
    void expire(Micros now) {
        std::lock_guard lock(mutex_);
        for (auto& part : parts_.expire(now)) part.reply({st::kSubmitFail, {}});
    }

private:
    struct Part {
        smpp::SubmitReply reply;
        int receipts = 0;
    };

    Endpoint& e_;
    const std::string peer_;
    std::mutex mutex_;
    std::shared_ptr<const SmppAccount> account_;
    std::weak_ptr<smpp::ServerSession> session_;
    Reassembly<Part> parts_;
};

Endpoint::Endpoint(EndpointOptions options, Clock& clock, SmppAccountsService& accounts,
                   messaging::MessagingService& messaging, Deliveries& deliveries)
    : options_(std::move(options)),
      clock_(clock),
      accounts_(accounts),
      messaging_(messaging),
      deliveries_(deliveries) {}

Endpoint::~Endpoint() {
    stop();
}

Status Endpoint::start() {
    smpp::ServerOptions server;
    server.host = options_.host;
    server.port = options_.port;
    server.max_sessions = options_.max_sessions;
    server.session = options_.session;
    server.tls = options_.tls;
    UJ_ASSIGN(server_, smpp::Server::listen(io_, server, [this](const std::string& peer) {
                  auto handler = std::make_shared<Handler>(*this, peer);
                  std::lock_guard lock(handlers_mutex_);
                  handlers_.push_back(handler);
                  return handler;
              }));
    started_ = true;
    for (std::size_t i = 0; i < std::max<std::size_t>(options_.io_threads, 1); ++i)
        io_threads_.emplace_back([this] {
            name_this_thread("smpp-server");
            auto guard = boost::asio::make_work_guard(io_);
            io_.run();
        });
    for (std::size_t i = 0; i < std::max<std::size_t>(options_.workers, 1); ++i)
        workers_.emplace_back([this] {
            name_this_thread("smpp-worker");
            work();
        });
    deliveries_.start(*this);
    sweep();
    log::info("smpp server listening", {{"host", options_.host}, {"port", port()}});
    return {};
}

void Endpoint::stop() {
    if (!started_ || stopped_) return;
    stopped_ = true;
    server_->stop();
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_ready_.notify_all();
    for (auto& t : workers_) t.join();
    binds_.join();
    deliveries_.stop();
    // The sessions' unbinds get a moment to go out.
    std::this_thread::sleep_for(kUnbindGrace);
    io_.stop();
    for (auto& t : io_threads_) t.join();
}

std::uint16_t Endpoint::port() const {
    return server_ ? server_->port() : 0;
}

bool Endpoint::take_token(const SmppAccount& account) {
    const Micros now = clock_.now();
    const double rate = std::max(account.throughput, 1);
    std::lock_guard lock(buckets_mutex_);
    auto [it, fresh] = buckets_.try_emplace(account.id.value, Bucket{rate, now});
    auto& b = it->second;
    if (!fresh) {
        b.tokens = std::min(rate, b.tokens + rate * static_cast<double>(now - b.at) /
                                                 static_cast<double>(kMicrosPerSecond));
        b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
}

void Endpoint::queue(Submit submit) {
    {
        std::lock_guard lock(queue_mutex_);
        if (!stopping_) {
            queue_.push_back(std::move(submit));
            queue_ready_.notify_one();
            return;
        }
    }
    for (auto& reply : submit.replies) reply({st::kSysErr, {}});  // shutting down
}

void Endpoint::drop_sessions(const SmppAccountId& account) {
    std::vector<std::shared_ptr<Handler>> handlers;
    {
        std::lock_guard lock(handlers_mutex_);
        for (const auto& weak : handlers_)
            if (auto h = weak.lock()) handlers.push_back(std::move(h));
    }
    for (auto& h : handlers) h->drop_if(account);
}

void Endpoint::work() {
    while (true) {
        std::vector<Submit> batch;
        {
            std::unique_lock lock(queue_mutex_);
            queue_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_ && queue_.empty()) return;
            while (!queue_.empty() && batch.size() < options_.batch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        run_batch(batch);
    }
}

// One accept call per SMPP account in the batch; each submit is answered
// once its message is committed (or with why it was refused).
void Endpoint::run_batch(std::vector<Submit>& batch) {
    std::map<std::string, std::vector<Submit*>> by_account;
    for (auto& s : batch) by_account[s.account->id.value].push_back(&s);
    for (auto& [id, submits] : by_account) {
        const SmppAccount& account = *submits.front()->account;
        Principal who;
        who.user_id = account.user_id;
        who.account_id = account.account_id;
        std::vector<messaging::SendRequest> requests;
        requests.reserve(submits.size());
        for (auto* s : submits) requests.push_back(std::move(s->request));
        const auto receipts = [&](db::Connection& c, const std::vector<messaging::Message>& sent,
                                  const std::vector<std::size_t>& owners) -> Status {
            std::vector<store::Submission> rows;
            for (std::size_t k = 0; k < sent.size(); ++k)
                if (int wanted = submits[owners[k]]->receipts; wanted != 0)
                    rows.push_back({sent[k].id, account.id, wanted});
            return store::insert_submissions(c, rows);
        };
        auto result = messaging_.send_bulk(who, requests, receipts);
        for (std::size_t i = 0; i < submits.size(); ++i) {
            smpp::SubmitAnswer answer;
            if (!result)
                answer.status = status_for(result.error());
            else if (const auto& outcome = result->outcomes[i]; outcome.message)
                answer.message_id = outcome.message->id.value;
            else
                answer.status = outcome.error ? status_for(*outcome.error) : st::kSubmitFail;
            for (auto& reply : submits[i]->replies) reply(answer);
        }
        if (!result && result.error().code == ErrorCode::kInternal)
            log::warn("smpp server: submits not accepted", {{"error", result.error().message}});
    }
}

void Endpoint::bound(const SmppAccount& account, std::weak_ptr<smpp::ServerSession> session) {
    {
        std::lock_guard lock(receivers_mutex_);
        receivers_[account.id.value].push_back(std::move(session));
    }
    deliveries_.wake();
}

std::vector<SmppAccountId> Endpoint::accounts_with_receivers() const {
    std::lock_guard lock(receivers_mutex_);
    std::vector<SmppAccountId> out;
    for (const auto& [id, sessions] : receivers_)
        for (const auto& weak : sessions)
            if (auto s = weak.lock(); s && s->bound()) {
                out.push_back(SmppAccountId{id});
                break;
            }
    return out;
}

std::vector<std::shared_ptr<smpp::ServerSession>> Endpoint::receivers(
    const SmppAccountId& account) const {
    std::lock_guard lock(receivers_mutex_);
    std::vector<std::shared_ptr<smpp::ServerSession>> out;
    auto it = receivers_.find(account.value);
    if (it == receivers_.end()) return out;
    for (const auto& weak : it->second)
        if (auto s = weak.lock(); s && s->bound()) out.push_back(std::move(s));
    return out;
}

// Every second: parts that waited too long, and closed sessions forgotten.
void Endpoint::sweep() {
    const Micros now = clock_.now();
    {
        std::lock_guard lock(handlers_mutex_);
        std::erase_if(handlers_, [&](const std::weak_ptr<Handler>& weak) {
            auto h = weak.lock();
            if (h) h->expire(now);
            return !h;
        });
    }
    {
        std::lock_guard lock(receivers_mutex_);
        for (auto it = receivers_.begin(); it != receivers_.end();) {
            std::erase_if(it->second, [](const std::weak_ptr<smpp::ServerSession>& weak) {
                auto s = weak.lock();
                return !s || s->closed();
            });
            it = it->second.empty() ? receivers_.erase(it) : std::next(it);
        }
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, kSweepEvery);
    timer->async_wait([this, timer](const boost::system::error_code& ec) {
        if (!ec && !stopped_) sweep();
    });
}

}  // namespace ujumbe::smpp_server
