#include "formats/multipart.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <utility>

namespace ujumbe::formats {

namespace {

// Spaces and tabs a sender may put after a delimiter before its CRLF.
constexpr std::size_t kMaxTransportPadding = 256;

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

// `; key=value` parameters (RFC 9110, section 5.6.6), values as tokens or
// quoted strings; keys lower-cased. nullopt when a quoted string is not closed.
using Params = std::vector<std::pair<std::string, std::string>>;

std::optional<Params> parse_params(std::string_view s) {
    Params params;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (is_space(s[i]) || s[i] == ';')) ++i;
        const std::size_t key_begin = i;
        while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
        std::string key(trim(s.substr(key_begin, i - key_begin)));
        for (auto& c : key) c = lower(c);
        std::string value;
        if (i < s.size() && s[i] == '=') {
            ++i;
            while (i < s.size() && is_space(s[i])) ++i;
            if (i < s.size() && s[i] == '"') {
                ++i;
                bool closed = false;
                while (i < s.size()) {
                    const char c = s[i++];
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    // Only \" and \\ are escapes: browsers send Windows paths
                    // with bare backslashes.
                    if (c == '\\' && i < s.size() && (s[i] == '"' || s[i] == '\\')) {
                        value += s[i++];
                        continue;
                    }
                    value += c;
                }
                if (!closed) return std::nullopt;
                while (i < s.size() && s[i] != ';') ++i;  // nothing belongs after the quotes
            } else {
                const std::size_t value_begin = i;
                while (i < s.size() && s[i] != ';') ++i;
                value = trim(s.substr(value_begin, i - value_begin));
            }
        }
        if (!key.empty()) params.emplace_back(std::move(key), std::move(value));
    }
    return params;
}

const std::string* find_param(const Params& params, std::string_view key) {
    for (const auto& [k, v] : params)
        if (k == key) return &v;
    return nullptr;
}

bool valid_boundary(std::string_view b) {
    if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
    return std::all_of(b.begin(), b.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
    });
}

Error bad(std::string message) {
    return Error::malformed(std::move(message), "MALFORMED_MULTIPART");
}

