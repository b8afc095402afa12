#include "formats/multipart.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace ujumbe::formats {
namespace {

constexpr std::string_view kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

// Writes bodies into a private directory and opens them for reading.
class Multipart : public ::testing::Test {
protected:
    void SetUp() override {
        char dir[] = "/tmp/ujumbe-multipart-XXXXXX";
        ASSERT_NE(::mkdtemp(dir), nullptr);
        dir_ = dir;
    }
    void TearDown() override {
        for (int fd : fds_) ::close(fd);
        std::filesystem::remove_all(dir_);
    }

    int file(const std::string& content) {
        const auto path = dir_ + "/body" + std::to_string(fds_.size());
        const int w = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        EXPECT_GE(w, 0);
        EXPECT_EQ(::write(w, content.data(), content.size()), static_cast<ssize_t>(content.size()));
        ::close(w);
        const int fd = ::open(path.c_str(), O_RDONLY);
        EXPECT_GE(fd, 0);
        fds_.push_back(fd);
        return fd;
    }

    Result<std::vector<MultipartPart>> scan(const std::string& body,
                                            std::string_view boundary = kBoundary,
                                            std::size_t max_parts = 32) {
        last_fd_ = file(body);
        return scan_multipart(last_fd_, boundary, max_parts);
    }

    std::string content(const MultipartPart& part) {
        auto r = read_range(last_fd_, part.begin, part.end, 1 << 24);
        EXPECT_TRUE(r.ok());
        return r.ok() ? *r : std::string();
    }

    // The message of a 400, or "" (and a test failure) when there is none.
    std::string malformed(const std::string& body, std::size_t max_parts = 32) {
        auto r = scan(body, kBoundary, max_parts);
        if (r.ok()) {
            ADD_FAILURE() << "scanned as " << r->size() << " parts";
            return "";
        }
        EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest) << r.error().message;
        EXPECT_EQ(r.error().error_code, "MALFORMED_MULTIPART");
        return r.error().message;
    }

    std::string dir_;
    std::vector<int> fds_;
    int last_fd_ = -1;
};

std::string delimiter() {
    return "--" + std::string(kBoundary);
}

std::string field_part(const std::string& name, const std::string& value) {
    return delimiter() + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
           value + "\r\n";
}

std::string file_part(const std::string& name, const std::string& filename, const std::string& type,
                      const std::string& value) {
    return delimiter() + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" +
           filename + "\"\r\nContent-Type: " + type + "\r\n\r\n" + value + "\r\n";
}

std::string closing() {
    return delimiter() + "--\r\n";
}

TEST_F(Multipart, BoundaryFromContentType) {
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
    EXPECT_EQ(multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b'()+_,-./:=?\""),
              "a b'()+_,-./:=?");
    EXPECT_EQ(multipart_boundary("multipart/form-data; charset=utf-8; boundary=x1 ; y=z"), "x1");
    EXPECT_EQ(multipart_boundary(" multipart/form-data ; boundary=\"q\""), "q");
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'b')),
              std::string(70, 'b'));
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'b')),
              std::nullopt);
    EXPECT_EQ(multipart_boundary("multipart/form-data"), std::nullopt);
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary="), std::nullopt);
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"\""), std::nullopt);
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"open"), std::nullopt);
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"ends \""), std::nullopt);
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=a{b"), std::nullopt);
    EXPECT_EQ(multipart_boundary("multipart/mixed; boundary=abc"), std::nullopt);
    EXPECT_EQ(multipart_boundary("text/csv"), std::nullopt);
    EXPECT_EQ(multipart_boundary(""), std::nullopt);
}

