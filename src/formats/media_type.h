#pragma once
// What an uploaded file is, read from its first bytes (its magic number),
// never from its name or the type the sender claimed: only the formats the
// WhatsApp Cloud API takes are known (PROTOCOLS.md section 3). A name's
// extension only tells apart formats that share one container (an Office
// Open XML file is a ZIP archive; a legacy Office file an OLE2 one).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ujumbe::formats {

// How many leading bytes sniff_media looks at.
inline constexpr std::size_t kMediaSniffBytes = 4096;

struct MediaType {
    std::string mime_type;    // "image/jpeg"
    std::string kind;         // image | audio | video | document | sticker
    std::uint64_t max_bytes;  // the Cloud API's limit for the kind
};

// The type of a file whose first bytes are `head` (at most kMediaSniffBytes
// of it) and whose sender named it `filename` ("" when unnamed); nullopt
// when the content is none of the known formats.
std::optional<MediaType> sniff_media(std::string_view head, std::string_view filename);

// A file name fit for a Content-Disposition header and a listing: the last
// path component, control characters, quotes and backslashes dropped, at
// most 200 bytes of whole UTF-8 characters; "" when nothing is left.
std::string clean_filename(std::string_view name);

}  // namespace ujumbe::formats
