#include "formats/sms_encoding.h"

#include <array>
#include <unordered_map>

#include "core/utf8.h"

namespace ujumbe::formats {
namespace {

constexpr char32_t kNone = 0xFFFF;  // the ESC slot of the basic table
constexpr std::uint8_t kEsc = 0x1B;

// GSM 03.38 basic table: septet -> code point.
constexpr std::array<char32_t, 128> kBasic = {
    U'@',      U'\u00A3', U'$',      U'\u00A5', U'\u00E8', U'\u00E9', U'\u00F9', U'\u00EC',
    U'\u00F2', U'\u00C7', U'\n',     U'\u00D8', U'\u00F8', U'\r',     U'\u00C5', U'\u00E5',
    U'\u0394', U'_',      U'\u03A6', U'\u0393', U'\u039B', U'\u03A9', U'\u03A0', U'\u03A8',
    U'\u03A3', U'\u0398', U'\u039E', kNone,     U'\u00C6', U'\u00E6', U'\u00DF', U'\u00C9',
    U' ',      U'!',      U'"',      U'#',      U'\u00A4', U'%',      U'&',      U'\'',
    U'(',      U')',      U'*',      U'+',      U',',      U'-',      U'.',      U'/',
    U'0',      U'1',      U'2',      U'3',      U'4',      U'5',      U'6',      U'7',
    U'8',      U'9',      U':',      U';',      U'<',      U'=',      U'>',      U'?',
    U'\u00A1', U'A',      U'B',      U'C',      U'D',      U'E',      U'F',      U'G',
    U'H',      U'I',      U'J',      U'K',      U'L',      U'M',      U'N',      U'O',
    U'P',      U'Q',      U'R',      U'S',      U'T',      U'U',      U'V',      U'W',
    U'X',      U'Y',      U'Z',      U'\u00C4', U'\u00D6', U'\u00D1', U'\u00DC', U'\u00A7',
    U'\u00BF', U'a',      U'b',      U'c',      U'd',      U'e',      U'f',      U'g',
    U'h',      U'i',      U'j',      U'k',      U'l',      U'm',      U'n',      U'o',
    U'p',      U'q',      U'r',      U's',      U't',      U'u',      U'v',      U'w',
    U'x',      U'y',      U'z',      U'\u00E4', U'\u00F6', U'\u00F1', U'\u00FC', U'\u00E0',
};

// The extension table: code after ESC -> code point.
constexpr std::array<std::pair<std::uint8_t, char32_t>, 10> kExtension = {{
    {0x0A, U'\f'},
    {0x14, U'^'},
    {0x28, U'{'},
    {0x29, U'}'},
    {0x2F, U'\\'},
    {0x3C, U'['},
    {0x3D, U'~'},
    {0x3E, U']'},
    {0x40, U'|'},
    {0x65, U'\u20AC'},
}};

// Code point -> its GSM bytes (one septet, or ESC and a septet).
const std::unordered_map<char32_t, std::string>& gsm_of() {
    static const auto table = [] {
        std::unordered_map<char32_t, std::string> t;
        for (std::size_t septet = 0; septet < kBasic.size(); ++septet)
            if (kBasic[septet] != kNone)
                t[kBasic[septet]] = std::string(1, static_cast<char>(septet));
        for (const auto& [code, cp] : kExtension)
            t[cp] = std::string{static_cast<char>(kEsc), static_cast<char>(code)};
        return t;
    }();
    return table;
}

bool in_range(char32_t cp, char32_t lo, char32_t hi) {
    return cp >= lo && cp <= hi;
}

// Code points that belong to the cluster before them: joiners, variation
// selectors, skin tones, combining marks, emoji tag characters.
bool extends_cluster(char32_t cp) {
    return cp == 0x200D || in_range(cp, 0xFE00, 0xFE0F) || in_range(cp, 0x1F3FB, 0x1F3FF) ||
           in_range(cp, 0x0300, 0x036F) || in_range(cp, 0x1AB0, 0x1AFF) ||
           in_range(cp, 0x1DC0, 0x1DFF) || in_range(cp, 0x20D0, 0x20FF) ||
           in_range(cp, 0xFE20, 0xFE2F) || in_range(cp, 0xE0020, 0xE007F);
}

bool regional_indicator(char32_t cp) {
    return in_range(cp, 0x1F1E6, 0x1F1FF);
}

// One code point as encoded bytes, and its cost in units.
struct Piece {
    std::string bytes;
    std::size_t units = 0;
};

std::vector<Piece> pieces_of(const std::vector<char32_t>& cps, Encoding encoding) {
    std::vector<Piece> out;
    out.reserve(cps.size());
    if (encoding == Encoding::kGsm7) {
        const auto& table = gsm_of();
        for (char32_t cp : cps) {
            const auto& bytes = table.at(cp);
            out.push_back({bytes, bytes.size()});
        }
        return out;
    }
    for (char32_t cp : cps) {
        Piece p;
        auto put = [&p](char32_t unit) {
            p.bytes += static_cast<char>(unit >> 8);
            p.bytes += static_cast<char>(unit & 0xFF);
            ++p.units;
        };
        if (cp >= 0x10000) {
            put(0xD800 + ((cp - 0x10000) >> 10));
            put(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            put(cp);
        }
        out.push_back(std::move(p));
    }
    return out;
}

// Where each grapheme cluster starts (indices into the code points).
std::vector<std::size_t> cluster_starts(const std::vector<char32_t>& cps) {
    std::vector<std::size_t> starts;
    bool open_flag = false;  // the cluster is one regional indicator so far
    for (std::size_t i = 0; i < cps.size(); ++i) {
        const bool joined = i > 0 && (extends_cluster(cps[i]) || cps[i - 1] == 0x200D ||
                                      (open_flag && regional_indicator(cps[i])));
        if (!joined) {
            starts.push_back(i);
            open_flag = regional_indicator(cps[i]);
        } else if (regional_indicator(cps[i])) {
            open_flag = false;  // a flag is two indicators
        }
    }
    return starts;
}

struct Limits {
    std::size_t single, part;
};

Limits limits_of(Encoding encoding, ReferenceSize ref) {
    const bool wide = ref == ReferenceSize::k16Bit;
    if (encoding == Encoding::kGsm7) return {160, wide ? std::size_t{152} : 153};
    return {70, wide ? std::size_t{66} : 67};
}

std::optional<EncodedSms> encode(std::string_view utf8, ReferenceSize ref, bool with_bytes) {
    auto cps = decode_utf8(utf8);
    if (!cps) return std::nullopt;
    const auto& table = gsm_of();
    Encoding encoding = Encoding::kGsm7;
    for (char32_t cp : *cps)
        if (!table.count(cp)) {
            encoding = Encoding::kUcs2;
            break;
        }
    const auto pieces = pieces_of(*cps, encoding);
    EncodedSms out;
    out.encoding = encoding;
    for (const auto& p : pieces) out.units += p.units;
    const Limits limits = limits_of(encoding, ref);
    if (out.units <= limits.single) {
        std::string all;
        if (with_bytes)
            for (const auto& p : pieces) all += p.bytes;
        out.parts.push_back(std::move(all));
        return out;
    }
    // Greedy by clusters; a cluster longer than a part goes by code points,
    // which still never cuts an escape or a surrogate pair.
    auto starts = cluster_starts(*cps);
    starts.push_back(cps->size());
    std::string part;
    std::size_t used = 0;
    bool open = false;
    auto add = [&](std::size_t from, std::size_t to, std::size_t units) {
        if (open && used + units > limits.part) {
            out.parts.push_back(std::move(part));
            part.clear();
            used = 0;
        }
        if (with_bytes)
            for (std::size_t i = from; i < to; ++i) part += pieces[i].bytes;
        used += units;
        open = true;
    };
    for (std::size_t c = 0; c + 1 < starts.size(); ++c) {
        std::size_t units = 0;
        for (std::size_t i = starts[c]; i < starts[c + 1]; ++i) units += pieces[i].units;
        if (units <= limits.part) {
            add(starts[c], starts[c + 1], units);
            continue;
        }
        for (std::size_t i = starts[c]; i < starts[c + 1]; ++i) add(i, i + 1, pieces[i].units);
    }
    if (open) out.parts.push_back(std::move(part));
    return out;
}

void append_gsm(std::string& out, std::string_view septets) {
    for (std::size_t i = 0; i < septets.size(); ++i) {
        const auto s = static_cast<std::uint8_t>(septets[i]);
        if (s >= 0x80) {
            out += '?';
            continue;
        }
        if (s == kEsc && i + 1 < septets.size()) {
            const auto code = static_cast<std::uint8_t>(septets[++i]);
            char32_t cp = code < 0x80 ? kBasic[code] : U'?';
            for (const auto& [ext, ext_cp] : kExtension)
                if (ext == code) cp = ext_cp;
            // An escape the table lacks shows the basic character (23.038).
            append_utf8(out, cp == kNone ? U' ' : cp);
            continue;
        }
        append_utf8(out, s == kEsc ? U' ' : kBasic[s]);
    }
}

void append_utf16be(std::string& out, std::string_view bytes) {
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
        const char32_t unit =
            (static_cast<std::uint8_t>(bytes[i]) << 8) | static_cast<std::uint8_t>(bytes[i + 1]);
        if (unit >= 0xD800 && unit <= 0xDBFF && i + 3 < bytes.size()) {
            const char32_t low = (static_cast<std::uint8_t>(bytes[i + 2]) << 8) |
                                 static_cast<std::uint8_t>(bytes[i + 3]);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
                i += 2;
                continue;
            }
        }
        append_utf8(out, unit >= 0xD800 && unit <= 0xDFFF ? U'?' : unit);
    }
    if (bytes.size() % 2) out += '?';  // half a unit
}

}  // namespace