TEST_F(Multipart, ScansFieldsAndAFile) {
    const std::string csv = "name,phone\r\nAnn,+255712345678\r\nBob,\"multi\r\nline\"\r\n";
    const auto body = field_part("on_existing", "skip") + field_part("tags", "vip,2024") +
                      file_part("file", "contacts.csv", "text/csv", csv) + closing();
    auto parts = scan(body);
    ASSERT_TRUE(parts.ok()) << parts.error().message;
    ASSERT_EQ(parts->size(), 3u);
    const auto& p = *parts;
    EXPECT_EQ(p[0].name, "on_existing");
    EXPECT_EQ(p[0].filename, std::nullopt);
    EXPECT_EQ(p[0].content_type, "text/plain");
    EXPECT_EQ(content(p[0]), "skip");
    EXPECT_EQ(p[1].name, "tags");
    EXPECT_EQ(content(p[1]), "vip,2024");
    EXPECT_EQ(p[2].name, "file");
    EXPECT_EQ(p[2].filename, "contacts.csv");
    EXPECT_EQ(p[2].content_type, "text/csv");
    EXPECT_EQ(content(p[2]), csv);  // CRLFs inside, and the one at its end, are content
    EXPECT_EQ(p[2].end - p[2].begin, csv.size());
}

TEST_F(Multipart, EmptyValuesAndAnEmptyForm) {
    auto parts = scan(field_part("a", "") + field_part("b", "\r\n") + closing());
    ASSERT_TRUE(parts.ok()) << parts.error().message;
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ(content((*parts)[0]), "");
    EXPECT_EQ(content((*parts)[1]), "\r\n");

    auto none = scan(closing());
    ASSERT_TRUE(none.ok()) << none.error().message;
    EXPECT_TRUE(none->empty());
}

TEST_F(Multipart, BoundaryLikeTextInsideContentIsContent) {
    const std::string tricky = "--" + std::string(kBoundary) + " at a line start without CRLF\r\n" +
                               "--" + std::string(kBoundary) + "X\r\n" +          // longer
                               "\r\n--" + std::string(kBoundary).substr(0, 10) +  // shorter
                               "\r\n--" + std::string(kBoundary) + "-\r\n" +      // one dash
                               "end";
    auto parts = scan(file_part("file", "x.txt", "application/octet-stream", tricky) +
                      field_part("after", "ok") + closing());
    ASSERT_TRUE(parts.ok()) << parts.error().message;
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ(content((*parts)[0]), tricky);
    EXPECT_EQ(content((*parts)[1]), "ok");
}

TEST_F(Multipart, PreambleEpiloguePaddingAndHeaderSpellings) {
    const std::string body =
        "This is the preamble.\r\n" + delimiter() + " \t\r\n" +
        "content-disposition: FORM-DATA; name=plain; filename=C:\\dir\\a.csv\r\n"
        "CONTENT-TYPE:  text/csv; charset=utf-8 \r\n"
        "X-Other: ignored\r\n\r\n"
        "data\r\n" +
        delimiter() + "\r\n" +
        "Content-Disposition: form-data;\r\n name=\"folded\"; filename=\"say \\\"hi\\\".txt\"\r\n"
        "\r\n"
        "x\r\n" +
        delimiter() + "--\r\nThis is the epilogue.\r\n--" + std::string(kBoundary) + "\r\n";
    auto parts = scan(body);
    ASSERT_TRUE(parts.ok()) << parts.error().message;
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].name, "plain");
    EXPECT_EQ((*parts)[0].filename, "C:\\dir\\a.csv");
    EXPECT_EQ((*parts)[0].content_type, "text/csv; charset=utf-8");
    EXPECT_EQ(content((*parts)[0]), "data");
    EXPECT_EQ((*parts)[1].name, "folded");
    EXPECT_EQ((*parts)[1].filename, "say \"hi\".txt");
    EXPECT_EQ(content((*parts)[1]), "x");
}

