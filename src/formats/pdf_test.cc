// The PDF writer: a valid file (header, trailer), text the standard fonts
// cannot show written as '?', long tables running onto more pages.

#include "formats/pdf.h"

#include <gtest/gtest.h>

namespace ujumbe::formats::pdf {
namespace {

TEST(PdfTest, TextOutsideLatin1BecomesAQuestionMark) {
    EXPECT_EQ(win_ansi("Duka la Mama"), "Duka la Mama");
    EXPECT_EQ(win_ansi("Caf\xc3\xa9"), "Caf\xe9");          // é is in Latin-1
    EXPECT_EQ(win_ansi("\xe4\xb8\xad\xe6\x96\x87"), "??");  // CJK
    EXPECT_EQ(win_ansi("a\x01"
                       "b\xff"
                       "c"),
              "a?b?c");                              // control, stray byte
    EXPECT_EQ(win_ansi("\xf0\x9f\x98\x80!"), "?!");  // an emoji
    EXPECT_EQ(win_ansi("\xe2\x82"), "??");           // cut short
}

TEST(PdfTest, ADocumentIsAPdfFileAndLongTablesTakeMorePages) {
    Document doc("Test");
    doc.heading("Heading");
    doc.line("A line");
    for (int i = 0; i < 200; ++i)
        doc.row({"row " + std::to_string(i), std::to_string(i * 3)}, {{300}, {100, true}});
    auto bytes = doc.bytes();
    ASSERT_TRUE(bytes) << bytes.error().message;
    EXPECT_EQ(bytes->rfind("%PDF-", 0), 0u);
    EXPECT_NE(bytes->find("%%EOF"), std::string::npos);
    // 200 rows of 14 points need more than three A4 pages.
    EXPECT_NE(bytes->find("/Count 4"), std::string::npos);
    auto again = doc.bytes();  // finished: the same file again
    ASSERT_TRUE(again);
    EXPECT_EQ(again->size(), bytes->size());
}

}  // namespace
}  // namespace ujumbe::formats::pdf
