#include "formats/csv.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace ujumbe::formats::csv {

namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

Reader::Reader(Source source, Options options)
    : source_(std::move(source)),
      options_(options),
      buf_(new char[kBufferBytes]),
      cur_line_(options.start_line),
      record_line_(options.start_line),
      next_line_(options.start_line),
      offset_(options.start_offset) {}

Reader::~Reader() = default;

bool Reader::fill() {
    if (eof_) return false;
    pos_ = len_ = 0;
    const std::size_t n = std::min(source_(buf_.get(), kBufferBytes), kBufferBytes);
    if (n == 0) {
        eof_ = true;
        return false;
    }
    len_ = n;
    bytes_read_ += n;
    return true;
}

bool Reader::at_end() {
    return pos_ == len_ && !fill();
}

void Reader::skip_bom() {
    // The source may hand out fewer bytes than asked: gather three to compare.
    while (len_ < kBom.size() && !eof_) {
        const std::size_t n =
            std::min(source_(buf_.get() + len_, kBufferBytes - len_), kBufferBytes - len_);
        if (n == 0) eof_ = true;
        len_ += n;
        bytes_read_ += n;
    }
    if (len_ >= kBom.size() && std::memcmp(buf_.get(), kBom.data(), kBom.size()) == 0)
        take(kBom.size());
}

void Reader::take(std::size_t n) {
    if (n == 0) return;
    pos_ += n;
    consumed_ += n;
    prev_cr_ = false;
}

void Reader::take_newline(char c) {
    ++pos_;
    ++consumed_;
    // CRLF is one line end; a lone CR or LF is one too.
    if (c == '\r' || !prev_cr_) ++cur_line_;
    prev_cr_ = c == '\r';
}

void Reader::end_line_after_cr() {
    if (!at_end() && buf_[pos_] == '\n') take_newline('\n');
}

void Reader::fail(std::string why) {
    if (bad_) return;  // the first problem is the one worth reporting
    bad_ = true;
    error_ = std::move(why);
}

void Reader::start_field() {
    ++field_count_;
    if (field_count_ > options_.max_fields) {
        if (field_count_ == options_.max_fields + 1)
            fail("The record has more than " + std::to_string(options_.max_fields) + " fields.");
        return;
    }
    auto& fields = *fields_;
    if (fields.size() < field_count_)
        fields.emplace_back();
    else
        fields[field_count_ - 1].clear();
}

void Reader::append(const char* p, std::size_t n) {
    if (n == 0 || field_count_ > options_.max_fields) return;
    auto& field = (*fields_)[field_count_ - 1];
    // Keep no more than the limit, however long the field runs on.
    const std::size_t room = options_.max_field_bytes - field.size();
    if (n > room) {
        field.append(p, room);
        fail("Field " + std::to_string(field_count_) + " is longer than " +
             std::to_string(options_.max_field_bytes) + " bytes.");
        return;
    }
    field.append(p, n);
}

Outcome Reader::finish_record() {
    fields_->resize(std::min(field_count_, options_.max_fields));
    fields_ = nullptr;
    offset_ = options_.start_offset + consumed_;
    next_line_ = cur_line_;
    return bad_ ? Outcome::kRowError : Outcome::kRecord;
}

Outcome Reader::next(std::vector<std::string>& fields) {
    if (fatal_) return Outcome::kFatal;
    if (!started_) {
        started_ = true;
        if (options_.start_offset == 0) skip_bom();
    }
    error_.clear();

    // Blank lines are no records.
    for (;;) {
        if (at_end()) {
            fields.clear();
            offset_ = options_.start_offset + consumed_;
            next_line_ = cur_line_;
            return Outcome::kEnd;
        }
        const char c = buf_[pos_];
        if (c != '\r' && c != '\n') break;
        take_newline(c);
    }

    record_line_ = cur_line_;
    fields_ = &fields;
    field_count_ = 0;
    bad_ = false;
    start_field();

    enum class State { kFieldStart, kUnquoted, kQuoted, kAfterQuote };
    State state = State::kFieldStart;
    std::uint64_t quote_line = 0;
    while (!at_end()) {
        const char* p = buf_.get() + pos_;
        const char* const end = buf_.get() + len_;
        switch (state) {
            case State::kFieldStart:
                if (*p == '"') {
                    quote_line = cur_line_;
                    take(1);
                    state = State::kQuoted;
                } else {
                    state = State::kUnquoted;
                }
                break;
            case State::kUnquoted: {
                const char* q = p;
                while (q < end && *q != ',' && *q != '\n' && *q != '\r') ++q;
                append(p, static_cast<std::size_t>(q - p));
                take(static_cast<std::size_t>(q - p));
                if (q == end) break;
                const char c = *q;
                if (c == ',') {
                    take(1);
                    start_field();
                    state = State::kFieldStart;
                    break;
                }
                take_newline(c);
                if (c == '\r') end_line_after_cr();
                return finish_record();
            }
            case State::kQuoted: {
                const char* q = p;
                while (q < end && *q != '"' && *q != '\n' && *q != '\r') ++q;
                append(p, static_cast<std::size_t>(q - p));
                take(static_cast<std::size_t>(q - p));
                if (q == end) break;
                const char c = *q;
                if (c == '"') {
                    take(1);
                    state = State::kAfterQuote;
                } else {
                    append(q, 1);  // a line end inside quotes is data
                    take_newline(c);
                }
                break;
            }
            case State::kAfterQuote: {
                const char c = *p;
                if (c == '"') {  // a doubled quote stands for one
                    append(p, 1);
                    take(1);
                    state = State::kQuoted;
                } else if (c == ',') {
                    take(1);
                    start_field();
                    state = State::kFieldStart;
                } else if (c == '\r' || c == '\n') {
                    take_newline(c);
                    if (c == '\r') end_line_after_cr();
                    return finish_record();
                } else {
                    fail("Field " + std::to_string(field_count_) +
                         " has characters after its closing quote.");
                    // Read on as an unquoted field to find where the record ends.
                    state = State::kUnquoted;
                }
                break;
            }
        }
    }

    if (state == State::kQuoted) {
        fatal_ = true;
        error_ =
            "The quoted field opened on line " + std::to_string(quote_line) + " is never closed.";
        fields.resize(std::min(field_count_, options_.max_fields));
        fields_ = nullptr;
        return Outcome::kFatal;
    }
    return finish_record();  // the last record needs no line end
}