TEST_F(Multipart, DelimiterStraddlingChunkReads) {
    // The scanner reads the content in chunks; sweep the part's length so the
    // delimiter after it falls at every position across the first chunk's end.
    const std::size_t delimiter_size = 4 + kBoundary.size();
    for (std::size_t length = kMultipartChunkBytes - delimiter_size - 2;
         length <= kMultipartChunkBytes + 2; ++length) {
        SCOPED_TRACE(length);
        std::string data(length, 'a');
        // Near-misses around the chunk end too: CRLF and dashes.
        for (std::size_t i = 0; i < length; i += 97) data[i] = i % 2 ? '\r' : '-';
        auto parts = scan(file_part("file", "big.bin", "application/octet-stream", data) +
                          field_part("next", "v") + closing());
        ASSERT_TRUE(parts.ok()) << parts.error().message;
        ASSERT_EQ(parts->size(), 2u);
        ASSERT_EQ((*parts)[0].end - (*parts)[0].begin, length);
        ASSERT_EQ(content((*parts)[1]), "v");
    }
}

TEST_F(Multipart, LargePartsSpanningManyChunks) {
    std::mt19937 rng(7578);
    std::string big(3 * kMultipartChunkBytes + 12345, '\0');
    for (auto& c : big) c = static_cast<char>(rng() % 256);
    const std::string small(kMultipartChunkBytes - 1, 'z');
    auto parts = scan(file_part("file", "a.bin", "application/octet-stream", big) +
                      file_part("other", "b.bin", "application/octet-stream", small) + closing());
    ASSERT_TRUE(parts.ok()) << parts.error().message;
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ(content((*parts)[0]), big);
    EXPECT_EQ(content((*parts)[1]), small);
}

TEST_F(Multipart, RefusesABodyWithoutClosingDelimiter) {
    const auto body = field_part("a", "1") + file_part("file", "x.csv", "text/csv", "a,b\r\n");
    EXPECT_EQ(malformed(body), "The multipart body ends without its closing boundary (--" +
                                   std::string(kBoundary) + "--)");
    // Cut inside the closing delimiter.
    EXPECT_NE(malformed(body + delimiter().substr(0, 10)), "");
    // A delimiter line with something else after it is not a closing one.
    EXPECT_NE(malformed(body + delimiter() + "x\r\n"), "");
}

TEST_F(Multipart, RefusesTruncatedOrOverlongHeaders) {
    EXPECT_EQ(malformed(delimiter() + "\r\nContent-Disposition: form-data; name=\"a\"\r\n"),
              "Part 1 of the multipart body has headers that do not end with a blank line");
    EXPECT_EQ(malformed(field_part("a", "1") + delimiter() + "\r\nContent-Disp"),
              "Part 2 of the multipart body has headers that do not end with a blank line");
    const std::string long_header = "X-Padding: " + std::string(9000, 'p') + "\r\n";
    EXPECT_EQ(malformed(delimiter() + "\r\n" + long_header +
                        "Content-Disposition: form-data; name=a\r\n\r\nv\r\n" + closing()),
              "Part 1 of the multipart body has headers longer than 8192 bytes");
    // Exactly the limit is fine; one byte more is not.
    const std::string disposition = "Content-Disposition: form-data; name=a\r\n";
    const std::string pad = "X-Padding: " + std::string(8192 - 11 - disposition.size(), 'p');
    auto parts = scan(delimiter() + "\r\n" + disposition + pad + "\r\n\r\nv\r\n" + closing());
    ASSERT_TRUE(parts.ok()) << parts.error().message;
    EXPECT_EQ(content((*parts)[0]), "v");
    EXPECT_EQ(malformed(delimiter() + "\r\n" + disposition + pad + "p\r\n\r\nv\r\n" + closing()),
              "Part 1 of the multipart body has headers longer than 8192 bytes");
}

