#include <utility>  // before Asio (g++ 12)

#include "channels/sandbox/sandbox_gateway.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "core/crypto.h"
#include "formats/sms_encoding.h"

namespace ujumbe::channels {

namespace {

using json = nlohmann::json;

// delivery_ratio as millionths (six decimals; finer ratios are rounded), so
// the share is an integer comparison per message.
std::optional<std::int64_t> ratio_millionths(const json& v) {
    if (!v.is_number()) return std::nullopt;
    const double d = v.get<double>();
    if (!(d >= 0.0 && d <= 1.0)) return std::nullopt;
    return static_cast<std::int64_t>(d * 1'000'000.0 + 0.5);
}

}  // namespace

Result<SandboxSettings> read_sandbox_settings(const json& settings) {
    SandboxSettings s;
    FieldErrors errors;
    if (!settings.is_object()) return Error::invalid("settings", "Must be an object.");
    for (const auto& [key, value] : settings.items()) {
        const std::string field = "settings." + key;
        if (key == "delivery_ratio") {
            auto r = ratio_millionths(value);
            if (!r)
                errors[field].push_back("Must be a number from 0 to 1.");
            else
                s.delivered_per_million = *r;
        } else if (key == "receipt_delay_ms") {
            // Unsigned values past int64 would wrap to negatives: refuse them first.
            if (!value.is_number_integer() ||
                (value.is_number_unsigned() && value.get<std::uint64_t>() > 3'600'000) ||
                value.get<std::int64_t>() < -1 || value.get<std::int64_t>() > 3'600'000)
                errors[field].push_back("Must be an integer from -1 (no receipts) to 3600000.");
            else
                s.receipt_delay_ms = value.get<std::int64_t>();
        } else if (key == "failure_status") {
            const std::vector<std::string> allowed = {"undelivered", "expired", "rejected"};
            if (!value.is_string() || std::find(allowed.begin(), allowed.end(),
                                                value.get<std::string>()) == allowed.end())
                errors[field].push_back("Must be one of undelivered, expired, rejected.");
            else
                s.failure_status = value.get<std::string>();
        } else if (key == "failure_codes") {
            bool good = value.is_array() && !value.empty() && value.size() <= 20;
            if (good)
                for (const auto& c : value)
                    good = good && c.is_string() && !c.get<std::string>().empty() &&
                           c.get<std::string>().size() <= 10;
            if (!good)
                errors[field].push_back("Must be a list of 1 to 20 codes of 1 to 10 characters.");
            else
                s.failure_codes = value.get<std::vector<std::string>>();
        } else {
            errors[field].push_back("Unknown setting for a sandbox gateway.");
        }
    }
    if (!errors.empty()) return Error::invalid_fields(std::move(errors));
    return s;
}

json sandbox_settings_json(const SandboxSettings& s) {
    return {{"delivery_ratio", static_cast<double>(s.delivered_per_million) / 1'000'000.0},
            {"receipt_delay_ms", s.receipt_delay_ms},
            {"failure_status", s.failure_status},
            {"failure_codes", s.failure_codes}};
}

SandboxGateway::SandboxGateway(GatewayId id, SandboxSettings settings, boost::asio::io_context& io,
                               GatewayListener& listener)
    : id_(std::move(id)),
      settings_(std::move(settings)),
      io_(io),
      listener_(listener),
      id_prefix_([] {
          unsigned char bytes[3];
          random_fill(bytes, sizeof bytes);
          return to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
      }()) {}

bool SandboxGateway::delivers(const std::string& message_id) const {
    return static_cast<std::int64_t>(stable_hash(message_id) % 1'000'000) <
           settings_.delivered_per_million;
}

void SandboxGateway::submit(OutboundSms message, std::function<void(SubmitOutcome)> done) {
    boost::asio::post(io_, [this, self = shared_from_this(), message = std::move(message),
                            done = std::move(done)] {
        SubmitOutcome outcome;
        if (stopped_) {
            outcome.parts.push_back({.part = 1,
                                     .retryable = true,
                                     .error_code = "NOT_BOUND",
                                     .error_message = "The gateway is stopped."});
            done(std::move(outcome));
            return;
        }
        const auto counted = formats::count_segments(message.body);
        const std::size_t parts = counted ? counted->segments : 1;
        for (std::size_t i = 0; i < parts; ++i) {
            char id[32];
            std::snprintf(id, sizeof id, "%s%010llx", id_prefix_.c_str(),
                          static_cast<unsigned long long>(next_id_++));
            outcome.parts.push_back({.part = static_cast<int>(i + 1),
                                     .accepted = true,
                                     .left = true,
                                     .answered = true,
                                     .provider_id = id,
                                     .provider_key = id});
        }
        submitted_ += parts;
        std::vector<std::string> ids;
        for (const auto& p : outcome.parts) ids.push_back(p.provider_id);
        done(std::move(outcome));
        if (settings_.receipt_delay_ms < 0) return;

        ReceiptReport base;
        base.gateway_id = id_;
        if (delivers(message.message_id.value)) {
            base.stat = "DELIVRD";
            base.status = "delivered";
            base.error_code = "000";
        } else {
            base.status = settings_.failure_status;
            base.stat = base.status == "expired"    ? "EXPIRED"
                        : base.status == "rejected" ? "REJECTD"
                                                    : "UNDELIV";
            base.error_code =
                settings_.failure_codes[stable_hash(message.message_id.value + "/code") %
                                        settings_.failure_codes.size()];
        }
        auto timer = std::make_shared<boost::asio::steady_timer>(
            io_, std::chrono::milliseconds(settings_.receipt_delay_ms));
        timer->async_wait([this, self, timer, base, ids](const boost::system::error_code& ec) {
            if (ec) return;
            for (const auto& id : ids) {
                ReceiptReport r = base;
                r.provider_id = id;
                r.provider_key = id;
                ++receipts_;
                report(std::move(r));
            }
        });
    });
}

void SandboxGateway::report(ReceiptReport receipt) {
    // Like an SMSC, delivers a receipt that was not taken again a second later.
    listener_.on_receipt(
        receipt, [this, self = shared_from_this(), receipt](ReportFate fate) mutable {
            if (fate != ReportFate::kRetryLater || stopped_) return;
            auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::seconds(1));
            timer->async_wait([this, self, timer, receipt = std::move(receipt)](
                                  const boost::system::error_code& ec) mutable {
                if (!ec) report(std::move(receipt));
            });
        });
}

json SandboxGateway::status() const {
    return {{"kind", "sandbox"},
            {"bound", !stopped_.load()},
            {"sessions",
             json::array({{{"state", stopped_ ? "stopped" : "bound"}, {"window_in_use", 0}}})},
            {"window_in_use", 0},
            {"current_tps", nullptr},
            {"parts_submitted", submitted_.load()},
            {"receipts_received", receipts_.load()},
            {"last_error", nullptr}};
}

}  // namespace ujumbe::channels
