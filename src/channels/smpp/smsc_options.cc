// The options of `ujumbe smsc` and the lines of its standard input
// (channels/smsc_simulator.h).

#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

#include "channels/smsc_simulator.h"
#include "formats/sms_encoding.h"

namespace ujumbe::channels {
namespace {

constexpr std::int64_t kMaxMillis = 24 * 3600 * 1000;  // a day
constexpr std::size_t kMaxAddress = 20;                // source_addr: C-Octet 21
constexpr std::size_t kMaxCredential = 64;
constexpr std::size_t kMaxMoSegments = 255;  // the concatenation UDH counts to 255

Error bad(const std::string& option, const std::string& problem) {
    return Error::invalid(option, problem);
}

Result<std::int64_t> integer(const std::string& option, std::string_view text, std::int64_t min,
                             std::int64_t max) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        return bad(option, "expected a whole number");
    if (v < min || v > max)
        return bad(option,
                   "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
}

Result<double> number(const std::string& option, std::string_view text, double min, double max) {
    // std::from_chars for double is in libstdc++ 11+; it accepts no leading '+'.
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(v))
        return bad(option, "expected a number");
    if (v < min || v > max)
        return bad(option,
                   "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
}

Result<std::chrono::milliseconds> millis(const std::string& option, std::string_view text,
                                         std::int64_t min) {
    UJ_ASSIGN(const std::int64_t v, integer(option, text, min, kMaxMillis));
    return std::chrono::milliseconds(v);
}

// host:port, [v6]:port
Status listen_address(std::string_view text, SmscOptions& o) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return bad("--listen", "expected host:port");
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty() || host.size() > 253) return bad("--listen", "expected host:port");
    UJ_ASSIGN(const std::int64_t port, integer("--listen", text.substr(colon + 1), 0, 65535));
    o.host = std::string(host);
    o.port = static_cast<std::uint16_t>(port);
    return {};
}

Result<std::string> credential(const std::string& option, std::string_view text) {
    if (text.empty() || text.size() > kMaxCredential)
        return bad(option, "must be 1 to " + std::to_string(kMaxCredential) + " characters");
    for (unsigned char ch : text)
        if (ch < 0x20 || ch == 0x7F) return bad(option, "must be printable");
    return std::string(text);
}

Result<bool> on_off(const std::string& option, std::string_view text) {
    if (text == "on" || text == "true" || text == "1") return true;
    if (text == "off" || text == "false" || text == "0") return false;
    return bad(option, "expected on or off");
}

using Setter = Status (*)(std::string_view, SmscOptions&);

// Every option and how its value is read: one table.
const std::map<std::string, Setter, std::less<>>& setters() {
    static const std::map<std::string, Setter, std::less<>> table = {
        {"--listen", [](std::string_view v, SmscOptions& o) { return listen_address(v, o); }},
        {"--system-id",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(o.system_id, credential("--system-id", v));
             return {};
         }},
        {"--password",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(o.password, credential("--password", v));
             return {};
         }},
        {"--receipts",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(o.receipts, on_off("--receipts", v));
             return {};
         }},
        {"--receipt-delay-ms",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(o.receipt_delay, millis("--receipt-delay-ms", v, 0));
             return {};
         }},
        {"--failure-ratio",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(o.failure_ratio, number("--failure-ratio", v, 0, 1));
             return {};
         }},
        {"--failure-error",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(const auto e, integer("--failure-error", v, 0, 999));
             o.failure_error = static_cast<int>(e);
             return {};
         }},
        {"--tps",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(o.tps, number("--tps", v, 0, 1e6));
             return {};
         }},
        {"--id-format",
         [](std::string_view v, SmscOptions& o) -> Status {
             if (v == "decimal")
                 o.id_format = SmscIdFormat::kDecimal;
             else if (v == "hex")
                 o.id_format = SmscIdFormat::kHex;
             else
                 return bad("--id-format", "expected decimal or hex");
             return {};
         }},
        {"--window",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(const auto n, integer("--window", v, 1, 100000));
             o.window = static_cast<std::size_t>(n);
             return {};
         }},
        {"--max-sessions",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(const auto n, integer("--max-sessions", v, 1, 10000));
             o.max_sessions = static_cast<std::size_t>(n);
             return {};
         }},
        {"--enquire-link-ms",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(o.enquire_link_interval, millis("--enquire-link-ms", v, 100));
             return {};
         }},
        {"--response-timeout-ms",
         [](std::string_view v, SmscOptions& o) -> Status {
             UJ_ASSIGN(o.response_timeout, millis("--response-timeout-ms", v, 100));
             return {};
         }},
    };
    return table;
}

