#include <utility>  // before Asio (g++ 12)

#include "channels/http_provider/http_gateway.h"

#include <boost/asio/post.hpp>
#include <future>
#include <mutex>

#include "formats/sms_encoding.h"

namespace ujumbe::channels {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {
// How long a provider's callback waits for its reports to be stored.
constexpr auto kCallbackStoreWait = std::chrono::seconds(20);
}  // namespace

HttpGateway::HttpGateway(GatewayId id, ProviderSettings settings, asio::io_context& io,
                         GatewayListener& listener)
    : id_(std::move(id)),
      settings_(std::move(settings)),
      io_(io),
      listener_(listener),
      strand_(asio::make_strand(io)),
      refill_(strand_) {}

HttpGateway::~HttpGateway() = default;

void HttpGateway::start() {
    client_ =
        HttpClient::create(io_, {.timeout = std::chrono::milliseconds(settings_.timeout_ms),
                                 .max_idle = static_cast<std::size_t>(settings_.concurrency)});
    tokens_ = std::max(1.0, settings_.tps);
    refilled_ = SteadyClock::now();
    started_ = true;
}

void HttpGateway::stop() {
    if (stopped_.exchange(true)) return;
    auto self = std::static_pointer_cast<HttpGateway>(shared_from_this());
    asio::post(strand_, [self] {
        auto queued = std::move(self->queue_);
        self->queue_.clear();
        self->refill_.cancel();
        for (auto& p : queued) {
            PartOutcome part;
            part.retryable = true;
            part.error_code = "NOT_BOUND";
            part.error_message = "The gateway stopped.";
            p.done({{part}});
        }
        if (self->client_) self->client_->close();
    });
}

void HttpGateway::submit(OutboundSms message, std::function<void(SubmitOutcome)> done) {
    auto self = std::static_pointer_cast<HttpGateway>(shared_from_this());
    asio::post(strand_, [self, m = std::move(message), done = std::move(done)]() mutable {
        if (self->stopped_ || !self->started_) {
            PartOutcome part;
            part.retryable = true;
            part.error_code = "NOT_BOUND";
            part.error_message = "The gateway is not running.";
            done({{part}});
            return;
        }
        self->queue_.push_back({std::move(m), std::move(done)});
        self->pump();
    });
}

std::size_t HttpGateway::capacity() const {
    return static_cast<std::size_t>(settings_.concurrency);
}

void HttpGateway::pump() {
    const auto now = SteadyClock::now();
    const double rate = settings_.tps;
    tokens_ = std::min(std::max(1.0, rate),
                       tokens_ + rate * std::chrono::duration<double>(now - refilled_).count());
    refilled_ = now;
    while (!queue_.empty() && in_flight_ < static_cast<std::size_t>(settings_.concurrency) &&
           tokens_ >= 1) {
        tokens_ -= 1;
        Pending p = std::move(queue_.front());
        queue_.pop_front();
        send(std::move(p));
    }
    if (!queue_.empty() && tokens_ < 1 && !refill_waiting_) {
        refill_waiting_ = true;
        const auto wait = std::chrono::duration<double>((1 - tokens_) / rate);
        refill_.expires_after(std::chrono::duration_cast<SteadyClock::duration>(wait));
        auto self = std::static_pointer_cast<HttpGateway>(shared_from_this());
        refill_.async_wait([self](const boost::system::error_code&) {
            self->refill_waiting_ = false;
            if (!self->stopped_) self->pump();
        });
    }
}

void HttpGateway::send(Pending p) {
    ++in_flight_;
    tally_.sent();
    const auto counted = formats::count_segments(p.message.body);
    MessageValues values{.to = p.message.to,
                         .from = p.message.sender,
                         .text = p.message.body,
                         .encoding = counted ? formats::encoding_name(counted->encoding) : "ucs2",
                         .message_id = p.message.message_id.value,
                         .callback_url = callback_url(settings_, id_)};
    auto request = provider_request(settings_, values);
    auto self = std::static_pointer_cast<HttpGateway>(shared_from_this());
    client_->send(std::move(request), [self, p = std::move(p)](HttpAnswer answer) mutable {
        auto part = read_provider_answer(self->settings_, answer, p.message.message_id.value);
        self->tally_.answered(part);
        p.done({{part}});
        asio::post(self->strand_, [self] {
            --self->in_flight_;
            self->pump();
        });
    });
}

nlohmann::json HttpGateway::status() const {
    nlohmann::json out = {{"kind", "http"},       {"available", available()},
                          {"bound", available()}, {"callback_reports", reports_.load()},
                          {"tps", settings_.tps}, {"concurrency", settings_.concurrency}};
    tally_.add_to(out);
    return out;
}

Result<std::size_t> HttpGateway::on_callback(const ProviderCallback& cb) {
    if (!callback_authentic(settings_, cb))
        return Error::unauthenticated("INVALID_SIGNATURE",
                                      "The callback does not carry this gateway's secret.");
    UJ_ASSIGN(auto reports, read_callback(settings_, id_, cb));
    if (reports.empty()) return 0;
    // Answered once every report is stored: a 5xx has the provider call again.
    struct Tally {
        std::mutex mutex;
        std::size_t left = 0;
        bool retry_later = false;
        std::promise<void> all_done;
    };
    auto tally = std::make_shared<Tally>();
    tally->left = reports.size();
    auto done = [tally](ReportFate fate) {
        std::lock_guard lock(tally->mutex);
        if (fate == ReportFate::kRetryLater) tally->retry_later = true;
        if (--tally->left == 0) tally->all_done.set_value();
    };
    auto finished = tally->all_done.get_future();
    for (const auto& r : reports) {
        if (const auto* receipt = std::get_if<ReceiptReport>(&r))
            listener_.on_receipt(*receipt, done);
        else
            listener_.on_inbound(std::get<InboundReport>(r), done);
    }
    reports_ += reports.size();
    if (finished.wait_for(kCallbackStoreWait) != std::future_status::ready)
        return Error::database_unavailable("the report could not be stored in time");
    std::lock_guard lock(tally->mutex);
    if (tally->retry_later) return Error::database_unavailable("the report could not be stored");
    return reports.size();
}

}  // namespace ujumbe::channels
