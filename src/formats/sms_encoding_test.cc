#include "formats/sms_encoding.h"

#include <gtest/gtest.h>

#include <deque>

namespace ujumbe::formats {
namespace {

std::string repeat(std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

void expect_count(const std::string& text, Encoding encoding, std::size_t units,
                  std::size_t segments) {
    auto c = count_segments(text);
    ASSERT_TRUE(c) << text;
    EXPECT_EQ(c->encoding, encoding) << text;
    EXPECT_EQ(c->units, units) << text;
    EXPECT_EQ(c->segments, segments) << text;
}

// The table of PROTOCOLS.md 2.5.
TEST(SmsEncoding, CountsOfTheReferenceTable) {
    expect_count(repeat("a", 160), Encoding::kGsm7, 160, 1);
    expect_count(repeat("a", 161), Encoding::kGsm7, 161, 2);
    expect_count(repeat("a", 306), Encoding::kGsm7, 306, 2);
    expect_count(repeat("a", 307), Encoding::kGsm7, 307, 3);
    expect_count(repeat("€", 80), Encoding::kGsm7, 160, 1);
    expect_count(repeat("€", 81), Encoding::kGsm7, 162, 2);
    expect_count(repeat("ж", 70), Encoding::kUcs2, 70, 1);
    expect_count(repeat("ж", 71), Encoding::kUcs2, 71, 2);
    expect_count(repeat("😀", 35), Encoding::kUcs2, 70, 1);
    expect_count(repeat("😀", 36), Encoding::kUcs2, 72, 2);
    expect_count("`", Encoding::kUcs2, 1, 1);
    expect_count("ç", Encoding::kUcs2, 1, 1);
    expect_count("", Encoding::kGsm7, 0, 1);
}

TEST(SmsEncoding, EveryCharacterOfBothGsmTablesStaysGsm) {
    const std::string basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    expect_count(basic, Encoding::kGsm7, 127, 1);
    expect_count("\f^{}\\[~]|€", Encoding::kGsm7, 20, 1);
    auto encoded = encode_sms("@$¤€[");
    ASSERT_TRUE(encoded);
    EXPECT_EQ(encoded->parts.front(), std::string("\x00\x02\x24\x1b\x65\x1b\x3c", 7));
}

TEST(SmsEncoding, CharactersOutsideGsmForceUcs2) {
    for (const char* text : {"á", "“quoted”", "–", "…", "\t", "\u00A0", "مرحبا", "你好"})
        EXPECT_EQ(count_segments(text)->encoding, Encoding::kUcs2) << text;
    auto encoded = encode_sms("Aж😀");
    ASSERT_TRUE(encoded);
    EXPECT_EQ(encoded->parts.front(), std::string("\x00\x41\x04\x36\xD8\x3D\xDE\x00", 8));
    EXPECT_EQ(data_coding_of(Encoding::kUcs2), 0x08);
    EXPECT_EQ(data_coding_of(Encoding::kGsm7), 0x00);
}

TEST(SmsEncoding, AnEscapePairIsNeverSplit) {
    // 152 plain septets, then '€' (2): it cannot fit in the first part's 153.
    auto encoded = encode_sms(repeat("a", 152) + "€" + repeat("b", 10));
    ASSERT_TRUE(encoded);
    ASSERT_EQ(encoded->parts.size(), 2u);
    EXPECT_EQ(encoded->parts[0], repeat("a", 152));
    EXPECT_EQ(encoded->parts[1], "\x1b\x65" + repeat("b", 10));
    // ceil(n / 153) would say 2 parts for 306 units; the pairs make it 3.
    expect_count(repeat("a", 152) + repeat("€", 77), Encoding::kGsm7, 306, 3);
}

TEST(SmsEncoding, SurrogatePairsAndClustersAreNeverSplit) {
    // 66 units, then an emoji (2 units): it moves to the second part whole.
    auto encoded = encode_sms(repeat("ж", 66) + "😀" + repeat("ж", 3));
    ASSERT_TRUE(encoded);
    ASSERT_EQ(encoded->parts.size(), 2u);
    EXPECT_EQ(encoded->parts[0].size(), 132u);
    EXPECT_EQ(encoded->parts[1], std::string("\xD8\x3D\xDE\x00\x04\x36\x04\x36\x04\x36", 10));
    // A family (8 units with joiners) and a flag (4) stay together.
    const std::string family = "👨‍👩‍👧";
    const std::string flag = "🇺🇿";
    encoded = encode_sms(repeat("ж", 62) + family + flag);
    ASSERT_TRUE(encoded);
    ASSERT_EQ(encoded->parts.size(), 2u);
    EXPECT_EQ(encoded->parts[0].size(), 124u);
    EXPECT_EQ(encoded->parts[1].size(), 24u);
    // 64 units leave room for half a flag only: both flags go on.
    encoded = encode_sms(repeat("ж", 64) + flag + flag);
    ASSERT_TRUE(encoded);
    ASSERT_EQ(encoded->parts.size(), 2u);
    EXPECT_EQ(encoded->parts[0].size(), 128u);
    EXPECT_EQ(encoded->parts[1].size(), 16u);
}

TEST(SmsEncoding, PartsRebuildTheTextAndRespectTheLimits) {
    for (const ReferenceSize ref : {ReferenceSize::k8Bit, ReferenceSize::k16Bit}) {
        const std::size_t gsm_part = ref == ReferenceSize::k8Bit ? 153 : 152;
        const std::string text = repeat("Habari [yako] ", 60);
        auto encoded = encode_sms(text, ref);
        ASSERT_TRUE(encoded);
        std::string joined;
        for (const auto& p : encoded->parts) {
            EXPECT_LE(p.size(), gsm_part);
            joined += p;
        }
        EXPECT_EQ(decode_text(joined, 0x00), text);
        EXPECT_EQ(count_segments(text, ref)->segments, encoded->parts.size());

        const std::string wide = repeat("Привет 👋🏽 ", 30);
        encoded = encode_sms(wide, ref);
        ASSERT_TRUE(encoded);
        joined.clear();
        for (const auto& p : encoded->parts) {
            EXPECT_LE(p.size(), ref == ReferenceSize::k8Bit ? 134u : 132u);
            joined += p;
        }
        EXPECT_EQ(decode_text(joined, 0x08), wide);
    }
    expect_count(repeat("a", 161), Encoding::kGsm7, 161, 2);
    EXPECT_EQ(count_segments(repeat("a", 305), ReferenceSize::k16Bit)->segments, 3u);
}

TEST(SmsEncoding, InvalidUtf8IsRefused) {
    for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "a\xf4\x90\x80\x80"})
        EXPECT_FALSE(count_segments(bad)) << bad;
    EXPECT_FALSE(encode_sms("\xe2\x82"));
}

TEST(SmsEncoding, ConcatenationHeaders) {
    EXPECT_EQ(concat_udh(0x1234, 3, 2), std::string("\x05\x00\x03\x34\x03\x02", 6));
    EXPECT_EQ(concat_udh(0x1234, 3, 2, ReferenceSize::k16Bit),
              std::string("\x06\x08\x04\x12\x34\x03\x02", 7));
}

TEST(SmsEncoding, DecodesReceivedTexts) {
    EXPECT_EQ(decode_text(std::string("\x00\x02\x24\x1b\x65\x1b\x3c", 7), 0x00), "@$¤€[");
    // An escape the extension table lacks shows the basic character.
    EXPECT_EQ(decode_text("\x1b\x41", 0x00), "A");
    EXPECT_EQ(decode_text("Hi", 0xF0), "Hi");  // class 0 (flash), GSM
    EXPECT_EQ(decode_text("caf\xe9", 0x03), "café");
    EXPECT_EQ(decode_text("a\xff", 0x01), "a?");
    EXPECT_EQ(decode_text(std::string("\xD8\x3D\xDE\x00\x00\x41", 6), 0x08), "😀A");
    EXPECT_EQ(decode_text(std::string("\xD8\x3D\x00\x41", 4), 0x08), "?A");  // lone surrogate
    EXPECT_EQ(decode_text(std::string("\x00\x41\x00", 3), 0x08), "A?");      // half a unit
    EXPECT_FALSE(decode_text("\x01\x02", 0x04));
    EXPECT_FALSE(decode_text("\x01\x02", 0xF4));
}

// Octets from their values, for UDHs full of NULs.
std::string octets(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out += static_cast<char>(v);
    return out;
}

// split_udh views its payload: the payloads built in an expression are kept
// here for the rest of the test program.
std::string_view keep(std::string payload) {
    static std::deque<std::string> kept;
    kept.push_back(std::move(payload));
    return kept.back();
}

void expect_concatenation(const std::optional<UdhSplit>& split, int reference, int total,
                          int part) {
    ASSERT_TRUE(split);
    ASSERT_TRUE(split->concatenation);
    EXPECT_EQ(split->concatenation->reference, reference);
    EXPECT_EQ(split->concatenation->total, total);
    EXPECT_EQ(split->concatenation->part, part);
}

TEST(ReceivedUdh, SplitsAnEightBitConcatenation) {
    const std::string payload = octets({0x05, 0x00, 0x03, 0xA7, 0x03, 0x02}) + "Habari";
    auto split = split_udh(payload);
    expect_concatenation(split, 0xA7, 3, 2);
    EXPECT_EQ(split->text, "Habari");
    // What concat_udh writes reads back (the split views the payload: keep it).
    const std::string written = concat_udh(0x1234, 9, 9) + "x";
    split = split_udh(written);
    expect_concatenation(split, 0x34, 9, 9);
    EXPECT_EQ(split->text, "x");
}

TEST(ReceivedUdh, SplitsASixteenBitConcatenation) {
    const std::string payload = octets({0x06, 0x08, 0x04, 0xBE, 0xEF, 0x02, 0x01}) + "Hi";
    auto split = split_udh(payload);
    expect_concatenation(split, 0xBEEF, 2, 1);
    EXPECT_EQ(split->text, "Hi");
    split = split_udh(keep(concat_udh(0x1234, 4, 3, ReferenceSize::k16Bit) + "yo"));
    expect_concatenation(split, 0x1234, 4, 3);
    EXPECT_EQ(split->text, "yo");
}

TEST(ReceivedUdh, FindsTheConcatenationAfterAnotherElement) {
    // Text formatting (IEI 0x0A, 3 octets), then the 8-bit concatenation.
    const std::string payload =
        octets({0x0A, 0x0A, 0x03, 0x00, 0x05, 0x00, 0x00, 0x03, 0x42, 0x02, 0x01}) + "text";
    auto split = split_udh(payload);
    expect_concatenation(split, 0x42, 2, 1);
    EXPECT_EQ(split->text, "text");
    // The 16-bit one after an element of no octets.
    split = split_udh(keep(octets({0x08, 0x24, 0x00, 0x08, 0x04, 0x00, 0x07, 0x05, 0x05}) + "end"));
    expect_concatenation(split, 7, 5, 5);
    EXPECT_EQ(split->text, "end");
}

TEST(ReceivedUdh, AUdhWithoutConcatenationOnlyStrips) {
    auto split = split_udh(keep(octets({0x03, 0x0A, 0x01, 0x00}) + "plain"));
    ASSERT_TRUE(split);
    EXPECT_FALSE(split->concatenation);
    EXPECT_EQ(split->text, "plain");
    split = split_udh(keep(octets({0x00}) + "abc"));  // an empty UDH
    ASSERT_TRUE(split);
    EXPECT_FALSE(split->concatenation);
    EXPECT_EQ(split->text, "abc");
    split = split_udh(keep(octets({0x05, 0x00, 0x03, 0x01, 0x02, 0x01})));  // no text after it
    expect_concatenation(split, 1, 2, 1);
    EXPECT_EQ(split->text, "");
}

TEST(ReceivedUdh, AUdhLongerThanThePayloadIsRefused) {
    EXPECT_FALSE(split_udh(""));
    EXPECT_FALSE(split_udh(octets({0x01})));
    EXPECT_FALSE(split_udh(octets({0x06, 0x00, 0x03, 0x01, 0x02, 0x01})));
    EXPECT_FALSE(split_udh(octets({0xFF}) + "short"));
}

TEST(ReceivedUdh, AnElementRunningPastTheUdhIsRefused) {
    // The element claims 4 octets; the UDH holds 3 after its header.
    EXPECT_FALSE(split_udh(octets({0x05, 0x00, 0x04, 0x01, 0x02, 0x01}) + "text"));
    // The second element runs past the UDH into the text.
    EXPECT_FALSE(split_udh(octets({0x05, 0x0A, 0x00, 0x00, 0x05, 0x01}) + "text"));
}

TEST(ReceivedUdh, InvalidConcatenationValuesAreIgnored) {
    for (const std::string& udh : {
             octets({0x05, 0x00, 0x03, 0x01, 0x03, 0x00}),        // part 0
             octets({0x05, 0x00, 0x03, 0x01, 0x02, 0x03}),        // part after the last
             octets({0x05, 0x00, 0x03, 0x01, 0x00, 0x00}),        // total 0
             octets({0x06, 0x08, 0x04, 0x00, 0x01, 0x03, 0x00}),  // 16-bit, part 0
             octets({0x06, 0x08, 0x04, 0x00, 0x01, 0x02, 0x05}),  // 16-bit, part after the last
             octets({0x06, 0x00, 0x04, 0x01, 0x02, 0x01, 0x00}),  // 8-bit IEI with 4 octets
             octets({0x05, 0x08, 0x03, 0x01, 0x02, 0x01}),        // 16-bit IEI with 3 octets
         }) {
        auto split = split_udh(keep(udh + "text"));
        ASSERT_TRUE(split) << udh.size();
        EXPECT_FALSE(split->concatenation) << udh.size();
        EXPECT_EQ(split->text, "text");
    }
}

}  // namespace
}  // namespace ujumbe::formats
