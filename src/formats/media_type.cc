#include "formats/media_type.h"

#include <algorithm>
#include <array>

#include "core/utf8.h"

namespace ujumbe::formats {

namespace {

constexpr std::uint64_t kMB = 1024 * 1024;

bool starts(std::string_view head, std::string_view magic, std::size_t at = 0) {
    return head.size() >= at + magic.size() && head.substr(at, magic.size()) == magic;
}

std::string lower_extension(std::string_view name) {
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos) return {};
    std::string ext(name.substr(dot + 1));
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

MediaType document(std::string mime) {
    return {std::move(mime), "document", 100 * kMB};
}

// Office Open XML files are ZIP archives; which one is told by the name.
std::optional<MediaType> office_open_xml(std::string_view filename) {
    const std::string ext = lower_extension(filename);
    if (ext == "docx")
        return document("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    if (ext == "xlsx")
        return document("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    if (ext == "pptx")
        return document(
            "application/vnd.openxmlformats-officedocument.presentationml.presentation");
    return std::nullopt;  // another archive: not a type WhatsApp takes
}

// Legacy Office files are OLE2 compound files; likewise told by the name.
MediaType legacy_office(std::string_view filename) {
    const std::string ext = lower_extension(filename);
    if (ext == "xls") return document("application/vnd.ms-excel");
    if (ext == "ppt") return document("application/vnd.ms-powerpoint");
    return document("application/msword");
}

// Text: valid UTF-8 (a character cut at the end of the head aside) without
// control characters other than tab, line feed, form feed and return.
bool is_text(std::string_view head) {
    if (head.empty()) return false;
    for (unsigned char c : head)
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f)
            return false;
    if (decode_utf8(head)) return true;
    if (head.size() < kMediaSniffBytes) return false;
    for (std::size_t cut = 1; cut <= 3 && cut < head.size(); ++cut)
        if (decode_utf8(head.substr(0, head.size() - cut))) return true;
    return false;
}

}  // namespace

std::optional<MediaType> sniff_media(std::string_view head, std::string_view filename) {
    if (head.size() > kMediaSniffBytes) head = head.substr(0, kMediaSniffBytes);
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(head[i]); };
    if (starts(head, "\xFF\xD8\xFF")) return MediaType{"image/jpeg", "image", 5 * kMB};
    if (starts(head, "\x89PNG\r\n\x1A\n")) return MediaType{"image/png", "image", 5 * kMB};
    if (starts(head, "RIFF") && starts(head, "WEBP", 8))
        return MediaType{"image/webp", "sticker", 500 * 1024};
    if (starts(head, "%PDF-")) return document("application/pdf");
    if (starts(head, "ftyp", 4) && head.size() >= 12) {
        const std::string_view brand = head.substr(8, 4);
        if (brand.starts_with("3g")) return MediaType{"video/3gpp", "video", 16 * kMB};
        if (brand == "M4A " || brand == "M4B ") return MediaType{"audio/mp4", "audio", 16 * kMB};
        return MediaType{"video/mp4", "video", 16 * kMB};
    }
    if (starts(head, "OggS")) return MediaType{"audio/ogg", "audio", 16 * kMB};
    if (starts(head, "#!AMR\n")) return MediaType{"audio/amr", "audio", 16 * kMB};
    if (starts(head, "ID3")) return MediaType{"audio/mpeg", "audio", 16 * kMB};
    if (head.size() >= 2 && byte(0) == 0xFF && (byte(1) & 0xE0) == 0xE0) {
        // An MPEG audio frame: layer bits 00 are AAC in ADTS, else MP3.
        if ((byte(1) & 0x06) == 0) return MediaType{"audio/aac", "audio", 16 * kMB};
        return MediaType{"audio/mpeg", "audio", 16 * kMB};
    }
    if (starts(head, "PK\x03\x04")) return office_open_xml(filename);
    if (starts(head, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return legacy_office(filename);
    if (is_text(head)) return document("text/plain");
    return std::nullopt;
}

std::string clean_filename(std::string_view name) {
    const auto slash = name.find_last_of("/\\");
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
    std::string out;
    for (unsigned char c : name)
        if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\') out.push_back(static_cast<char>(c));
    auto chars = decode_utf8(out);
    if (!chars) return {};
    return std::string(utf8_prefix(out, 200));
}

}  // namespace ujumbe::formats
