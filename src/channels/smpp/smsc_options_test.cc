// The options of `ujumbe smsc` and the lines of its standard input,
// well-formed and malformed.

#include <gtest/gtest.h>

#include "channels/smsc_simulator.h"

namespace ujumbe::channels {
namespace {

using namespace std::chrono_literals;

std::string error_of(const std::vector<std::string>& args) {
    auto r = parse_smsc_options(args);
    return r ? "" : r.error().message;
}

TEST(SmscOptions, NoArgumentsGiveTheDefaults) {
    auto r = parse_smsc_options({});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->options.host, "127.0.0.1");
    EXPECT_EQ(r->options.port, 2775);
    EXPECT_FALSE(r->options.system_id);
    EXPECT_FALSE(r->options.password);
    EXPECT_TRUE(r->options.receipts);
    EXPECT_EQ(r->options.failure_ratio, 0);
    EXPECT_FALSE(r->help);
}

TEST(SmscOptions, EveryOptionIsReadInBothForms) {
    auto r = parse_smsc_options({"--listen",
                                 "0.0.0.0:0",
                                 "--system-id=acme",
                                 "--password",
                                 "pw",
                                 "--receipts",
                                 "off",
                                 "--receipt-delay-ms=5",
                                 "--failure-ratio",
                                 "0.25",
                                 "--failure-error",
                                 "34",
                                 "--tps",
                                 "12.5",
                                 "--id-format",
                                 "hex",
                                 "--window",
                                 "7",
                                 "--max-sessions",
                                 "3",
                                 "--enquire-link-ms",
                                 "1000",
                                 "--response-timeout-ms",
                                 "2000"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const auto& o = r->options;
    EXPECT_EQ(o.host, "0.0.0.0");
    EXPECT_EQ(o.port, 0);
    EXPECT_EQ(o.system_id, "acme");
    EXPECT_EQ(o.password, "pw");
    EXPECT_FALSE(o.receipts);
    EXPECT_EQ(o.receipt_delay, 5ms);
    EXPECT_DOUBLE_EQ(o.failure_ratio, 0.25);
    EXPECT_EQ(o.failure_error, 34);
    EXPECT_DOUBLE_EQ(o.tps, 12.5);
    EXPECT_EQ(o.id_format, SmscIdFormat::kHex);
    EXPECT_EQ(o.window, 7u);
    EXPECT_EQ(o.max_sessions, 3u);
    EXPECT_EQ(o.enquire_link_interval, 1000ms);
    EXPECT_EQ(o.response_timeout, 2000ms);
}

TEST(SmscOptions, AnIpv6ListenAddressLosesItsBrackets) {
    auto r = parse_smsc_options({"--listen", "[::1]:2776"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->options.host, "::1");
    EXPECT_EQ(r->options.port, 2776);
}

TEST(SmscOptions, HelpIsAskedFor) {
    auto r = parse_smsc_options({"--help"});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->help);
    EXPECT_NE(std::string(smsc_usage()).find("--failure-ratio"), std::string::npos);
}

TEST(SmscOptions, MalformedOptionsAreNamed) {
    EXPECT_EQ(error_of({"--bogus", "1"}), "options: unknown option --bogus");
    EXPECT_EQ(error_of({"--tps"}), "--tps: needs a value");
    EXPECT_EQ(error_of({"--tps", "fast"}), "--tps: expected a number");
    EXPECT_EQ(error_of({"--tps", "-1"}), "--tps: must be between 0.000000 and 1000000.000000");
    EXPECT_EQ(error_of({"--tps", "nan"}), "--tps: expected a number");
    EXPECT_EQ(error_of({"--tps", "inf"}), "--tps: expected a number");
    EXPECT_EQ(error_of({"--failure-ratio", "1.5"}),
              "--failure-ratio: must be between 0.000000 and 1.000000");
    EXPECT_EQ(error_of({"--failure-ratio", ""}), "--failure-ratio: expected a number");
    EXPECT_EQ(error_of({"--failure-error", "1000"}), "--failure-error: must be between 0 and 999");
    EXPECT_EQ(error_of({"--receipt-delay-ms", "12ms"}),
              "--receipt-delay-ms: expected a whole number");
    EXPECT_EQ(error_of({"--receipt-delay-ms", "99999999999999999999"}),
              "--receipt-delay-ms: expected a whole number");
    EXPECT_EQ(error_of({"--receipt-delay-ms", "-5"}),
              "--receipt-delay-ms: must be between 0 and 86400000");
    EXPECT_EQ(error_of({"--window", "0"}), "--window: must be between 1 and 100000");
    EXPECT_EQ(error_of({"--enquire-link-ms", "10"}),
              "--enquire-link-ms: must be between 100 and 86400000");
    EXPECT_EQ(error_of({"--receipts", "maybe"}), "--receipts: expected on or off");
    EXPECT_EQ(error_of({"--id-format", "octal"}), "--id-format: expected decimal or hex");
    EXPECT_EQ(error_of({"--listen", "2775"}), "--listen: expected host:port");
    EXPECT_EQ(error_of({"--listen", ":2775"}), "--listen: expected host:port");
    EXPECT_EQ(error_of({"--listen", "[]:2775"}), "--listen: expected host:port");
    EXPECT_EQ(error_of({"--listen", "localhost:65536"}), "--listen: must be between 0 and 65535");
    EXPECT_EQ(error_of({"--listen", "localhost:port"}), "--listen: expected a whole number");
    EXPECT_EQ(error_of({"--system-id", ""}), "--system-id: must be 1 to 64 characters");
    EXPECT_EQ(error_of({"--password", std::string(65, 'x')}),
              "--password: must be 1 to 64 characters");
    EXPECT_EQ(error_of({"--password", std::string("a\nb")}), "--password: must be printable");
    EXPECT_EQ(error_of({"stray"}), "options: unknown option stray");
    // An unknown option is shown cut short.
    EXPECT_EQ(error_of({"--" + std::string(100, 'x')}),
              "options: unknown option --" + std::string(38, 'x') + "...");
}

TEST(SmscInput, AnMoLineKeepsTheSpacesOfItsText) {
    auto r = parse_smsc_line("mo +255700000001 15555 hello  there, world\r");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ((*r)->from, "+255700000001");
    EXPECT_EQ((*r)->to, "15555");
    EXPECT_EQ((*r)->text, "hello  there, world");
}

TEST(SmscInput, BlankLinesAndCommentsAreSkipped) {
    for (const char* line : {"", "   ", "\t", "# a comment", "  # indented"}) {
        auto r = parse_smsc_line(line);
        ASSERT_TRUE(r.ok()) << line;
        EXPECT_FALSE(r->has_value()) << line;
    }
}

TEST(SmscInput, AnMoWithoutTextSendsAnEmptyOne) {
    auto r = parse_smsc_line("mo Bank 255700000001");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->from, "Bank");
    EXPECT_EQ((*r)->text, "");
}

TEST(SmscInput, MalformedLinesAreRefused) {
    auto message = [](std::string_view line) {
        auto r = parse_smsc_line(line);
        return r ? std::string("ok") : r.error().message;
    };
    EXPECT_EQ(message("send 1 2 hi"), "command: unknown command 'send' (expected: mo)");
    EXPECT_EQ(message("mo"), "mo: expected: mo <from> <to> <text>");
    EXPECT_EQ(message("mo 255700000001"), "mo: expected: mo <from> <to> <text>");
    EXPECT_EQ(message("mo 2557-0000 15555 hi"), "from: letters, digits and + only");
    EXPECT_EQ(message("mo 255700000001 " + std::string(21, '1') + " hi"),
              "to: must be 1 to 20 characters");
    EXPECT_EQ(message("mo 1 2 \xC3\x28"), "text: not valid UTF-8");
    EXPECT_EQ(message("mo 1 2 " + std::string(kMaxSmscLine, 'a')), "line: longer than 4096 octets");
    EXPECT_EQ(message(std::string("mo 1\0 2 x", 9)), "from: letters, digits and + only");
}

}  // namespace
}  // namespace ujumbe::channels
