#include "http/pagination.h"

#include <gtest/gtest.h>

#include "core/crypto.h"

namespace ujumbe::http {

namespace {

using json = nlohmann::json;

Request get(std::string_view target) {
    Request r;
    r.target = std::string(target);
    EXPECT_TRUE(parse_target(target, r.path, r.query)) << target;
    return r;
}

// The one field named by a 400 from parse_page.
std::string failing_field(const Result<Page>& page) {
    EXPECT_FALSE(page.ok());
    if (page.ok()) return "";
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(page.error().error_code, "VALIDATION_ERROR");
    EXPECT_EQ(page.error().errors.size(), 1u);
    return page.error().errors.empty() ? "" : page.error().errors.begin()->first;
}

}  // namespace

TEST(ParsePage, DefaultsToFirstPageOfTwenty) {
    auto page = parse_page(get("/api/v1/users"));
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->number, 1);
    EXPECT_EQ(page->size, 20);
    EXPECT_EQ(page->offset(), 0);
}

TEST(ParsePage, ReadsPageAndPageSize) {
    auto page = parse_page(get("/api/v1/users?page=3&page_size=15"));
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->number, 3);
    EXPECT_EQ(page->size, 15);
    EXPECT_EQ(page->offset(), 30);
}

TEST(ParsePage, CapsPageSizeAtOneHundred) {
    auto page = parse_page(get("/x?page_size=500"));
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->size, kMaxPageSize);
    EXPECT_EQ(page->size, 100);

    auto exact = parse_page(get("/x?page_size=100"));
    ASSERT_TRUE(exact.ok());
    EXPECT_EQ(exact->size, 100);
}

TEST(ParsePage, PageZeroNamesPage) {
    EXPECT_EQ(failing_field(parse_page(get("/x?page=0"))), "page");
}

TEST(ParsePage, NonNumericPageNamesPage) {
    for (const char* target : {"/x?page=abc", "/x?page=", "/x?page=1.5", "/x?page=2x", "/x?page=+2",
                               "/x?page=%202", "/x?page=-1"})
        EXPECT_EQ(failing_field(parse_page(get(target))), "page") << target;
}

TEST(ParsePage, NegativePageSizeNamesPageSize) {
    EXPECT_EQ(failing_field(parse_page(get("/x?page_size=-1"))), "page_size");
    EXPECT_EQ(failing_field(parse_page(get("/x?page_size=0"))), "page_size");
    EXPECT_EQ(failing_field(parse_page(get("/x?page_size=ten"))), "page_size");
}

TEST(ParsePage, ErrorMessageNamesTheField) {
    auto page = parse_page(get("/x?page_size=-1"));
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().errors.at("page_size"),
              std::vector<std::string>{"Must be a positive whole number."});
    EXPECT_NE(page.error().message.find("page_size"), std::string::npos);
}

TEST(ParsePage, NumberTooLargeForInt64IsAnError) {
    EXPECT_EQ(failing_field(parse_page(get("/x?page=99999999999999999999"))), "page");
    EXPECT_EQ(failing_field(parse_page(get("/x?page_size=99999999999999999999"))), "page_size");
}

TEST(ParsePage, PageAboveOneBillionIsAnError) {
    EXPECT_TRUE(parse_page(get("/x?page=1000000000")).ok());
    EXPECT_EQ(failing_field(parse_page(get("/x?page=1000000001"))), "page");
}

TEST(ParsePage, FirstOfRepeatedParamsIsUsed) {
    auto page = parse_page(get("/x?page=2&page=5"));
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->number, 2);
}

TEST(PageData, HasResultsCountAndNullLinksForASinglePage) {
    const Request r = get("/api/v1/users");
    const json data = page_data(r, Page{1, 20}, json::array({1, 2, 3}), 3);
    EXPECT_EQ(data["results"], json::array({1, 2, 3}));
    EXPECT_EQ(data["count"], 3);
    EXPECT_TRUE(data["next"].is_null());
    EXPECT_TRUE(data["previous"].is_null());
    EXPECT_EQ(data.size(), 4u);
}

TEST(PageData, FirstPageHasNextOnly) {
    const Request r = get("/api/v1/users");
    const json data = page_data(r, Page{1, 20}, json::array(), 45);
    EXPECT_EQ(data["next"], "/api/v1/users?page=2");
    EXPECT_TRUE(data["previous"].is_null());
}

TEST(PageData, MiddlePageHasBothLinks) {
    const Request r = get("/api/v1/users?page=2");
    const json data = page_data(r, Page{2, 20}, json::array(), 45);
    EXPECT_EQ(data["next"], "/api/v1/users?page=3");
    EXPECT_EQ(data["previous"], "/api/v1/users?page=1");
}

