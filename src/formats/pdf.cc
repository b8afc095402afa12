#include "formats/pdf.h"

#include <hpdf.h>

#include <cstdint>

namespace ujumbe::formats::pdf {

namespace {

constexpr float kMargin = 50;
constexpr float kLine = 14;
constexpr float kTextSize = 10;
constexpr float kHeadingSize = 14;

// libharu reports errors through a callback; the first one is kept.
void on_error(HPDF_STATUS error, HPDF_STATUS detail, void* user) {
    auto* first = static_cast<std::uint64_t*>(user);
    if (*first == 0) *first = (static_cast<std::uint64_t>(error) << 32) | detail;
}

}  // namespace

std::string win_ansi(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size();) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        std::uint32_t cp = 0;
        std::size_t len = 1;
        if (c < 0x80) {
            cp = c;
        } else if ((c >> 5) == 0x6) {
            cp = c & 0x1f;
            len = 2;
        } else if ((c >> 4) == 0xe) {
            cp = c & 0x0f;
            len = 3;
        } else if ((c >> 3) == 0x1e) {
            cp = c & 0x07;
            len = 4;
        } else {
            out += '?';
            ++i;
            continue;
        }
        bool valid = i + len <= utf8.size();
        for (std::size_t k = 1; valid && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(utf8[i + k]);
            valid = (cc >> 6) == 0x2;
            cp = (cp << 6) | (cc & 0x3f);
        }
        i += valid ? len : 1;
        if (!valid || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp > 0xff)
            out += '?';
        else
            out += static_cast<char>(cp);
    }
    return out;
}

struct Document::Impl {
    std::uint64_t error = 0;
    HPDF_Doc doc = nullptr;
    HPDF_Font regular = nullptr, bold = nullptr;
    std::vector<HPDF_Page> pages;
    float y = 0;
    bool finished = false;

    HPDF_Page page() {
        if (pages.empty() || y < kMargin + kLine) {
            HPDF_Page p = HPDF_AddPage(doc);
            HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
            pages.push_back(p);
            y = HPDF_Page_GetHeight(p) - kMargin;
        }
        return pages.back();
    }

    void text(HPDF_Page p, HPDF_Font font, float size, float x, const std::string& s) {
        HPDF_Page_BeginText(p);
        HPDF_Page_SetFontAndSize(p, font, size);
        HPDF_Page_TextOut(p, x, y, s.c_str());
        HPDF_Page_EndText(p);
    }

    // `s` cut to fit `width` at the font's size.
    std::string fitted(HPDF_Page p, const std::string& s, float width) {
        std::string out = s;
        while (!out.empty() && HPDF_Page_TextWidth(p, out.c_str()) > width) out.pop_back();
        return out;
    }
};

Document::Document(std::string_view title) : impl_(std::make_unique<Impl>()) {
    impl_->doc = HPDF_New(on_error, &impl_->error);
    if (!impl_->doc) return;
    HPDF_SetCompressionMode(impl_->doc, HPDF_COMP_ALL);
    impl_->regular = HPDF_GetFont(impl_->doc, "Helvetica", "WinAnsiEncoding");
    impl_->bold = HPDF_GetFont(impl_->doc, "Helvetica-Bold", "WinAnsiEncoding");
    HPDF_SetInfoAttr(impl_->doc, HPDF_INFO_TITLE, win_ansi(title).c_str());
    HPDF_SetInfoAttr(impl_->doc, HPDF_INFO_CREATOR, "Ujumbe");
}

Document::~Document() {
    if (impl_->doc) HPDF_Free(impl_->doc);
}

void Document::heading(std::string_view text) {
    if (!impl_->doc || impl_->finished) return;
    impl_->y -= 6;
    HPDF_Page p = impl_->page();
    impl_->text(p, impl_->bold, kHeadingSize, kMargin, win_ansi(text));
    impl_->y -= kLine + 6;
}

void Document::line(std::string_view text) {
    if (!impl_->doc || impl_->finished) return;
    HPDF_Page p = impl_->page();
    HPDF_Page_SetFontAndSize(p, impl_->regular, kTextSize);
    const float width = HPDF_Page_GetWidth(p) - 2 * kMargin;
    impl_->text(p, impl_->regular, kTextSize, kMargin, impl_->fitted(p, win_ansi(text), width));
    impl_->y -= kLine;
}

void Document::gap() {
    if (!impl_->doc || impl_->finished) return;
    impl_->y -= kLine / 2;
}

void Document::row(const std::vector<std::string>& cells, const std::vector<Column>& columns,
                   bool bold) {
    if (!impl_->doc || impl_->finished) return;
    HPDF_Page p = impl_->page();
    HPDF_Font font = bold ? impl_->bold : impl_->regular;
    HPDF_Page_SetFontAndSize(p, font, kTextSize);
    float x = kMargin;
    for (std::size_t i = 0; i < columns.size() && i < cells.size(); ++i) {
        const auto& col = columns[i];
        const float width = static_cast<float>(col.width) - 6;
        const std::string text = impl_->fitted(p, win_ansi(cells[i]), width);
        const float at = col.right ? x + width - HPDF_Page_TextWidth(p, text.c_str()) : x;
        impl_->text(p, font, kTextSize, at, text);
        x += static_cast<float>(col.width);
    }
    impl_->y -= kLine;
}

Result<std::string> Document::bytes() {
    if (!impl_->doc) return Error::internal("PDF: libharu could not start");
    if (!impl_->finished) {
        impl_->finished = true;
        if (impl_->pages.empty()) impl_->page();
        const std::size_t n = impl_->pages.size();
        for (std::size_t i = 0; i < n; ++i) {
            HPDF_Page p = impl_->pages[i];
            const std::string foot = "Page " + std::to_string(i + 1) + " of " + std::to_string(n);
            HPDF_Page_SetFontAndSize(p, impl_->regular, 8);
            const float x = HPDF_Page_GetWidth(p) - kMargin - HPDF_Page_TextWidth(p, foot.c_str());
            HPDF_Page_BeginText(p);
            HPDF_Page_TextOut(p, x, kMargin / 2, foot.c_str());
            HPDF_Page_EndText(p);
        }
    }
    if (HPDF_SaveToStream(impl_->doc) != HPDF_OK || impl_->error != 0)
        return Error::internal("PDF: libharu failed (error " + std::to_string(impl_->error >> 32) +
                               ")");
    std::string out(HPDF_GetStreamSize(impl_->doc), '\0');
    HPDF_UINT32 size = static_cast<HPDF_UINT32>(out.size());
    if (HPDF_ReadFromStream(impl_->doc, reinterpret_cast<HPDF_BYTE*>(out.data()), &size) !=
            HPDF_OK &&
        size == 0)
        return Error::internal("PDF: the file could not be read back");
    out.resize(size);
    return out;
}

}  // namespace ujumbe::formats::pdf
