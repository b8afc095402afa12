#pragma once
// The SMSC simulator behind `ujumbe smsc` (docs/smsc.md): accepts binds
// (any credentials, or the ones it is told to require), answers each
// submit_sm with a new message id, sends a delivery receipt after a delay
// to a receiver or transceiver bound with the same system_id, reports a
// share of messages as undelivered (chosen from the message id, so runs
// repeat), throttles above a rate, and sends MO messages on demand. Its
// options and the lines of its standard input are parsed here.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ujumbe::channels {

enum class SmscIdFormat { kDecimal, kHex };

struct SmscOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 2775;  // 0: any free port
    // Credentials a bind must carry; unset: any is accepted.
    std::optional<std::string> system_id, password;
    bool receipts = true;  // for submits that ask for one (registered_delivery)
    std::chrono::milliseconds receipt_delay{100};
    // Share of messages reported UNDELIV (0..1), with err:failure_error.
    double failure_ratio = 0;
    int failure_error = 1;
    // submit_sm a second over all sessions; beyond it ESME_RTHROTTLED. 0: no limit.
    double tps = 0;
    SmscIdFormat id_format = SmscIdFormat::kDecimal;
    // submit_sm not answered yet, per session; past it ESME_RTHROTTLED.
    std::size_t window = 100;
    std::size_t max_sessions = 64;
    std::chrono::milliseconds enquire_link_interval{30000};
    std::chrono::milliseconds response_timeout{10000};
};

struct SmscCommandLine {
    SmscOptions options;
    bool help = false;  // --help: print smsc_usage() and exit
};

// The arguments after `smsc`: "--name value" or "--name=value". An error
// names the option and what is wrong with it.
Result<SmscCommandLine> parse_smsc_options(const std::vector<std::string>& args);
const char* smsc_usage();

// An MO message to send: "mo <from> <to> <text>" on standard input.
struct MoCommand {
    std::string from, to, text;
};
inline constexpr std::size_t kMaxSmscLine = 4096;  // octets of one input line
// One input line: nullopt for a blank line or a comment (#...).
Result<std::optional<MoCommand>> parse_smsc_line(std::string_view line);

class SmscSimulator {
public:
    // `log` gets one line per PDU event (never a message's text); it is
    // called from the io_context's threads.
    SmscSimulator(boost::asio::io_context& io, SmscOptions options,
                  std::function<void(const std::string&)> log);
    ~SmscSimulator();
    SmscSimulator(const SmscSimulator&) = delete;
    SmscSimulator& operator=(const SmscSimulator&) = delete;

    // Listens; the bound port, or why it could not.
    Result<std::uint16_t> start();
    // Sends `mo` (in UDH parts when long) to one receiver or transceiver of
    // each bound system_id. Any thread.
    void send_mo(MoCommand mo);
    // Unbinds every session and stops listening. Any thread.
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace ujumbe::channels
