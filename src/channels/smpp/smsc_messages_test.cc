// What the SMSC simulator writes: ids, the failure share, receipts that our
// own receipt parser reads back, MO messages in parts.

#include "channels/smpp/smsc_messages.h"

#include <gtest/gtest.h>

#include "channels/smpp/receipt.h"
#include "core/clock.h"
#include "formats/sms_encoding.h"

namespace ujumbe::smpp {
namespace {

ShortMessage submitted(std::string text) {
    ShortMessage m;
    m.source_addr_ton = 5;
    m.source_addr = "Ujumbe";
    m.dest_addr_ton = 1;
    m.dest_addr_npi = 1;
    m.destination_addr = "255712345678";
    m.registered_delivery = 1;
    m.short_message = std::move(text);
    return m;
}

TEST(SmscMessages, IdsAreDecimalOrEightHexDigits) {
    EXPECT_EQ(simulator_message_id(17, channels::SmscIdFormat::kDecimal), "17");
    EXPECT_EQ(simulator_message_id(255, channels::SmscIdFormat::kHex), "000000FF");
}

TEST(SmscMessages, TheFailureShareRepeatsAndIsNearTheRatio) {
    int failed = 0;
    for (int i = 1; i <= 10000; ++i) {
        const std::string id = std::to_string(i);
        const bool f = reported_failed(id, 0.3);
        EXPECT_EQ(f, reported_failed(id, 0.3));
        failed += f;
    }
    EXPECT_GT(failed, 2700);
    EXPECT_LT(failed, 3300);
    EXPECT_FALSE(reported_failed("1", 0));
    EXPECT_TRUE(reported_failed("1", 1));
}

TEST(SmscMessages, AReceiptReadsBackAsDelivered) {
    const Micros submit = *parse_iso8601("2026-03-04T05:06:07Z");
    const Micros done = *parse_iso8601("2026-03-04T05:07:08Z");
    const auto r = receipt_message(submitted("Hello there, this is a long text"),
                                   {"1234", true, 0, submit, done});
    EXPECT_EQ(r.esm_class, kEsmDeliveryReceipt);
    EXPECT_EQ(r.source_addr, "255712345678");
    EXPECT_EQ(r.destination_addr, "Ujumbe");
    EXPECT_EQ(r.dest_addr_ton, 5);
    EXPECT_EQ(r.short_message,
              "id:1234 sub:001 dlvrd:001 submit date:2603040506 done date:2603040507 "
              "stat:DELIVRD err:000 text:Hello there, this is");
    EXPECT_EQ(*find_tlv(r.tlvs, tlv::kReceiptedMessageId), std::string("1234\0", 5));
    EXPECT_EQ(tlv_int(r.tlvs, tlv::kMessageState), 2u);
    const auto parsed = parse_receipt(r);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->message_id, "1234");
    EXPECT_EQ(parsed->outcome, ReceiptOutcome::kDelivered);
    EXPECT_EQ(parsed->submit_date, *parse_iso8601("2026-03-04T05:06:00Z"));
}

TEST(SmscMessages, AFailedReceiptSaysUndelivWithItsError) {
    const auto r = receipt_message(submitted("x"), {"77", false, 34, 0, 0});
    EXPECT_NE(r.short_message.find("dlvrd:000"), std::string::npos);
    EXPECT_NE(r.short_message.find("stat:UNDELIV err:034"), std::string::npos);
    EXPECT_EQ(tlv_int(r.tlvs, tlv::kMessageState), 5u);
    EXPECT_EQ(*find_tlv(r.tlvs, tlv::kNetworkErrorCode), std::string("\x03\x00\x22", 3));
    const auto parsed = parse_receipt(r);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->outcome, ReceiptOutcome::kUndeliverable);
    EXPECT_EQ(parsed->err, "034");
}

TEST(SmscMessages, TheReceiptTextSkipsAUdhAndUnprintableCharacters) {
    auto m = submitted(formats::concat_udh(9, 2, 1) + "part\x01one");
    m.esm_class = kEsmUdhi;
    const auto r = receipt_message(m, {"5", true, 0, 0, 0});
    EXPECT_TRUE(r.short_message.ends_with("text:part.one")) << r.short_message;
}

TEST(SmscMessages, AShortMoIsOneMessageWithItsAddresses) {
    const auto parts = mo_messages({"+255700000001", "15555", "Hi"}, 1);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].source_addr, "255700000001");
    EXPECT_EQ(parts[0].source_addr_ton, 1);
    EXPECT_EQ(parts[0].destination_addr, "15555");
    EXPECT_EQ(parts[0].esm_class, 0);
    EXPECT_EQ(parts[0].data_coding, 0);
    EXPECT_EQ(parts[0].short_message, "Hi");
    const auto alpha = mo_messages({"Bank", "15555", "x"}, 1);
    EXPECT_EQ(alpha[0].source_addr_ton, 5);
}

TEST(SmscMessages, ALongMoGoesInUdhParts) {
    const std::string text(200, 'a');
    const auto parts = mo_messages({"255700000001", "15555", text}, 42);
    ASSERT_EQ(parts.size(), 2u);
    std::string joined;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        EXPECT_EQ(parts[i].esm_class, kEsmUdhi);
        const auto split = formats::split_udh(parts[i].short_message);
        ASSERT_TRUE(split && split->concatenation);
        EXPECT_EQ(split->concatenation->reference, 42);
        EXPECT_EQ(split->concatenation->total, 2);
        EXPECT_EQ(split->concatenation->part, static_cast<int>(i + 1));
        joined += std::string(split->text);
    }
    EXPECT_EQ(joined, text);
}

TEST(SmscMessages, AnMoOutsideGsmIsUcs2) {
    const auto parts = mo_messages({"255700000001", "15555", "\xE2\x82\xAC\xF0\x9F\x98\x80"}, 1);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].data_coding, 8);
}

}  // namespace
}  // namespace ujumbe::smpp
