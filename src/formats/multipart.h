#pragma once
// multipart/form-data (RFC 7578, RFC 2046) bodies that the server has spooled
// to a file. The scanner reads the file in chunks and returns where each
// part's content lies, so a 500 MB upload is never held in memory; the
// caller reads small fields with read_range and streams large ones.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ujumbe::formats {

// How much of the file the scanner reads at a time.
inline constexpr std::size_t kMultipartChunkBytes = 64 * 1024;
// The most header bytes one part may have.
inline constexpr std::size_t kMultipartMaxHeaderBytes = 8 * 1024;

// The boundary parameter of a multipart/form-data Content-Type, quoted or
// not; nullopt for another type or a missing or invalid boundary (1 to 70
// characters of RFC 2046's set, not ending in a space).
std::optional<std::string> multipart_boundary(std::string_view content_type);

struct MultipartPart {
    std::string name;                     // Content-Disposition's name
    std::optional<std::string> filename;  // present for file parts
    std::string content_type;             // "text/plain" when the part has none
    std::uint64_t begin = 0;              // the content is the file's bytes [begin, end)
    std::uint64_t end = 0;
};

// The parts of the body in the open file `fd`, in order. A 400
// (Error::malformed) naming the problem when the delimiters, the closing
// delimiter, a part's headers or its name are missing or wrong, or when there
// are more than `max_parts` parts; a 500 when the file cannot be read.
Result<std::vector<MultipartPart>> scan_multipart(int fd, std::string_view boundary,
                                                  std::size_t max_parts = 32);

// The bytes [begin, end) of the file, for small form fields; a 400 when the
// range is longer than `max` bytes, a 500 when the file cannot be read.
Result<std::string> read_range(int fd, std::uint64_t begin, std::uint64_t end, std::size_t max);

}  // namespace ujumbe::formats
