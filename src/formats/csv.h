#pragma once
// CSV (RFC 4180) in and out. The reader streams: it pulls bytes through a
// fixed buffer and holds at most one record, so a 1 GiB import costs the same
// memory as a 1 KiB one, and a record too large to keep is reported, not kept.
//
// Accepted beyond the RFC, as spreadsheets write it: records ending in LF,
// CRLF or a lone CR; a UTF-8 byte-order mark at the start; blank lines
// (skipped); no newline after the last record; a quote inside an unquoted
// field (taken literally). Rows of different widths are returned as they are.
// Bytes are not checked to be UTF-8 and NUL is data: that is the caller's to judge.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ujumbe::formats::csv {

// Fills `buf` with up to `cap` bytes and returns how many; 0 means the end.
using Source = std::function<std::size_t(char* buf, std::size_t cap)>;

enum class Outcome {
    kRecord,    // one record's fields
    kRowError,  // this record is bad (see error()); the reader is past it
    kEnd,       // no more records
    kFatal,     // the rest of the input is not CSV (see error()); returned again on later calls
};

class Reader {
public:
    struct Options {
        std::size_t max_field_bytes = 64 * 1024;
        std::size_t max_fields = 256;
        // Where the source starts, for resuming from a checkpoint: they only
        // label positions (the caller positions the source itself). A
        // byte-order mark is looked for only when start_offset is 0.
        std::uint64_t start_offset = 0;
        std::uint64_t start_line = 1;
    };

    explicit Reader(Source source) : Reader(std::move(source), Options{}) {}
    Reader(Source source, Options options);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    // The next record into `fields` (its strings are reused). On kRowError
    // `fields` holds what was kept of the bad record: each field cut at
    // max_field_bytes and at most max_fields fields.
    Outcome next(std::vector<std::string>& fields);

    // Why the last kRowError or kFatal happened, in plain English.
    const std::string& error() const { return error_; }
    // The 1-based physical line on which the last returned record (or bad
    // record, or unterminated field) started.
    std::uint64_t line() const { return record_line_; }
    // The byte offset just after the last returned record and its line end:
    // reading resumes there. After kEnd, the end of the input.
    std::uint64_t offset() const { return offset_; }
    // The physical line at offset(): the start_line to resume with.
    std::uint64_t next_line() const { return next_line_; }
    // Bytes taken from the source so far.
    std::uint64_t bytes_read() const { return bytes_read_; }

private:
    bool fill();      // reads more when the buffer is used up; false at the end
    bool at_end();    // true when no byte is left (reads more when needed)
    void skip_bom();  // only at the very start of the input
    void take(std::size_t n);
    void take_newline(char c);
    void end_line_after_cr();  // a CR ended the record: an LF after it belongs to it
    void start_field();
    void append(const char* p, std::size_t n);
    void fail(std::string why);
    Outcome finish_record();

    Source source_;
    Options options_;
    std::unique_ptr<char[]> buf_;
    std::size_t pos_ = 0;
    std::size_t len_ = 0;
    bool eof_ = false;
    bool started_ = false;
    bool fatal_ = false;
    bool prev_cr_ = false;  // the last byte taken was CR, so an LF now is not a new line
    std::uint64_t consumed_ = 0;
    std::uint64_t bytes_read_ = 0;
    std::uint64_t cur_line_ = 1;
    std::uint64_t record_line_ = 0;
    std::uint64_t next_line_ = 1;
    std::uint64_t offset_ = 0;
    std::string error_;

    // The record being read.
    std::vector<std::string>* fields_ = nullptr;
    std::size_t field_count_ = 0;  // including fields beyond max_fields, which are not kept
    bool bad_ = false;
};

// Every CSV the server writes for people to open (exports, error reports)
// goes through append_field / append_record: a cell a spreadsheet would run
// as a formula (starting with = + - @ tab or CR) is written with a leading
// single quote, which spreadsheets show as text and the contacts importer
// takes off again (without_formula_guard). Plain numbers ("-12.5",
// "+254712345678") are data in every spreadsheet and are written as they
// are. So are cells that start with quotes before such a character get one
// more quote, so that taking one off gives the value back exactly.
// See docs/decisions/0012-csv-exports.md.

// Appends `value` as one CSV field, guarded as above, then quoted only when
// it must be (a comma, quote, CR or LF, a leading or trailing space, or a
// leading byte-order mark), with quotes doubled.
void append_field(std::string& out, std::string_view value);
// The same without the formula guard: for CSV text kept as data (an
// import's rows as they were read), never for a file to open.
void append_plain_field(std::string& out, std::string_view value);
// True when append_field adds a quote before `value`.
bool needs_formula_guard(std::string_view value);
// What append_field wrote, read back: one leading quote taken off a value
// that is quotes then a formula character ("'=1+2" -> "=1+2").
std::string_view without_formula_guard(std::string_view value);

// Appends one record ending in CRLF. A record of one empty field is written
// as "" so that it does not read back as a blank line.
void append_record(std::string& out, std::span<const std::string_view> fields);
void append_record(std::string& out, std::span<const std::string> fields);

// Reads the bytes [begin, end) of an open file with pread, never moving its
// offset; end == UINT64_MAX reads to the end of the file. A read error ends
// the input early and, when `read_errno` is given, stores errno there (the
// pointer must outlive the source).
Source file_source(int fd, std::uint64_t begin, std::uint64_t end, int* read_errno = nullptr);

// Reads `data`, which must outlive the source.
Source string_source(std::string_view data);

}  // namespace ujumbe::formats::csv