namespace {

bool needs_quotes(std::string_view v) {
    if (v.empty()) return false;
    auto blank = [](char c) { return c == ' ' || c == '\t'; };
    if (blank(v.front()) || blank(v.back())) return true;
    // At the start of a file it would be taken for a byte-order mark.
    if (v.starts_with(kBom)) return true;
    return v.find_first_of(",\"\r\n") != std::string_view::npos;
}

// What makes a spreadsheet read a cell as a formula (or, tab and CR, hide
// the character that would).
bool starts_formula(char c) {
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

// "-12.5", "+254712345678", "42": a number to every spreadsheet, never code.
bool is_plain_number(std::string_view v) {
    if (!v.empty() && (v.front() == '+' || v.front() == '-')) v.remove_prefix(1);
    const auto dot = v.find('.');
    const auto whole = v.substr(0, dot);
    const auto fraction = dot == std::string_view::npos ? std::string_view{} : v.substr(dot + 1);
    auto digits = [](std::string_view d) {
        return !d.empty() && d.find_first_not_of("0123456789") == std::string_view::npos;
    };
    return digits(whole) && (dot == std::string_view::npos || digits(fraction));
}

template <typename T>
void append_record_of(std::string& out, std::span<const T> fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        append_field(out, fields[i]);
    }
    if (fields.size() == 1 && fields[0].empty()) out += "\"\"";
    out += "\r\n";
}

}  // namespace

bool needs_formula_guard(std::string_view v) {
    const auto first = v.find_first_not_of('\'');
    if (first == std::string_view::npos || !starts_formula(v[first])) return false;
    return first > 0 || !is_plain_number(v);
}

std::string_view without_formula_guard(std::string_view v) {
    const auto first = v.find_first_not_of('\'');
    if (first == 0 || first == std::string_view::npos || !starts_formula(v[first])) return v;
    return v.substr(1);
}

void append_field(std::string& out, std::string_view value) {
    if (!needs_formula_guard(value)) return append_plain_field(out, value);
    std::string guarded;
    guarded.reserve(value.size() + 1);
    guarded += '\'';
    guarded.append(value);
    append_plain_field(out, guarded);
}

void append_plain_field(std::string& out, std::string_view value) {
    if (!needs_quotes(value)) {
        out.append(value);
        return;
    }
    out += '"';
    for (;;) {
        const auto q = value.find('"');
        if (q == std::string_view::npos) break;
        out.append(value.substr(0, q + 1));
        out += '"';
        value.remove_prefix(q + 1);
    }
    out.append(value);
    out += '"';
}

void append_record(std::string& out, std::span<const std::string_view> fields) {
    append_record_of(out, fields);
}

void append_record(std::string& out, std::span<const std::string> fields) {
    append_record_of(out, fields);
}

Source file_source(int fd, std::uint64_t begin, std::uint64_t end, int* read_errno) {
    return [fd, pos = begin, end, read_errno](char* buf, std::size_t cap) mutable -> std::size_t {
        if (pos >= end || pos > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()))
            return 0;
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(cap, end - pos));
        for (;;) {
            const ssize_t n = ::pread(fd, buf, want, static_cast<off_t>(pos));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                if (read_errno) *read_errno = errno;
                end = pos;  // stays at the end from now on
                return 0;
            }
            pos += static_cast<std::uint64_t>(n);
            return static_cast<std::size_t>(n);
        }
    };
}

Source string_source(std::string_view data) {
    return [data, pos = std::size_t{0}](char* buf, std::size_t cap) mutable -> std::size_t {
        const std::size_t n = std::min(cap, data.size() - pos);
        if (n) std::memcpy(buf, data.data() + pos, n);
        pos += n;
        return n;
    };
}

}  // namespace ujumbe::formats::csv