// Reads up to `n` bytes at `offset`; fewer only at the end of the file.
Result<std::size_t> pread_full(int fd, std::uint64_t offset, char* buf, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::pread(fd, buf + got, n - got, static_cast<off_t>(offset + got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return Error::internal("cannot read the uploaded body");
        if (r == 0) break;
        got += static_cast<std::size_t>(r);
    }
    return got;
}

class Scanner {
public:
    Scanner(int fd, std::string_view boundary)
        : fd_(fd),
          dash_("--" + std::string(boundary)),
          delimiter_("\r\n" + dash_),
          searcher_(delimiter_.begin(), delimiter_.end()),
          chunk_(kMultipartChunkBytes) {}
    Scanner(const Scanner&) = delete;  // the searcher points into delimiter_
    Scanner& operator=(const Scanner&) = delete;

    struct Delimiter {
        std::uint64_t at = 0;  // where the content before it ends
        bool closing = false;
        std::uint64_t after = 0;  // just after the delimiter's line
    };

    // The first delimiter: at the very start, or after a preamble.
    Result<std::optional<Delimiter>> first() {
        std::string head(dash_.size(), '\0');
        UJ_ASSIGN(const auto n, pread_full(fd_, 0, head.data(), head.size()));
        if (n == head.size() && head == dash_) {
            UJ_ASSIGN(auto d, check(0, 0));
            if (d) return d;
        }
        return next(0);
    }

    // The next delimiter (CRLF--boundary) whose line is well formed, from `from` on.
    Result<std::optional<Delimiter>> next(std::uint64_t from) {
        for (;;) {
            UJ_ASSIGN(const auto at, find(from));
            if (!at) return std::optional<Delimiter>();
            UJ_ASSIGN(auto d, check(*at, *at + 2));
            if (d) return d;
            from = *at + 1;  // boundary-like text in the content
        }
    }

    // A part's headers, starting at `offset`; sets where its content begins.
    Result<MultipartPart> headers(std::uint64_t offset, std::size_t number) {
        const auto part = "Part " + std::to_string(number) + " of the multipart body";
        // Enough for the longest headers allowed and the blank line after them.
        const std::size_t want = kMultipartMaxHeaderBytes + 4;
        std::string block(want, '\0');
        UJ_ASSIGN(const auto n, pread_full(fd_, offset, block.data(), want));
        block.resize(n);
        MultipartPart result;
        std::string_view lines;
        if (block.starts_with("\r\n")) {
            result.begin = offset + 2;  // no headers at all
        } else {
            const auto end = block.find("\r\n\r\n");
            if (end == std::string::npos || end > kMultipartMaxHeaderBytes) {
                if (n == want || end != std::string::npos)
                    return bad(part + " has headers longer than " +
                               std::to_string(kMultipartMaxHeaderBytes) + " bytes");
                return bad(part + " has headers that do not end with a blank line");
            }
            lines = std::string_view(block).substr(0, end);
            result.begin = offset + end + 4;
        }

        std::vector<std::pair<std::string, std::string>> fields;
        while (!lines.empty()) {
            const auto eol = lines.find("\r\n");
            const auto line = lines.substr(0, eol);
            lines = eol == std::string_view::npos ? std::string_view() : lines.substr(eol + 2);
            if (!line.empty() && is_space(line.front()) && !fields.empty()) {
                fields.back().second += ' ';  // an obsolete folded line continues the last
                fields.back().second += trim(line);
                continue;
            }
            const auto colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0 ||
                trim(line.substr(0, colon)).size() != colon)
                return bad(part + " has a malformed header line");
            fields.emplace_back(std::string(line.substr(0, colon)),
                                std::string(trim(line.substr(colon + 1))));
        }

        const std::string* disposition = nullptr;
        const std::string* type = nullptr;
        for (const auto& [name, value] : fields) {
            if (!disposition && iequals(name, "content-disposition")) disposition = &value;
            if (!type && iequals(name, "content-type")) type = &value;
        }
        if (!disposition) return bad(part + " has no Content-Disposition header");
        const std::string_view d = *disposition;
        const auto semi = d.find(';');
        if (!iequals(trim(d.substr(0, semi)), "form-data")) return bad(part + " is not form-data");
        const auto params =
            parse_params(semi == std::string_view::npos ? std::string_view() : d.substr(semi + 1));
        if (!params) return bad(part + " has an unclosed quote in its Content-Disposition");
        const auto* name = find_param(*params, "name");
        if (!name || name->empty()) return bad(part + " has no name");
        result.name = *name;
        if (const auto* filename = find_param(*params, "filename")) result.filename = *filename;
        result.content_type = type && !type->empty() ? *type : "text/plain";
        return result;
    }

private:
    // The offset of the next CRLF--boundary from `from`, reading a chunk at a
    // time; consecutive chunks overlap so a delimiter split between them is found.
    Result<std::optional<std::uint64_t>> find(std::uint64_t from) {
        const std::size_t keep = delimiter_.size() - 1;
        for (;;) {
            UJ_ASSIGN(const auto n, pread_full(fd_, from, chunk_.data(), chunk_.size()));
            if (n < delimiter_.size()) return std::optional<std::uint64_t>();
            const auto it =
                std::search(chunk_.begin(), chunk_.begin() + static_cast<long>(n), searcher_);
            if (it != chunk_.begin() + static_cast<long>(n))
                return std::optional<std::uint64_t>(
                    from + static_cast<std::uint64_t>(it - chunk_.begin()));
            if (n < chunk_.size()) return std::optional<std::uint64_t>();
            from += n - keep;
        }
    }

    // Whether "--boundary" at `dash` ends its line as a delimiter should:
    // "--" after it (the closing one) or optional padding and CRLF.
    Result<std::optional<Delimiter>> check(std::uint64_t at, std::uint64_t dash) {
        char tail[kMaxTransportPadding + 4];
        const std::uint64_t offset = dash + dash_.size();
        UJ_ASSIGN(const auto n, pread_full(fd_, offset, tail, sizeof tail));
        Delimiter d;
        d.at = at;
        if (n >= 2 && tail[0] == '-' && tail[1] == '-') {
            d.closing = true;
            d.after = offset + 2;
            return std::optional<Delimiter>(d);
        }
        std::size_t i = 0;
        while (i < n && is_space(tail[i])) ++i;
        if (i + 1 < n && tail[i] == '\r' && tail[i + 1] == '\n') {
            d.after = offset + i + 2;
            return std::optional<Delimiter>(d);
        }
        return std::optional<Delimiter>();
    }

    int fd_;
    std::string dash_;
    std::string delimiter_;
    std::boyer_moore_horspool_searcher<std::string::const_iterator> searcher_;
    std::vector<char> chunk_;
};

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
    const auto semi = content_type.find(';');
    if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data")) return std::nullopt;
    if (semi == std::string_view::npos) return std::nullopt;
    const auto params = parse_params(content_type.substr(semi + 1));
    if (!params) return std::nullopt;
    const auto* boundary = find_param(*params, "boundary");
    if (!boundary || !valid_boundary(*boundary)) return std::nullopt;
    return *boundary;
}

Result<std::vector<MultipartPart>> scan_multipart(int fd, std::string_view boundary,
                                                  std::size_t max_parts) {
    if (!valid_boundary(boundary)) return bad("The multipart boundary is not valid");
    Scanner scanner(fd, boundary);
    UJ_ASSIGN(auto delimiter, scanner.first());
    if (!delimiter) return bad("The multipart body does not contain its boundary");

    std::vector<MultipartPart> parts;
    while (!delimiter->closing) {
        if (parts.size() == max_parts)
            return bad("The multipart body has more than " + std::to_string(max_parts) + " parts");
        UJ_ASSIGN(auto part, scanner.headers(delimiter->after, parts.size() + 1));
        UJ_ASSIGN(delimiter, scanner.next(part.begin));
        if (!delimiter)
            return bad("The multipart body ends without its closing boundary (--" +
                       std::string(boundary) + "--)");
        part.end = delimiter->at;
        parts.push_back(std::move(part));
    }
    return parts;
}

Result<std::string> read_range(int fd, std::uint64_t begin, std::uint64_t end, std::size_t max) {
    if (end < begin) return Error::internal("read_range: the range ends before it begins");
    if (end - begin > max)
        return bad("A form field is longer than " + std::to_string(max) + " bytes");
    std::string out(static_cast<std::size_t>(end - begin), '\0');
    UJ_ASSIGN(const auto n, pread_full(fd, begin, out.data(), out.size()));
    if (n != out.size()) return Error::internal("the uploaded body is shorter than expected");
    return out;
}

}  // namespace ujumbe::formats