TEST_F(Multipart, RefusesPartsWithoutAName) {
    EXPECT_EQ(malformed(delimiter() + "\r\n\r\nv\r\n" + closing()),
              "Part 1 of the multipart body has no Content-Disposition header");
    EXPECT_EQ(malformed(delimiter() + "\r\nContent-Type: text/plain\r\n\r\nv\r\n" + closing()),
              "Part 1 of the multipart body has no Content-Disposition header");
    EXPECT_EQ(
        malformed(delimiter() + "\r\nContent-Disposition: form-data\r\n\r\nv\r\n" + closing()),
        "Part 1 of the multipart body has no name");
    EXPECT_EQ(malformed(delimiter() + "\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n" +
                        closing()),
              "Part 1 of the multipart body has no name");
    EXPECT_EQ(malformed(delimiter() +
                        "\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n" + closing()),
              "Part 1 of the multipart body is not form-data");
    EXPECT_EQ(malformed(delimiter() + "\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n" +
                        closing()),
              "Part 1 of the multipart body has an unclosed quote in its Content-Disposition");
    EXPECT_EQ(malformed(delimiter() + "\r\nno colon here\r\n\r\nv\r\n" + closing()),
              "Part 1 of the multipart body has a malformed header line");
}

TEST_F(Multipart, RefusesTooManyParts) {
    const auto body =
        field_part("a", "1") + field_part("b", "2") + field_part("c", "3") + closing();
    EXPECT_EQ(malformed(body, 2), "The multipart body has more than 2 parts");
    auto parts = scan(body, kBoundary, 3);
    ASSERT_TRUE(parts.ok());
    EXPECT_EQ(parts->size(), 3u);
}

TEST_F(Multipart, RefusesEmptyOrForeignBodies) {
    EXPECT_EQ(malformed(""), "The multipart body does not contain its boundary");
    EXPECT_EQ(malformed("name,phone\r\nAnn,1\r\n"),
              "The multipart body does not contain its boundary");
    auto other = scan(field_part("a", "1") + closing(), "otherboundary");
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().code, ErrorCode::kMalformedRequest);
    auto invalid = scan(closing(), "");
    ASSERT_FALSE(invalid.ok());
    EXPECT_EQ(invalid.error().message, "The multipart boundary is not valid");
}

TEST_F(Multipart, BinaryGarbageNeverCrashes) {
    std::mt19937 rng(2046);
    const std::vector<std::string> pieces = {
        delimiter(),
        "\r\n",
        "--",
        "\r\n\r\n",
        "Content-Disposition: form-data; name=\"",
        "\"",
        ";",
        "filename=",
        "Content-Type: ",
    };
    for (int round = 0; round < 300; ++round) {
        std::string body;
        const int n = static_cast<int>(rng() % 40);
        for (int i = 0; i < n; ++i) {
            if (rng() % 2) {
                body += pieces[rng() % pieces.size()];
            } else {
                std::string junk(rng() % 20, '\0');
                for (auto& c : junk) c = static_cast<char>(rng() % 256);
                body += junk;
            }
        }
        auto r = scan(body, kBoundary, 8);
        if (!r.ok()) {
            ASSERT_EQ(r.error().code, ErrorCode::kMalformedRequest) << r.error().message;
            continue;
        }
        std::uint64_t previous = 0;
        for (const auto& p : *r) {
            ASSERT_LE(previous, p.begin);
            ASSERT_LE(p.begin, p.end);
            ASSERT_LE(p.end, body.size());
            ASSERT_FALSE(p.name.empty());
            previous = p.end;
        }
    }
}

TEST_F(Multipart, ReadRangeRefusesMoreThanMax) {
    const int fd = file("0123456789");
    auto r = read_range(fd, 2, 6, 4);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, "2345");
    auto too_long = read_range(fd, 2, 7, 4);
    ASSERT_FALSE(too_long.ok());
    EXPECT_EQ(too_long.error().code, ErrorCode::kMalformedRequest);
    EXPECT_EQ(too_long.error().message, "A form field is longer than 4 bytes");
    auto past_end = read_range(fd, 8, 12, 100);
    ASSERT_FALSE(past_end.ok());
    EXPECT_EQ(past_end.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace ujumbe::formats
