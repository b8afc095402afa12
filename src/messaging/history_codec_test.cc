#include "messaging/history_codec.h"

#include <gtest/gtest.h>

namespace ujumbe::messaging {
namespace {

TEST(HistoryCodec, EverythingComesBackAsItWent) {
    FoldedHistory h;
    h.events.push_back({41, "message.queued", "queued", std::nullopt, 1'790'000'000'000'001});
    h.events.push_back({42, "message.sent", "sent", R"({"gateway_id":"g","q":"\"x\""})", 2});
    h.events.push_back({47, "message.retry", "queued", std::nullopt, 1'790'000'000'500'000});
    Receipt r;
    r.id = "r-1";
    r.part = 2;
    r.gateway_id = GatewayId{"gw"};
    r.provider_id = "0a1b";
    r.stat = "UNDELIV";
    r.error_code = "001";
    r.done_date = "2601011201";
    r.received_at = 3;
    h.receipts.push_back(r);
    auto back = decode_history(encode_history(h));
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->events.size(), 3u);
    EXPECT_EQ(back->events[0].seq, 41);
    EXPECT_FALSE(back->events[0].detail);
    EXPECT_EQ(back->events[0].created_at, 1'790'000'000'000'001);
    EXPECT_EQ(back->events[1].detail, h.events[1].detail);
    EXPECT_EQ(back->events[1].type, "message.sent");
    EXPECT_EQ(back->events[1].created_at, 2);  // earlier than the one before
    EXPECT_EQ(back->events[2].type, "message.retry");
    EXPECT_EQ(back->events[2].status, "queued");
    EXPECT_EQ(back->events[2].created_at, 1'790'000'000'500'000);
    ASSERT_EQ(back->receipts.size(), 1u);
    const auto& got = back->receipts[0];
    EXPECT_EQ(got.id, "r-1");
    EXPECT_EQ(got.part, 2);
    EXPECT_EQ(got.gateway_id.value, "gw");
    EXPECT_EQ(got.stat, "UNDELIV");
    EXPECT_EQ(got.error_code, "001");
    EXPECT_FALSE(got.submit_date);
    EXPECT_EQ(got.done_date, "2601011201");
    EXPECT_EQ(got.received_at, 3);
    EXPECT_TRUE(decode_history(encode_history({})));
}

TEST(HistoryCodec, TextItDidNotWriteIsAnErrorNotACrash) {
    for (const char* text :
         {"", "null", "[]", "{", R"({"e":[]})", R"({"e":{},"r":[]})",
          R"({"e":[[1,"t","s",null]],"r":[]})", R"({"e":[["1","t","s",null,2]],"r":[]})",
          R"({"e":[[1,"t","s",7,2]],"r":[]})", R"({"e":[],"r":[[1,2,3,4,5,6,7,8,9]]})",
          R"({"e":[],"r":[["a",1,"g","p","s",null,null,null]]})", R"({"e":[1],"r":[]})",
          R"({"e":[[1e400,"t","s",null,2]],"r":[]})"}) {
        auto r = decode_history(text);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.error().code, ErrorCode::kInternal) << text;
    }
}

}  // namespace
}  // namespace ujumbe::messaging
