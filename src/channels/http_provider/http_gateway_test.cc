// A provider's callback is answered only once its reports are stored: 503
// DATABASE_UNAVAILABLE while the listener cannot take them, so the provider
// calls again.

#include "channels/http_provider/http_gateway.h"

#include <gtest/gtest.h>

#include <thread>

namespace ujumbe::channels {
namespace {

using json = nlohmann::json;

// Answers every report with the fate it is told, from another thread, as
// the pipeline's committer does.
class DecidingListener final : public GatewayListener {
public:
    ReportFate fate = ReportFate::kStored;
    std::size_t receipts = 0;
    void on_receipt(const ReceiptReport&, ReportDone done) override {
        ++receipts;
        std::thread([done = std::move(done), f = fate] { done(f); }).detach();
    }
    void on_inbound(const InboundReport&, ReportDone done) override { done(fate); }
};

class HttpGatewayCallback : public ::testing::Test {
protected:
    HttpGatewayCallback() {
        auto settings =
            read_provider_settings({{"url", "http://127.0.0.1:9/"}}, {{"hook_secret", "s3cret"}});
        EXPECT_TRUE(settings);
        gateway_ = std::make_shared<HttpGateway>(GatewayId{"gw-http"}, *settings, io_, listener_);
    }
    static ProviderCallback receipts(int n) {
        ProviderCallback cb;
        cb.query["secret"] = "s3cret";
        cb.content_type = "application/json";
        json docs = json::array();
        for (int i = 0; i < n; ++i)
            docs.push_back({{"id", std::to_string(i)}, {"status", "DELIVRD"}});
        cb.body = docs.dump();
        return cb;
    }

    boost::asio::io_context io_;
    DecidingListener listener_;
    std::shared_ptr<HttpGateway> gateway_;
};

TEST_F(HttpGatewayCallback, IsAnsweredOnceEveryReportIsStored) {
    auto answered = gateway_->on_callback(receipts(3));
    ASSERT_TRUE(answered) << answered.error().message;
    EXPECT_EQ(*answered, 3u);
    EXPECT_EQ(listener_.receipts, 3u);
}

TEST_F(HttpGatewayCallback, IsRefusedForNowWhenTheDatabaseCannotTakeItsReports) {
    listener_.fate = ReportFate::kRetryLater;
    auto answered = gateway_->on_callback(receipts(2));
    ASSERT_FALSE(answered);
    EXPECT_EQ(answered.error().error_code, "DATABASE_UNAVAILABLE");
    EXPECT_GT(answered.error().retry_after_s, 0);
}

TEST_F(HttpGatewayCallback, WithoutTheSecretNothingReachesTheListener) {
    auto cb = receipts(1);
    cb.query.clear();
    EXPECT_FALSE(gateway_->on_callback(cb));
    EXPECT_EQ(listener_.receipts, 0u);
}

}  // namespace
}  // namespace ujumbe::channels