// A phone number (digits, an optional leading '+') or an alphanumeric sender.
Status check_address(const char* field, std::string_view address) {
    if (address.empty() || address.size() > kMaxAddress)
        return Error::invalid(field, "must be 1 to " + std::to_string(kMaxAddress) + " characters");
    for (unsigned char ch : address)
        if (!std::isalnum(ch) && ch != '+')
            return Error::invalid(field, "letters, digits and + only");
    return {};
}

}  // namespace

const char* smsc_usage() {
    return R"(Usage: ujumbe smsc [options]
An SMSC simulator for testing SMPP gateways (docs/smsc.md). Prints
"listening PORT" first on stdout, one JSON line per PDU event on stderr, and
reads "mo <from> <to> <text>" lines on stdin.
Options:
  --listen HOST:PORT         address to listen on (127.0.0.1:2775; port 0: any)
  --system-id ID             require this system_id (default: accept any)
  --password PASSWORD        require this password (default: accept any)
  --receipts on|off          send delivery receipts when asked (on)
  --receipt-delay-ms N       wait before each receipt (100)
  --failure-ratio R          share of messages reported UNDELIV, 0..1 (0)
  --failure-error N          err: code of those receipts, 0..999 (1)
  --tps N                    submit_sm a second before ESME_RTHROTTLED (0: no limit)
  --id-format decimal|hex    how message ids are written (decimal)
  --window N                 unanswered submit_sm per session (100)
  --max-sessions N           open connections (64)
  --enquire-link-ms N        send enquire_link after this idle time (30000)
  --response-timeout-ms N    wait for any answer this long (10000)
  --help                     show this help
)";
}

Result<SmscCommandLine> parse_smsc_options(const std::vector<std::string>& args) {
    SmscCommandLine line;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "--help" || arg == "-h") {
            line.help = true;
            continue;
        }
        std::string name(arg);
        std::optional<std::string_view> value;
        if (const auto eq = arg.find('='); eq != std::string_view::npos) {
            name = std::string(arg.substr(0, eq));
            value = arg.substr(eq + 1);
        }
        const auto setter = setters().find(name);
        if (setter == setters().end()) {
            const std::string shown = name.size() > 40 ? name.substr(0, 40) + "..." : name;
            return Error::invalid("options", "unknown option " + shown);
        }
        if (!value) {
            if (i + 1 >= args.size()) return bad(name, "needs a value");
            value = args[++i];
        }
        UJ_TRY(setter->second(*value, line.options));
    }
    return line;
}

Result<std::optional<MoCommand>> parse_smsc_line(std::string_view line) {
    if (line.size() > kMaxSmscLine)
        return Error::invalid("line", "longer than " + std::to_string(kMaxSmscLine) + " octets");
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') return std::optional<MoCommand>{};
    line.remove_prefix(first);
    // The words before the text; the text is the rest of the line, spaces kept.
    auto word = [&line]() {
        const auto end = line.find_first_of(" \t");
        std::string_view w = line.substr(0, end);
        line = end == std::string_view::npos ? std::string_view{} : line.substr(end + 1);
        return w;
    };
    const std::string_view command = word();
    if (command != "mo") {
        const std::string shown(command.substr(0, 20));
        return Error::invalid("command", "unknown command '" + shown + "' (expected: mo)");
    }
    MoCommand mo;
    mo.from = std::string(word());
    mo.to = std::string(word());
    mo.text = std::string(line);
    if (mo.from.empty() || mo.to.empty())
        return Error::invalid("mo", "expected: mo <from> <to> <text>");
    UJ_TRY(check_address("from", mo.from));
    UJ_TRY(check_address("to", mo.to));
    const auto count = formats::count_segments(mo.text);
    if (!count) return Error::invalid("text", "not valid UTF-8");
    if (count->segments > kMaxMoSegments)
        return Error::invalid("text", "more than " + std::to_string(kMaxMoSegments) + " parts");
    return std::optional<MoCommand>(std::move(mo));
}

}  // namespace ujumbe::channels
