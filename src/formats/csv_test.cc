#include "formats/csv.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace ujumbe::formats::csv {
namespace {

using Fields = std::vector<std::string>;

struct Step {
    Outcome outcome;
    Fields fields;
    std::uint64_t line;
    std::uint64_t offset;
    std::uint64_t next_line;
    std::string error;

    bool operator==(const Step&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Step& s) {
    os << "{outcome " << static_cast<int>(s.outcome) << ", line " << s.line << ", offset "
       << s.offset << ", next_line " << s.next_line << ", error '" << s.error << "', fields [";
    for (const auto& f : s.fields) os << "'" << f << "' ";
    return os << "]}";
}

// Every step up to and including kEnd or kFatal.
std::vector<Step> read_all(Source source, Reader::Options options = {}) {
    Reader reader(std::move(source), options);
    std::vector<Step> steps;
    Fields fields;
    for (int guard = 0; guard < 1000000; ++guard) {
        const auto outcome = reader.next(fields);
        // line() names a record; at the end there is none.
        const std::uint64_t line = outcome == Outcome::kEnd ? 0 : reader.line();
        steps.push_back({outcome, fields, line, reader.offset(), reader.next_line(),
                         outcome == Outcome::kRecord || outcome == Outcome::kEnd ? std::string()
                                                                                 : reader.error()});
        if (outcome == Outcome::kEnd || outcome == Outcome::kFatal) break;
    }
    return steps;
}

std::vector<Step> read_all(std::string_view data, Reader::Options options = {}) {
    return read_all(string_source(data), options);
}

// Hands out at most `n` bytes per call, so the reader's states meet buffer ends.
Source chunked_source(std::string_view data, std::size_t n) {
    return [inner = string_source(data), n](char* buf, std::size_t cap) mutable {
        return inner(buf, std::min(cap, n));
    };
}

Source one_byte_source(std::string_view data) {
    return chunked_source(data, 1);
}

// Only the records, failing on anything else but the final kEnd.
std::vector<Fields> records(std::string_view data) {
    std::vector<Fields> out;
    for (const auto& s : read_all(data)) {
        if (s.outcome == Outcome::kRecord)
            out.push_back(s.fields);
        else
            EXPECT_EQ(s.outcome, Outcome::kEnd) << s;
    }
    return out;
}

std::vector<std::uint64_t> lines(std::string_view data) {
    std::vector<std::uint64_t> out;
    for (const auto& s : read_all(data))
        if (s.outcome != Outcome::kEnd) out.push_back(s.line);
    return out;
}

TEST(CsvReader, ReadsSimpleRecords) {
    EXPECT_EQ(records("a,b,c\n1,2,3\n"), (std::vector<Fields>{{"a", "b", "c"}, {"1", "2", "3"}}));
}

TEST(CsvReader, AcceptsLfCrlfAndLoneCrLineEnds) {
    const std::vector<Fields> want{{"a", "b"}, {"1", "2"}, {"3", "4"}};
    EXPECT_EQ(records("a,b\n1,2\n3,4\n"), want);
    EXPECT_EQ(records("a,b\r\n1,2\r\n3,4\r\n"), want);
    EXPECT_EQ(records("a,b\r1,2\r3,4\r"), want);
    EXPECT_EQ(records("a,b\r\n1,2\r3,4\n"), want);
    EXPECT_EQ(lines("a,b\r\n1,2\r3,4\n"), (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_EQ(lines("a,b\r1,2\r3,4\r"), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(CsvReader, QuotedFieldsHoldCommasQuotesAndNewlines) {
    EXPECT_EQ(records("\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"p\r\nq\",\"r\rs\"\n"),
              (std::vector<Fields>{{"a,b", "say \"hi\"", "x\ny", "p\r\nq", "r\rs"}}));
    EXPECT_EQ(records("\"\"\"\"\n"), (std::vector<Fields>{{"\""}}));
}

TEST(CsvReader, NewlinesInsideQuotesCountAsLines) {
    const std::string data = "h1,h2\n\"two\nlines\",x\n\"three\r\nline\rfield\",y\nlast,z\n";
    const auto steps = read_all(data);
    ASSERT_EQ(steps.size(), 5u);
    EXPECT_EQ(steps[0].line, 1u);
    EXPECT_EQ(steps[1].line, 2u);
    EXPECT_EQ(steps[1].fields, (Fields{"two\nlines", "x"}));
    EXPECT_EQ(steps[2].line, 4u);
    EXPECT_EQ(steps[2].fields, (Fields{"three\r\nline\rfield", "y"}));
    EXPECT_EQ(steps[2].next_line, 7u);
    EXPECT_EQ(steps[3].line, 7u);
    EXPECT_EQ(steps[3].fields, (Fields{"last", "z"}));
}

TEST(CsvReader, EmptyFields) {
    EXPECT_EQ(records(",\n"), (std::vector<Fields>{{"", ""}}));
    EXPECT_EQ(records("a,\n,b\n"), (std::vector<Fields>{{"a", ""}, {"", "b"}}));
    EXPECT_EQ(records("\"\"\n"), (std::vector<Fields>{{""}}));
    EXPECT_EQ(records("\"\",\"\"\r\n"), (std::vector<Fields>{{"", ""}}));
}

TEST(CsvReader, SkipsByteOrderMarkOnlyAtTheStart) {
    EXPECT_EQ(records("\xEF\xBB\xBFname,phone\n"), (std::vector<Fields>{{"name", "phone"}}));
    EXPECT_EQ(records("a\n\xEF\xBB\xBF"
                      "b\n"),
              (std::vector<Fields>{{"a"},
                                   {"\xEF\xBB\xBF"
                                    "b"}}));
    // A resumed reader is not at the start of the file.
    Reader::Options resumed;
    resumed.start_offset = 10;
    const auto steps = read_all("\xEF\xBB\xBFx\n", resumed);
    ASSERT_EQ(steps.size(), 2u);
    EXPECT_EQ(steps[0].fields, (Fields{"\xEF\xBB\xBFx"}));
    // Offsets count the mark: they are positions in the file.
    EXPECT_EQ(read_all("\xEF\xBB\xBFx\n")[0].offset, 5u);
    // A mark split over reads is still found.
    EXPECT_EQ(read_all(one_byte_source("\xEF\xBB\xBFx\n"))[0].fields, (Fields{"x"}));
    // Input shorter than a mark.
    EXPECT_EQ(records("\xEF\xBB"), (std::vector<Fields>{{"\xEF\xBB"}}));
    EXPECT_EQ(records("\xEF\xBB\xBF"), std::vector<Fields>{});
}

TEST(CsvReader, SkipsBlankLines) {
    const std::string data = "\n\r\na,b\n\n\r\n\r1,2\n\n";
    EXPECT_EQ(records(data), (std::vector<Fields>{{"a", "b"}, {"1", "2"}}));
    EXPECT_EQ(lines(data), (std::vector<std::uint64_t>{3, 7}));
    EXPECT_EQ(records(""), std::vector<Fields>{});
    EXPECT_EQ(records("\n\n\r\n"), std::vector<Fields>{});
    // Spaces are not a blank line.
    EXPECT_EQ(records(" \n"), (std::vector<Fields>{{" "}}));
}

TEST(CsvReader, LastRecordNeedsNoLineEnd) {
    EXPECT_EQ(records("a,b\n1,2"), (std::vector<Fields>{{"a", "b"}, {"1", "2"}}));
    EXPECT_EQ(records("a,\"b\""), (std::vector<Fields>{{"a", "b"}}));
    EXPECT_EQ(records("a,"), (std::vector<Fields>{{"a", ""}}));
}

TEST(CsvReader, QuoteInsideUnquotedFieldIsLiteral) {
    EXPECT_EQ(records("ab\"c,5\" screen\n"), (std::vector<Fields>{{"ab\"c", "5\" screen"}}));
}

TEST(CsvReader, RowsOfDifferentWidthsAreReturnedAsTheyAre) {
    EXPECT_EQ(records("a,b,c\n1\n1,2,3,4\n"),
              (std::vector<Fields>{{"a", "b", "c"}, {"1"}, {"1", "2", "3", "4"}}));
}

TEST(CsvReader, NulBytesAreData) {
    const std::string data("a\0b,\"\0\"\n", 8);
    EXPECT_EQ(records(data), (std::vector<Fields>{{std::string("a\0b", 3), std::string(1, '\0')}}));
}

TEST(CsvReader, CharactersAfterClosingQuoteFailOnlyThatRecord) {
    const std::string data = "ok,1\n\"ab\"c,\"x\ny,z\",2\nnext,3\n";
    const auto steps = read_all(data);
    ASSERT_EQ(steps.size(), 4u);
    EXPECT_EQ(steps[0].fields, (Fields{"ok", "1"}));
    EXPECT_EQ(steps[1].outcome, Outcome::kRowError);
    EXPECT_EQ(steps[1].line, 2u);
    EXPECT_EQ(steps[1].error, "Field 1 has characters after its closing quote.");
    // What was read of the bad record, for the error report.
    EXPECT_EQ(steps[1].fields, (Fields{"abc", "x\ny,z", "2"}));
    // The quoted newline did not end the skipped record.
    EXPECT_EQ(steps[2].outcome, Outcome::kRecord);
    EXPECT_EQ(steps[2].fields, (Fields{"next", "3"}));
    EXPECT_EQ(steps[2].line, 4u);
    EXPECT_EQ(steps[3].outcome, Outcome::kEnd);
}

TEST(CsvReader, TooManyFieldsFailsThatRecord) {
    Reader::Options options;
    options.max_fields = 3;
    const auto steps = read_all("a,b,c\na,b,c,d,e\n\"q\nr\",s\n", options);
    ASSERT_EQ(steps.size(), 4u);
    EXPECT_EQ(steps[0].outcome, Outcome::kRecord);
    EXPECT_EQ(steps[1].outcome, Outcome::kRowError);
    EXPECT_EQ(steps[1].error, "The record has more than 3 fields.");
    EXPECT_EQ(steps[1].fields, (Fields{"a", "b", "c"}));
    EXPECT_EQ(steps[2].outcome, Outcome::kRecord);
    EXPECT_EQ(steps[2].fields, (Fields{"q\nr", "s"}));
    EXPECT_EQ(steps[2].line, 3u);
}

TEST(CsvReader, FieldLongerThanTheLimitFailsThatRecord) {
    Reader::Options options;
    options.max_field_bytes = 4;
    const auto steps = read_all("abcd,x\nabcde,x\n\"ab\"\"cd\"\n\"abcd\"\"\"\ny\n", options);
    ASSERT_EQ(steps.size(), 6u);
    EXPECT_EQ(steps[0].outcome, Outcome::kRecord);  // exactly the limit is fine
    EXPECT_EQ(steps[1].outcome, Outcome::kRowError);
    EXPECT_EQ(steps[1].error, "Field 1 is longer than 4 bytes.");
    EXPECT_EQ(steps[1].fields, (Fields{"abcd", "x"}));
    EXPECT_EQ(steps[2].outcome, Outcome::kRowError);
    EXPECT_EQ(steps[2].fields, (Fields{"ab\"c"}));
    EXPECT_EQ(steps[3].outcome, Outcome::kRowError);
    EXPECT_EQ(steps[4].outcome, Outcome::kRecord);
    EXPECT_EQ(steps[4].fields, (Fields{"y"}));
    EXPECT_EQ(steps[4].line, 5u);
}

TEST(CsvReader, TenMegabyteFieldIsNotKeptAndTheRestStillReads) {
    // Quoted, with a newline every 1000 bytes, so the line count is tested too.
    std::string data = "name,note\nann,\"";
    const std::size_t size = 10 * 1024 * 1024;
    const std::uint64_t newlines = size / 1000;
    for (std::uint64_t i = 0; i < newlines; ++i) data += std::string(999, 'x') + '\n';
    data += std::string(size % 1000, 'x');
    data += "\"\nbob,short\n";
    data += std::string(size, 'y') + ",unquoted\ncat,end";

    // Odd-sized reads put buffer ends everywhere without a call per byte.
    for (const bool odd_reads : {false, true}) {
        SCOPED_TRACE(odd_reads);
        Reader reader(odd_reads ? chunked_source(data, 4093) : string_source(data));
        Fields fields;
        ASSERT_EQ(reader.next(fields), Outcome::kRecord);
        ASSERT_EQ(reader.next(fields), Outcome::kRowError);
        EXPECT_EQ(reader.line(), 2u);
        EXPECT_EQ(reader.error(), "Field 2 is longer than 65536 bytes.");
        ASSERT_EQ(fields.size(), 2u);
        EXPECT_EQ(fields[1].size(), 64u * 1024);
        EXPECT_LT(fields[1].capacity(), 256u * 1024);  // memory did not grow with the field
        ASSERT_EQ(reader.next(fields), Outcome::kRecord);
        EXPECT_EQ(fields, (Fields{"bob", "short"}));
        EXPECT_EQ(reader.line(), 3 + newlines);
        ASSERT_EQ(reader.next(fields), Outcome::kRowError);
        EXPECT_EQ(reader.line(), 4 + newlines);
        EXPECT_EQ(fields[0].size(), 64u * 1024);
        EXPECT_EQ(fields[1], "unquoted");
        ASSERT_EQ(reader.next(fields), Outcome::kRecord);
        EXPECT_EQ(fields, (Fields{"cat", "end"}));
        EXPECT_EQ(reader.line(), 5 + newlines);
        EXPECT_EQ(reader.next(fields), Outcome::kEnd);
        EXPECT_EQ(reader.offset(), data.size());
        EXPECT_EQ(reader.bytes_read(), data.size());
    }
}

TEST(CsvReader, UnterminatedQuoteIsFatal) {
    const std::string data = "a,b\n1,\"open\nstill open,\n\nmore";
    Reader reader(string_source(data));
    Fields fields;
    ASSERT_EQ(reader.next(fields), Outcome::kRecord);
    const auto after_first = reader.offset();
    EXPECT_EQ(reader.next(fields), Outcome::kFatal);
    EXPECT_EQ(reader.line(), 2u);
    EXPECT_EQ(reader.error(), "The quoted field opened on line 2 is never closed.");
    EXPECT_EQ(reader.offset(), after_first);  // still just after the last good record
    // It stays fatal: a careless caller does not mistake it for the end.
    EXPECT_EQ(reader.next(fields), Outcome::kFatal);

    EXPECT_EQ(read_all("\"")[0].outcome, Outcome::kFatal);
    EXPECT_EQ(read_all("x\n\"a\"\"")[1].outcome, Outcome::kFatal);
    EXPECT_EQ(read_all("x\n\"a\"\"")[1].line, 2u);
}

TEST(CsvReader, OffsetsPointJustAfterEachRecord) {
    const std::string data = "ab,c\r\n\"d\ne\"\r\r\nf";
    const auto steps = read_all(data);
    ASSERT_EQ(steps.size(), 4u);
    EXPECT_EQ(steps[0].offset, 6u);   // after CRLF
    EXPECT_EQ(steps[1].offset, 12u);  // after the lone CR only: the blank line is not part of it
    EXPECT_EQ(steps[2].offset, 15u);
    EXPECT_EQ(steps[3].outcome, Outcome::kEnd);
    EXPECT_EQ(steps[3].offset, 15u);
}

TEST(CsvReader, ResumingFromAnOffsetGivesTheSameRemainingRecords) {
    const std::string data =
        "\xEF\xBB\xBFh1,h2\r\n\"a\r\nb\",1\n\n\"x\"y,2\r3,\"4\"\"\"\r\n\"q\rr\"\rlast,5";
    const auto all = read_all(data);
    ASSERT_GE(all.size(), 6u);
    for (std::size_t i = 0; i + 1 < all.size(); ++i) {
        SCOPED_TRACE(i);
        Reader::Options options;
        options.start_offset = all[i].offset;
        options.start_line = all[i].next_line;
        const auto rest = read_all(std::string_view(data).substr(all[i].offset), options);
        EXPECT_EQ(rest, std::vector<Step>(all.begin() + static_cast<long>(i) + 1, all.end()));
    }
}

TEST(CsvReader, OneByteReadsGiveIdenticalResults) {
    const std::vector<std::string> inputs = {
        "a,b\n1,2\n",
        "\xEF\xBB\xBF\"x\r\ny\",\"\"\"\"\r\n\r\n,\r",
        "a,b\r\r\n\"c\rd\"\r\n",
        "\"ab\"c,\"d\ne\"\nf\n",
        "\"unterminated\n",
        std::string("\0,\0\n\"\0\"", 7),
        "trailing,\"quote\"",
    };
    for (const auto& in : inputs) {
        SCOPED_TRACE(in);
        Reader::Options options;
        options.max_field_bytes = 3;
        options.max_fields = 2;
        EXPECT_EQ(read_all(one_byte_source(in)), read_all(in));
        EXPECT_EQ(read_all(one_byte_source(in), options), read_all(in, options));
    }
}

TEST(CsvReader, RandomBytesNeverCrashAndAlwaysEnd) {
    std::mt19937 rng(20240611);
    const std::string specials(",\"\r\n\0a \xEF\xBB\xBF", 10);
    for (int round = 0; round < 2000; ++round) {
        std::string data(rng() % 300, '\0');
        for (auto& c : data)
            c = rng() % 2 ? specials[rng() % specials.size()] : static_cast<char>(rng() % 256);
        Reader::Options options;
        options.max_field_bytes = 1 + rng() % 8;
        options.max_fields = 1 + rng() % 6;
        const auto whole = read_all(data, options);
        ASSERT_FALSE(whole.empty());
        const auto last = whole.back().outcome;
        ASSERT_TRUE(last == Outcome::kEnd || last == Outcome::kFatal);
        ASSERT_EQ(read_all(one_byte_source(data), options), whole) << round;
        for (const auto& s : whole) {
            ASSERT_LE(s.offset, data.size());
            ASSERT_LE(s.fields.size(), options.max_fields);
            for (const auto& f : s.fields) ASSERT_LE(f.size(), options.max_field_bytes);
        }
    }
}

TEST(CsvReader, KeepsReturningEndAndCountsBytes) {
    Reader reader(string_source("a\n\n"));
    Fields fields{"stale", "values"};
    ASSERT_EQ(reader.next(fields), Outcome::kRecord);
    EXPECT_EQ(fields, (Fields{"a"}));
    EXPECT_EQ(reader.next(fields), Outcome::kEnd);
    EXPECT_TRUE(fields.empty());
    EXPECT_EQ(reader.next(fields), Outcome::kEnd);
    EXPECT_EQ(reader.offset(), 3u);
    EXPECT_EQ(reader.bytes_read(), 3u);
}

class TempFile {
public:
    explicit TempFile(const std::string& content) {
        char name[] = "/tmp/ujumbe-csv-XXXXXX";
        fd_ = ::mkstemp(name);
        path_ = name;
        EXPECT_EQ(::write(fd_, content.data(), content.size()),
                  static_cast<ssize_t>(content.size()));
    }
    ~TempFile() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    int fd() const { return fd_; }

private:
    int fd_ = -1;
    std::string path_;
};

TEST(CsvReader, FileSourceReadsARangeWithoutMovingTheFileOffset) {
    const std::string prefix = "--boundary\r\nheaders\r\n\r\n";
    const std::string body = "name,phone\r\nann,+255712345678\r\n";
    TempFile file(prefix + body + "\r\n--boundary--\r\n");
    const auto before = ::lseek(file.fd(), 0, SEEK_CUR);
    auto range = read_all(file_source(file.fd(), prefix.size(), prefix.size() + body.size()));
    ASSERT_EQ(range.size(), 3u);
    EXPECT_EQ(range[1].fields, (Fields{"ann", "+255712345678"}));
    EXPECT_EQ(range[2].outcome, Outcome::kEnd);
    EXPECT_EQ(::lseek(file.fd(), 0, SEEK_CUR), before);

    auto to_eof = read_all(file_source(file.fd(), prefix.size() + body.size(), UINT64_MAX));
    ASSERT_EQ(to_eof.size(), 2u);
    EXPECT_EQ(to_eof[0].fields, (Fields{"--boundary--"}));

    EXPECT_EQ(read_all(file_source(file.fd(), 5, 5))[0].outcome, Outcome::kEnd);
}

TEST(CsvReader, FileSourceReportsReadErrors) {
    int error = 0;
    auto source = file_source(-1, 0, UINT64_MAX, &error);
    char buf[8];
    EXPECT_EQ(source(buf, sizeof buf), 0u);
    EXPECT_EQ(error, EBADF);
}

std::string record(const std::vector<std::string>& fields) {
    std::string out;
    append_record(out, fields);
    return out;
}

std::string field(std::string_view value) {
    std::string out;
    append_field(out, value);
    return out;
}

// Records as the contacts importer takes them: formula guards off.
std::vector<Fields> unguarded(std::vector<Fields> recs) {
    for (auto& rec : recs)
        for (auto& f : rec) f = std::string(without_formula_guard(f));
    return recs;
}

TEST(CsvWriter, CellsASpreadsheetWouldRunAreWrittenAsText) {
    EXPECT_EQ(field("=1+2"), "'=1+2");
    EXPECT_EQ(field("=HYPERLINK(\"http://x\",\"y\")"),
              "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    EXPECT_EQ(field("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
    EXPECT_EQ(field("-2+3"), "'-2+3");
    EXPECT_EQ(field("@SUM(A1)"), "'@SUM(A1)");
    EXPECT_EQ(field("\t=1"), "'\t=1");
    EXPECT_EQ(field("\r=1"), "\"'\r=1\"");
    // Plain numbers are data: amounts and E.164 numbers stay as they are.
    EXPECT_EQ(field("-12.5"), "-12.5");
    EXPECT_EQ(field("+254712345678"), "+254712345678");
    EXPECT_EQ(field("42"), "42");
    // Quotes before a formula character get one more, so one comes off.
    EXPECT_EQ(field("'=1"), "''=1");
    EXPECT_EQ(field("'+254712345678"), "''+254712345678");
    EXPECT_EQ(field("'Tis"), "'Tis");
    EXPECT_EQ(field("a=b"), "a=b");
    EXPECT_EQ(without_formula_guard("'=1+2"), "=1+2");
    EXPECT_EQ(without_formula_guard("''=1"), "'=1");
    EXPECT_EQ(without_formula_guard("'+254712345678"), "+254712345678");
    EXPECT_EQ(without_formula_guard("'Tis"), "'Tis");
    EXPECT_EQ(without_formula_guard("'"), "'");
    EXPECT_EQ(without_formula_guard("=1"), "=1");
    // Kept CSV text (an import's rows) is written without guards.
    std::string plain;
    append_plain_field(plain, "=1+2");
    EXPECT_EQ(plain, "=1+2");
}

TEST(CsvWriter, QuotesOnlyWhenNeeded) {
    EXPECT_EQ(field("plain"), "plain");
    EXPECT_EQ(field(""), "");
    EXPECT_EQ(field("in side"), "in side");
    EXPECT_EQ(field("a,b"), "\"a,b\"");
    EXPECT_EQ(field("a\nb"), "\"a\nb\"");
    EXPECT_EQ(field("a\rb"), "\"a\rb\"");
    EXPECT_EQ(field(" lead"), "\" lead\"");
    EXPECT_EQ(field("trail "), "\"trail \"");
    EXPECT_EQ(field("\xEF\xBB\xBFx"), "\"\xEF\xBB\xBFx\"");
    EXPECT_EQ(field("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(CsvWriter, DoublesQuotes) {
    EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(field("\""), "\"\"\"\"");
}

TEST(CsvWriter, RecordsEndInCrlf) {
    EXPECT_EQ(record({"a", "b,c", ""}), "a,\"b,c\",\r\n");
    EXPECT_EQ(record({""}), "\"\"\r\n");  // not a blank line
    EXPECT_EQ(record({"", ""}), ",\r\n");
    std::string out;
    const std::vector<std::string_view> views{"x", "y"};
    append_record(out, views);
    EXPECT_EQ(out, "x,y\r\n");
}

TEST(CsvWriter, WhatItWritesReadsBackIdentically) {
    std::mt19937 rng(4180);
    const std::string alphabet("ab ,\"\r\n\t\0\xEF\xBB\xBF\xC3\xA9", 14);
    for (int round = 0; round < 300; ++round) {
        std::vector<Fields> want(1 + rng() % 20);
        std::string out;
        for (auto& rec : want) {
            rec.resize(1 + rng() % 6);
            for (auto& f : rec) {
                f.resize(rng() % 12);
                for (auto& c : f)
                    c = rng() % 4 ? alphabet[rng() % alphabet.size()]
                                  : static_cast<char>(rng() % 256);
            }
            append_record(out, rec);
        }
        EXPECT_EQ(unguarded(records(out)), want) << round;
        std::vector<Fields> tiny;
        for (const auto& s : read_all(one_byte_source(out)))
            if (s.outcome == Outcome::kRecord) tiny.push_back(s.fields);
        EXPECT_EQ(unguarded(tiny), want) << round;
    }
}

}  // namespace
}  // namespace ujumbe::formats::csv