TEST(PageData, LastPageHasPreviousOnly) {
    const Request r = get("/api/v1/users?page=3");
    const json data = page_data(r, Page{3, 20}, json::array(), 45);
    EXPECT_TRUE(data["next"].is_null());
    EXPECT_EQ(data["previous"], "/api/v1/users?page=2");
}

TEST(PageData, ExactlyFullLastPageHasNoNext) {
    const Request r = get("/x?page=2");
    const json data = page_data(r, Page{2, 20}, json::array(), 40);
    EXPECT_TRUE(data["next"].is_null());
    EXPECT_EQ(data["previous"], "/x?page=1");
}

TEST(PageData, EmptyResultHasNoLinks) {
    const Request r = get("/x");
    const json data = page_data(r, Page{1, 20}, json::array(), 0);
    EXPECT_EQ(data["count"], 0);
    EXPECT_TRUE(data["next"].is_null());
    EXPECT_TRUE(data["previous"].is_null());
}

TEST(PageData, PageBeyondTheEndLinksBackOnly) {
    const Request r = get("/x?page=9");
    const json data = page_data(r, Page{9, 20}, json::array(), 45);
    EXPECT_TRUE(data["next"].is_null());
    EXPECT_EQ(data["previous"], "/x?page=8");
}

TEST(PageData, LinksKeepOtherQueryParamsAndPageSize) {
    const Request r = get("/api/v1/users?status=active&page=2&page_size=10&role=admin");
    const json data = page_data(r, Page{2, 10}, json::array(), 35);
    EXPECT_EQ(data["next"], "/api/v1/users?page_size=10&role=admin&status=active&page=3");
    EXPECT_EQ(data["previous"], "/api/v1/users?page_size=10&role=admin&status=active&page=1");
}

TEST(PageData, LinksKeepRepeatedParamsAndReEncodeValues) {
    const Request r = get("/m?tag=a+b&tag=c%26d&q=x%3Dy");
    const json data = page_data(r, Page{1, 20}, json::array(), 100);
    ASSERT_TRUE(data["next"].is_string());
    const std::string next = data["next"];

    // Parsing the link back gives the same parameters with page moved on.
    std::string path;
    std::multimap<std::string, std::string> query;
    ASSERT_TRUE(parse_target(next, path, query)) << next;
    EXPECT_EQ(path, "/m");
    auto expected = r.query;
    expected.emplace("page", "2");
    EXPECT_EQ(query, expected) << next;
}

}  // namespace ujumbe::http

namespace ujumbe::http {

TEST(ListWindow, ACursorComesBackAsItWasMade) {
    for (const db::Cursor& made :
         {db::Cursor{{1'790'000'000'123'456, "01a2-b3_C"}, false}, db::Cursor{{0, "x"}, true}}) {
        auto w = list_window(get("/api/v1/messages?page_size=7&cursor=" + encode_cursor(made)));
        ASSERT_TRUE(w.ok());
        EXPECT_TRUE(w->keyset);
        EXPECT_EQ(w->limit, 7);
        ASSERT_TRUE(w->cursor);
        EXPECT_EQ(*w->cursor, made);
    }
}

TEST(ListWindow, WithoutPageItPagesByCursorAndWithPageByNumber) {
    auto first = list_window(get("/api/v1/messages"));
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(first->keyset);
    EXPECT_FALSE(first->cursor);
    auto numbered = list_window(get("/api/v1/messages?page=3&page_size=10"));
    ASSERT_TRUE(numbered.ok());
    EXPECT_FALSE(numbered->keyset);
    EXPECT_EQ(numbered->offset, 20);
}

TEST(ListWindow, MalformedCursorsAre400NamingCursor) {
    const std::string valid = encode_cursor({{5, "abc"}, false});
    for (const std::string& bad :
         {std::string(""), std::string("!!"), base64url_encode("5.0."), base64url_encode("5.2.abc"),
          base64url_encode("-5.0.abc"), base64url_encode("x.0.abc"), base64url_encode("5.0.a b"),
          base64url_encode("5.0.a'b"), base64url_encode("5.0." + std::string(65, 'a')),
          base64url_encode("99999999999999999999.0.abc"), base64url_encode("5"),
          std::string(300, 'A'), valid + "&page=2"}) {
        auto w = list_window(get("/api/v1/messages?cursor=" + bad));
        ASSERT_FALSE(w.ok()) << bad;
        EXPECT_EQ(w.error().errors.begin()->first, "cursor") << bad;
    }
}

}  // namespace ujumbe::http
