#include "formats/media_type.h"

#include <gtest/gtest.h>

namespace ujumbe::formats {
namespace {

using namespace std::string_view_literals;

std::string mime(std::string_view head, std::string_view name = "") {
    auto t = sniff_media(head, name);
    return t ? t->mime_type : "none";
}

TEST(MediaType, KnowsTheCloudApiFormatsByTheirFirstBytes) {
    EXPECT_EQ(mime("\xFF\xD8\xFF\xE0\0\x10JFIF"sv), "image/jpeg");
    EXPECT_EQ(mime("\x89PNG\r\n\x1A\n\0\0\0\rIHDR"sv), "image/png");
    EXPECT_EQ(mime("RIFF\x10\0\0\0WEBPVP8 "sv), "image/webp");
    EXPECT_EQ(sniff_media("RIFF\x10\0\0\0WEBPVP8 "sv, "")->kind, "sticker");
    EXPECT_EQ(mime("%PDF-1.7\n"), "application/pdf");
    EXPECT_EQ(mime("\0\0\0\x18"
                   "ftypmp42"sv),
              "video/mp4");
    EXPECT_EQ(mime("\0\0\0\x18"
                   "ftyp3gp5"sv),
              "video/3gpp");
    EXPECT_EQ(mime("\0\0\0\x18"
                   "ftypM4A "sv),
              "audio/mp4");
    EXPECT_EQ(mime("OggS\0\x02"sv), "audio/ogg");
    EXPECT_EQ(mime("#!AMR\n"), "audio/amr");
    EXPECT_EQ(mime("ID3\x04\0"sv), "audio/mpeg");
    EXPECT_EQ(mime("\xFF\xFB\x90\x64"), "audio/mpeg");
    EXPECT_EQ(mime("\xFF\xF1\x50\x80"), "audio/aac");
    EXPECT_EQ(mime("Hello,\r\nthis is a note.\n"), "text/plain");
    EXPECT_EQ(mime("Habari za asubuhi \xE2\x9C\x93"), "text/plain");
}

TEST(MediaType, TheNameNeverOverridesTheContent) {
    // A program named like a picture, and a picture named like a document.
    EXPECT_EQ(mime("MZ\x90\0\x03\0\0\0"sv, "cat.jpg"), "none");
    EXPECT_EQ(mime("\x7F"
                   "ELF\x02\x01",
                   "report.pdf"),
              "none");
    EXPECT_EQ(mime("\xFF\xD8\xFF\xDB", "report.pdf"), "image/jpeg");
}

TEST(MediaType, ContainersSharedBySeveralFormatsAreToldByTheName) {
    const std::string zip(std::string_view("PK\x03\x04\x14\0\x06\0"sv));
    EXPECT_EQ(mime(zip, "Offer.DOCX"),
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    EXPECT_EQ(mime(zip, "prices.xlsx"),
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    EXPECT_EQ(mime(zip, "archive.zip"), "none");
    EXPECT_EQ(mime(zip, ""), "none");
    const std::string ole = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    EXPECT_EQ(mime(ole, "old.xls"), "application/vnd.ms-excel");
    EXPECT_EQ(mime(ole, "old.doc"), "application/msword");
}

TEST(MediaType, RefusesBinaryAndBrokenText) {
    EXPECT_EQ(mime(""), "none");
    EXPECT_EQ(mime("abc\0def"sv), "none");
    EXPECT_EQ(mime("caf\xC3"), "none");  // cut character, short file
    EXPECT_EQ(mime("\xC0\xAF overlong"), "none");
    EXPECT_EQ(mime("RIFF\x10\0\0\0WAVEfmt "sv), "none");  // WAV: not a WhatsApp type
}

TEST(MediaType, ACharacterCutAtTheEndOfTheSniffedBytesIsStillText) {
    std::string head(kMediaSniffBytes - 1, 'a');
    head += "\xE2";  // the first byte of a three-byte character
    EXPECT_EQ(mime(head), "text/plain");
}

TEST(MediaType, LimitsFollowTheKind) {
    EXPECT_EQ(sniff_media("\xFF\xD8\xFF\xE0", "")->max_bytes, 5u * 1024 * 1024);
    EXPECT_EQ(sniff_media("%PDF-1.4", "")->max_bytes, 100u * 1024 * 1024);
}

TEST(MediaType, CleansFileNames) {
    EXPECT_EQ(clean_filename("../../etc/passwd"), "passwd");
    EXPECT_EQ(clean_filename("C:\\Users\\a\\invoice \"May\".pdf"), "invoice May.pdf");
    EXPECT_EQ(clean_filename("line\r\nbreak.txt"), "linebreak.txt");
    EXPECT_EQ(clean_filename("bad\xFF.txt"), "");
    EXPECT_EQ(clean_filename(std::string(300, 'x')).size(), 200u);
}

}  // namespace
}  // namespace ujumbe::formats
