#include "channels/smpp/receipt.h"

#include <gtest/gtest.h>

namespace ujumbe::smpp {
namespace {

TEST(SmppReceipt, ReadsTheAppendixBText) {
    auto r = parse_receipt_text(
        "id:0123456789 sub:001 dlvrd:001 submit date:2611281015 done date:261128101732 "
        "stat:DELIVRD err:000 text:Hello there");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->message_id, "0123456789");
    EXPECT_EQ(r->stat, "DELIVRD");
    EXPECT_EQ(r->outcome, ReceiptOutcome::kDelivered);
    EXPECT_EQ(r->err, std::optional<std::string>("000"));
    EXPECT_EQ(r->submitted, 1);
    EXPECT_EQ(r->delivered, 1);
    EXPECT_EQ(r->submit_date, parse_iso8601("2026-11-28T10:15:00Z"));
    EXPECT_EQ(r->done_date, parse_iso8601("2026-11-28T10:17:32Z"));
}

TEST(SmppReceipt, ToleratesWhatSmscsWrite) {
    // Hex and UUID-like ids, missing fields, "Text:" capitalised, NUL padding.
    auto r = parse_receipt_text(std::string("id:0A1b-ff_2 stat:UNDELIV err:1 Text:x\0\0", 41));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->message_id, "0A1b-ff_2");
    EXPECT_EQ(r->outcome, ReceiptOutcome::kUndeliverable);
    EXPECT_EQ(r->err, std::optional<std::string>("1"));
    EXPECT_FALSE(r->submitted);
    EXPECT_FALSE(r->submit_date);
    r = parse_receipt_text("ID:77 STAT:expired");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->outcome, ReceiptOutcome::kExpired);
    r = parse_receipt_text("id:5 stat:WHATEVR");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->outcome, ReceiptOutcome::kUnknown);
    EXPECT_TRUE(is_final(r->outcome));
    for (const char* pending : {"ENROUTE", "ACCEPTD", "BUFFRED", "ACKED"})
        EXPECT_FALSE(is_final(outcome_of_stat(pending))) << pending;
    EXPECT_EQ(outcome_of_stat("REJECTD"), ReceiptOutcome::kRejected);
    EXPECT_EQ(outcome_of_stat("DELETED"), ReceiptOutcome::kDeleted);
    // No id: no receipt. Bad dates are left out, not guessed.
    EXPECT_FALSE(parse_receipt_text("stat:DELIVRD err:000"));
    EXPECT_FALSE(parse_receipt_text(""));
    EXPECT_FALSE(parse_receipt_text("valid:1 paid:2"));
    r = parse_receipt_text("id:9 submit date:26112 done date:2613281015");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->submit_date);
    EXPECT_FALSE(r->done_date);
}

TEST(SmppReceipt, OutcomesBecomePartStatuses) {
    using channels::DeliveryStatus;
    EXPECT_EQ(delivery_status_of(outcome_of_stat("DELIVRD")), DeliveryStatus::kDelivered);
    EXPECT_EQ(delivery_status_of(outcome_of_stat("EXPIRED")), DeliveryStatus::kExpired);
    EXPECT_EQ(delivery_status_of(outcome_of_stat("REJECTD")), DeliveryStatus::kRejected);
    for (const char* failed : {"UNDELIV", "DELETED", "UNKNOWN", "NOPE123"})
        EXPECT_EQ(delivery_status_of(outcome_of_stat(failed)), DeliveryStatus::kUndelivered)
            << failed;
    EXPECT_EQ(delivery_status_of(outcome_of_stat("ENROUTE")), DeliveryStatus::kSubmitted);
}

TEST(SmppReceipt, TlvsComeFirst) {
    ShortMessage m;
    m.esm_class = kEsmDeliveryReceipt | kEsmUdhi;
    m.short_message = "id:111 stat:DELIVRD err:000";
    m.tlvs = {Tlv{tlv::kReceiptedMessageId, std::string("6F\0", 3)},
              int_tlv(tlv::kMessageState, 5, 1),
              Tlv{tlv::kNetworkErrorCode, std::string("\x03\x00\x0b", 3)}};
    EXPECT_TRUE(is_receipt(m.esm_class));
    auto r = parse_receipt(m);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->message_id, "6F");
    EXPECT_EQ(r->outcome, ReceiptOutcome::kUndeliverable);
    EXPECT_EQ(r->err, std::optional<std::string>("000"));
    EXPECT_EQ(r->network_error, std::optional<std::string>("03000b"));
    // Only TLVs, no text.
    ShortMessage bare;
    bare.tlvs = {Tlv{tlv::kReceiptedMessageId, "abc"}, int_tlv(tlv::kMessageState, 2, 1)};
    r = parse_receipt(bare);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->message_id, "abc");
    EXPECT_EQ(r->outcome, ReceiptOutcome::kDelivered);
    EXPECT_EQ(r->stat, "delivered");
    // The text in message_payload when short_message is empty; data_sm too.
    ShortMessage payload;
    payload.tlvs = {Tlv{tlv::kMessagePayload, "id:42 stat:REJECTD err:045"}};
    EXPECT_EQ(parse_receipt(payload)->outcome, ReceiptOutcome::kRejected);
    DataSm data;
    data.tlvs = payload.tlvs;
    EXPECT_EQ(parse_receipt(data)->message_id, "42");
    EXPECT_FALSE(parse_receipt(ShortMessage{}));
    EXPECT_FALSE(is_receipt(0x00));
    EXPECT_FALSE(is_receipt(kEsmUdhi));
    EXPECT_TRUE(is_receipt(0x20));
}

TEST(SmppReceipt, MessageIdsInEitherBaseMeet) {
    // The same number as the hex of a submit_sm_resp and the decimal of a receipt.
    EXPECT_EQ(canonical_message_id("04000000086ECD50", IdBase::kHex),
              canonical_message_id("288230376293190992", IdBase::kDecimal));
    EXPECT_EQ(canonical_message_id("0a1B", IdBase::kHex), std::optional<std::string>("2587"));
    EXPECT_EQ(canonical_message_id("000123", IdBase::kDecimal), std::optional<std::string>("123"));
    EXPECT_EQ(canonical_message_id("0", IdBase::kDecimal), std::optional<std::string>("0"));
    // Wider than 64 bits.
    EXPECT_EQ(canonical_message_id("64567564356765435676", IdBase::kDecimal),
              std::optional<std::string>("64567564356765435676"));
    EXPECT_EQ(canonical_message_id("FFFFFFFFFFFFFFFFFF", IdBase::kHex),
              std::optional<std::string>("4722366482869645213695"));
    EXPECT_FALSE(canonical_message_id("12g", IdBase::kHex));
    EXPECT_FALSE(canonical_message_id("1a", IdBase::kDecimal));
    EXPECT_FALSE(canonical_message_id("", IdBase::kOpaque));
    EXPECT_EQ(canonical_message_id("Ab-1", IdBase::kOpaque), std::optional<std::string>("Ab-1"));
}

}  // namespace
}  // namespace ujumbe::smpp