const char* encoding_name(Encoding e) {
    return e == Encoding::kGsm7 ? "gsm7" : "ucs2";
}

std::uint8_t data_coding_of(Encoding e) {
    return e == Encoding::kGsm7 ? 0x00 : 0x08;
}

std::optional<SegmentCount> count_segments(std::string_view utf8, ReferenceSize ref) {
    auto encoded = encode(utf8, ref, false);
    if (!encoded) return std::nullopt;
    return SegmentCount{encoded->encoding, encoded->units, encoded->parts.size()};
}

std::optional<EncodedSms> encode_sms(std::string_view utf8, ReferenceSize ref) {
    return encode(utf8, ref, true);
}

std::string concat_udh(std::uint16_t reference, std::uint8_t total, std::uint8_t part,
                       ReferenceSize ref) {
    if (ref == ReferenceSize::k8Bit)
        return {0x05,
                0x00,
                0x03,
                static_cast<char>(reference & 0xFF),
                static_cast<char>(total),
                static_cast<char>(part)};
    return {0x06,
            0x08,
            0x04,
            static_cast<char>(reference >> 8),
            static_cast<char>(reference & 0xFF),
            static_cast<char>(total),
            static_cast<char>(part)};
}

std::optional<std::string> decode_text(std::string_view bytes, std::uint8_t data_coding) {
    std::string out;
    // 0xF0-0xFF: the 23.038 group where bit 2 clear means GSM 7-bit.
    if (data_coding >= 0xF0 && !(data_coding & 0x04)) data_coding = 0x00;
    switch (data_coding) {
        case 0x00:
            append_gsm(out, bytes);
            return out;
        case 0x01:  // IA5: ASCII
            for (char ch : bytes) out += static_cast<std::uint8_t>(ch) < 0x80 ? ch : '?';
            return out;
        case 0x03:
            for (char ch : bytes) append_utf8(out, static_cast<std::uint8_t>(ch));
            return out;
        case 0x08:
            append_utf16be(out, bytes);
            return out;
        default:
            return std::nullopt;
    }
}

std::optional<UdhSplit> split_udh(std::string_view payload) {
    if (payload.empty()) return std::nullopt;
    const std::size_t udhl = static_cast<unsigned char>(payload[0]);
    if (1 + udhl > payload.size()) return std::nullopt;
    UdhSplit out;
    out.text = payload.substr(1 + udhl);
    std::size_t i = 1;
    while (i + 2 <= 1 + udhl) {
        const auto iei = static_cast<unsigned char>(payload[i]);
        const std::size_t len = static_cast<unsigned char>(payload[i + 1]);
        if (i + 2 + len > 1 + udhl) return std::nullopt;
        const auto* v = reinterpret_cast<const unsigned char*>(payload.data() + i + 2);
        if (iei == 0x00 && len == 3 && v[1] > 0 && v[2] > 0 && v[2] <= v[1])
            out.concatenation = Concatenation{v[0], v[1], v[2]};
        else if (iei == 0x08 && len == 4 && v[2] > 0 && v[3] > 0 && v[3] <= v[2])
            out.concatenation = Concatenation{(v[0] << 8) | v[1], v[2], v[3]};
        i += 2 + len;
    }
    return out;
}

}  // namespace ujumbe::formats
