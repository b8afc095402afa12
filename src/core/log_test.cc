#include "core/log.h"

#include <gtest/gtest.h>

namespace ujumbe::log {
namespace {

TEST(LogText, TimeLevelMessageAndFieldsOnOneLine) {
    const auto line = text_line("2026-12-05T01:02:03.000004Z", "info", "listening",
                                {{"address", "127.0.0.1:8080"}, {"threads", 2}});
    EXPECT_EQ(line, "2026-12-05T01:02:03.000004Z INFO  listening address=127.0.0.1:8080 threads=2");
    EXPECT_EQ(text_line("t", "error", "m", nlohmann::json::object()), "t ERROR m");
}

TEST(LogText, ValuesThatCouldBreakTheLineAreQuoted) {
    const auto line = text_line("t", "warn", "request failed",
                                {{"error", "no route\nto \"host\""}, {"empty", ""}, {"eq", "a=b"}});
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_NE(line.find("error=\"no route\\nto \\\"host\\\"\""), std::string::npos) << line;
    EXPECT_NE(line.find("empty=\"\""), std::string::npos) << line;
    EXPECT_NE(line.find("eq=\"a=b\""), std::string::npos) << line;
}

}  // namespace
}  // namespace ujumbe::log
