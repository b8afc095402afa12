#include "http/input.h"

#include <gtest/gtest.h>

namespace ujumbe::http {

namespace {

Request with_body(std::string body) {
    Request r;
    r.method = Method::kPost;
    r.body = std::move(body);
    return r;
}

// The problems recorded for one field, or an empty list.
std::vector<std::string> problems(const Fields& f, const std::string& name) {
    auto it = f.errors().find(name);
    return it == f.errors().end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> one(std::string problem) {
    return {std::move(problem)};
}

}  // namespace

// --- parse_json_object -------------------------------------------------------

TEST(ParseJsonObject, EmptyBodyIsEmptyObject) {
    auto r = parse_json_object(with_body(""));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, json::object());
}

TEST(ParseJsonObject, ReturnsTheObject) {
    auto r = parse_json_object(with_body(R"({"name": "Amina", "age": 30, "tags": ["a"]})"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)["name"], "Amina");
    EXPECT_EQ((*r)["age"], 30);
    EXPECT_EQ((*r)["tags"], json::array({"a"}));
}

TEST(ParseJsonObject, MalformedJsonIsMalformedRequestNamingThePosition) {
    auto r = parse_json_object(with_body(R"({"name": "Amina",})"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest);
    EXPECT_EQ(r.error().error_code, "MALFORMED_JSON");
    EXPECT_NE(r.error().message.find("Request body is not valid JSON"), std::string::npos);
    EXPECT_NE(r.error().message.find("column"), std::string::npos) << r.error().message;
}

TEST(ParseJsonObject, NestingPastTheLimitNamesTheTopLevelField) {
    auto deep = parse_json_object(with_body(R"({"body":"hi","to":)" + std::string(100'000, '[') +
                                            std::string(100'000, ']') + "}"));
    ASSERT_FALSE(deep.ok());
    EXPECT_EQ(deep.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(deep.error().errors.count("to"), 1u);
    auto at_limit = parse_json_object(
        with_body(R"({"a":)" + std::string(63, '[') + std::string(63, ']') + "}"));
    EXPECT_TRUE(at_limit.ok());
}

TEST(EchoOf, CutsLongAndNonUtf8TextShort) {
    EXPECT_EQ(echo_of("+254712345678"), "+254712345678");
    EXPECT_EQ(echo_of(std::string(100, 'a')), std::string(64, 'a') + "...");
    EXPECT_EQ(echo_of(std::string(64, 'a')), std::string(64, 'a'));
    // Found by json_body_fuzz: continuation bytes alone start no code point.
    EXPECT_LE(echo_of(std::string(100'000, '\x9a')).size(), 64u * 4 + 3);
    const std::string euro = "\u20AC";
    std::string euros;
    for (int i = 0; i < 100; ++i) euros += euro;
    std::string cut;
    for (int i = 0; i < 64; ++i) cut += euro;
    EXPECT_EQ(echo_of(euros), cut + "...");
}

TEST(ParseJsonObject, TruncatedAndNonJsonBodiesAreMalformed) {
    for (const char* body : {"{", "{\"a\":", "not json", "   ", "{'a': 1}", "{\"a\": 1} x"}) {
        auto r = parse_json_object(with_body(body));
        ASSERT_FALSE(r.ok()) << body;
        EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest) << body;
        EXPECT_EQ(r.error().error_code, "MALFORMED_JSON") << body;
    }
}

TEST(ParseJsonObject, InvalidUtf8IsMalformed) {
    auto r = parse_json_object(with_body("{\"a\": \"\xff\"}"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest);
}

TEST(ParseJsonObject, JsonThatIsNotAnObjectIsAnError) {
    for (const char* body : {"[]", "[{\"a\": 1}]", "\"text\"", "42", "null", "true"}) {
        auto r = parse_json_object(with_body(body));
        ASSERT_FALSE(r.ok()) << body;
        EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest) << body;
        EXPECT_NE(r.error().message.find("must be a JSON object"), std::string::npos) << body;
    }
}

// --- Fields::text ------------------------------------------------------------

TEST(FieldsText, ReturnsTrimmedString) {
    const json body = {{"name", "  Amina Wanjiru \t\n"}};
    Fields f(body);
    EXPECT_EQ(f.text("name", Need::kRequired), "Amina Wanjiru");
    EXPECT_FALSE(f.failed());
    EXPECT_TRUE(f.check().ok());
}

TEST(FieldsText, KeepsInnerWhitespace) {
    const json body = {{"note", "a  b\tc"}};
    Fields f(body);
    EXPECT_EQ(f.text("note", Need::kRequired), "a  b\tc");
}

TEST(FieldsText, MissingRequiredFieldIsAnError) {
    const json body = json::object();
    Fields f(body);
    EXPECT_EQ(f.text("name", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "name"), one("This field is required."));
}

TEST(FieldsText, MissingOptionalFieldIsNotAnError) {
    const json body = json::object();
    Fields f(body);
    EXPECT_EQ(f.text("name", Need::kOptional), std::nullopt);
    EXPECT_FALSE(f.failed());
}

TEST(FieldsText, NullIsTreatedAsAbsent) {
    const json body = {{"name", nullptr}};
    Fields required(body);
    EXPECT_EQ(required.text("name", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(required, "name"), one("This field is required."));

    Fields optional(body);
    EXPECT_EQ(optional.text("name", Need::kOptional), std::nullopt);
    EXPECT_FALSE(optional.failed());
    EXPECT_TRUE(optional.has("name"));
    EXPECT_TRUE(optional.is_null("name"));
}

TEST(FieldsText, HasAndIsNullDistinguishAbsentNullAndValue) {
    const json body = {{"a", nullptr}, {"b", "x"}};
    Fields f(body);
    EXPECT_TRUE(f.has("a"));
    EXPECT_TRUE(f.is_null("a"));
    EXPECT_TRUE(f.has("b"));
    EXPECT_FALSE(f.is_null("b"));
    EXPECT_FALSE(f.has("c"));
    EXPECT_FALSE(f.is_null("c"));
}

TEST(FieldsText, BlankRequiredFieldIsAnError) {
    const json body = {{"name", "   "}};
    Fields f(body);
    EXPECT_EQ(f.text("name", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "name"), one("This field may not be blank."));
}

TEST(FieldsText, BlankOptionalFieldIsEmptyString) {
    const json body = {{"name", "  "}};
    Fields f(body);
    EXPECT_EQ(f.text("name", Need::kOptional), "");
    EXPECT_FALSE(f.failed());
}

TEST(FieldsText, NonStringIsAnError) {
    for (const json& value : {json(5), json(true), json::array({"a"}), json::object()}) {
        const json body = {{"name", value}};
        Fields f(body);
        EXPECT_EQ(f.text("name", Need::kRequired), std::nullopt) << value;
        EXPECT_EQ(problems(f, "name"), one("Must be a string.")) << value;
    }
}

TEST(FieldsText, EnforcesMinimumAfterTrimming) {
    const json body = {{"name", "  ab  "}};
    Fields f(body);
    EXPECT_EQ(f.text("name", Need::kRequired, 3, 10), std::nullopt);
    EXPECT_EQ(problems(f, "name"), one("Must be at least 3 characters."));
}

TEST(FieldsText, EnforcesMaximum) {
    const json body = {{"name", "abcdef"}};
    Fields f(body);
    EXPECT_EQ(f.text("name", Need::kRequired, 0, 5), std::nullopt);
    EXPECT_EQ(problems(f, "name"), one("Must be at most 5 characters."));
}

TEST(FieldsText, AcceptsLengthsAtTheBounds) {
    const json body = {{"a", "abc"}, {"b", "abcde"}};
    Fields f(body);
    EXPECT_EQ(f.text("a", Need::kRequired, 3, 5), "abc");
    EXPECT_EQ(f.text("b", Need::kRequired, 3, 5), "abcde");
    EXPECT_FALSE(f.failed());
}

TEST(FieldsText, DefaultMaximumIs200) {
    const json body = {{"ok", std::string(200, 'x')}, {"long", std::string(201, 'x')}};
    Fields f(body);
    EXPECT_TRUE(f.text("ok", Need::kRequired));
    EXPECT_EQ(f.text("long", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "long"), one("Must be at most 200 characters."));
}

TEST(FieldsText, CountsCodePointsNotBytes) {
    // "é" is two bytes, "🙂" four: both count as one character.
    const json body = {{"accents", "\xC3\xA9\xC3\xA9\xC3\xA9"},
                       {"emoji", "\xF0\x9F\x99\x82\xF0\x9F\x99\x82"},
                       {"too_long", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"}};
    Fields f(body);
    EXPECT_EQ(f.text("accents", Need::kRequired, 3, 3), "\xC3\xA9\xC3\xA9\xC3\xA9");
    EXPECT_EQ(f.text("emoji", Need::kRequired, 2, 2), "\xF0\x9F\x99\x82\xF0\x9F\x99\x82");
    EXPECT_EQ(f.text("too_long", Need::kRequired, 0, 3), std::nullopt);
    EXPECT_EQ(problems(f, "too_long"), one("Must be at most 3 characters."));
}

TEST(FieldsText, RejectsControlCharacters) {
    for (std::string value : {std::string("a\x01z"), std::string("a\x1bz"), std::string("a\x7fz"),
                              std::string("a\0z", 3)}) {
        const json body = {{"name", value}};
        Fields f(body);
        EXPECT_EQ(f.text("name", Need::kRequired), std::nullopt);
        EXPECT_EQ(problems(f, "name"), one("Must be valid UTF-8 text without control characters."));
    }
}

TEST(FieldsText, RejectsInvalidUtf8) {
    // A json built in code (not parsed) can hold bytes the parser would refuse.
    const json body = {{"name", std::string("caf\xC3")}};
    Fields f(body);
    EXPECT_EQ(f.text("name", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "name"), one("Must be valid UTF-8 text without control characters."));
}

// --- Fields::email -----------------------------------------------------------

TEST(FieldsEmail, LowerCasesAndTrims) {
    const json body = {{"email", "  Amina.W@Example.CO.KE "}};
    Fields f(body);
    EXPECT_EQ(f.email("email", Need::kRequired), "amina.w@example.co.ke");
    EXPECT_FALSE(f.failed());
}

TEST(FieldsEmail, RejectsBadAddresses) {
    for (const char* value : {"not-an-email", "a@b", "a@@b.com", "@example.com", "a b@example.com",
                              "a@example.c0m", "a..b@example.com", "a@-example.com"}) {
        const json body = {{"email", value}};
        Fields f(body);
        EXPECT_EQ(f.email("email", Need::kRequired), std::nullopt) << value;
        EXPECT_EQ(problems(f, "email"), one("Enter a valid email address.")) << value;
    }
}

TEST(FieldsEmail, RejectsOverlongAddress) {
    const json body = {{"email", std::string(250, 'a') + "@example.com"}};
    Fields f(body);
    EXPECT_EQ(f.email("email", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "email"), one("Must be at most 254 characters."));
}

TEST(FieldsEmail, RequiredMissingAndBlankAreErrors) {
    const json body = {{"blank", " "}};
    Fields f(body);
    EXPECT_EQ(f.email("missing", Need::kRequired), std::nullopt);
    EXPECT_EQ(f.email("blank", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "missing"), one("This field is required."));
    EXPECT_EQ(problems(f, "blank"), one("This field may not be blank."));
}

TEST(FieldsEmail, OptionalEmptyIsAllowed) {
    const json body = {{"email", ""}};
    Fields f(body);
    EXPECT_EQ(f.email("email", Need::kOptional), "");
    EXPECT_EQ(f.email("other", Need::kOptional), std::nullopt);
    EXPECT_FALSE(f.failed());
}

TEST(FieldsEmail, NonStringIsAnError) {
    const json body = {{"email", 12}};
    Fields f(body);
    EXPECT_EQ(f.email("email", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "email"), one("Must be a string."));
}

// --- Fields::password --------------------------------------------------------

TEST(FieldsPassword, AcceptsTenTo128Characters) {
    const json body = {{"short", std::string(9, 'p')},
                       {"min", std::string(10, 'p')},
                       {"max", std::string(128, 'p')},
                       {"long", std::string(129, 'p')}};
    Fields f(body);
    EXPECT_EQ(f.password("short", Need::kRequired), std::nullopt);
    EXPECT_EQ(f.password("min", Need::kRequired), std::string(10, 'p'));
    EXPECT_EQ(f.password("max", Need::kRequired), std::string(128, 'p'));
    EXPECT_EQ(f.password("long", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "short"), one("Must be at least 10 characters."));
    EXPECT_EQ(problems(f, "long"), one("Must be at most 128 characters."));
    EXPECT_EQ(f.errors().size(), 2u);
}

TEST(FieldsPassword, IsNotTrimmed) {
    const json body = {{"password", "  secret pass  "}};
    Fields f(body);
    EXPECT_EQ(f.password("password", Need::kRequired), "  secret pass  ");
}

TEST(FieldsPassword, CountsCodePoints) {
    std::string ten_accents, hundred_twenty_nine_accents;
    for (int i = 0; i < 10; ++i) ten_accents += "\xC3\xA9";
    for (int i = 0; i < 129; ++i) hundred_twenty_nine_accents += "\xC3\xA9";
    const json body = {{"ok", ten_accents}, {"long", hundred_twenty_nine_accents}};
    Fields f(body);
    EXPECT_EQ(f.password("ok", Need::kRequired), ten_accents);
    EXPECT_EQ(f.password("long", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "long"), one("Must be at most 128 characters."));
}

TEST(FieldsPassword, RejectsNonStringAndControlCharacters) {
    const json body = {{"number", 1234567890},
                       {"control",
                        "password\x01"
                        "123"}};
    Fields f(body);
    EXPECT_EQ(f.password("number", Need::kRequired), std::nullopt);
    EXPECT_EQ(f.password("control", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "number"), one("Must be a string."));
    EXPECT_EQ(problems(f, "control"), one("Must be valid UTF-8 text without control characters."));
}

TEST(FieldsPassword, RequiredVersusOptional) {
    const json body = {{"null", nullptr}};
    Fields f(body);
    EXPECT_EQ(f.password("null", Need::kOptional), std::nullopt);
    EXPECT_EQ(f.password("missing", Need::kOptional), std::nullopt);
    EXPECT_FALSE(f.failed());
    EXPECT_EQ(f.password("missing", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "missing"), one("This field is required."));
}

// --- Fields::choice ----------------------------------------------------------

TEST(FieldsChoice, AcceptsAnAllowedValue) {
    const json body = {{"role", "admin"}};
    Fields f(body);
    EXPECT_EQ(f.choice("role", Need::kRequired, {"owner", "admin", "agent"}), "admin");
    EXPECT_FALSE(f.failed());
}

TEST(FieldsChoice, RejectsOtherValuesListingTheChoices) {
    for (const json& value : {json("root"), json("Admin"), json(" admin"), json(1)}) {
        const json body = {{"role", value}};
        Fields f(body);
        EXPECT_EQ(f.choice("role", Need::kRequired, {"owner", "admin", "agent"}), std::nullopt)
            << value;
        EXPECT_EQ(problems(f, "role"), one("Must be one of: owner, admin, agent.")) << value;
    }
}

TEST(FieldsChoice, MissingRequiredVersusOptional) {
    const json body = json::object();
    Fields f(body);
    EXPECT_EQ(f.choice("role", Need::kOptional, {"a"}), std::nullopt);
    EXPECT_FALSE(f.failed());
    EXPECT_EQ(f.choice("role", Need::kRequired, {"a"}), std::nullopt);
    EXPECT_EQ(problems(f, "role"), one("This field is required."));
}

// --- Fields::integer ---------------------------------------------------------

TEST(FieldsInteger, AcceptsValuesWithinBounds) {
    const json body = {{"low", 0}, {"high", 100}, {"mid", 42}, {"negative", -5}};
    Fields f(body);
    EXPECT_EQ(f.integer("low", Need::kRequired, 0, 100), 0);
    EXPECT_EQ(f.integer("high", Need::kRequired, 0, 100), 100);
    EXPECT_EQ(f.integer("mid", Need::kRequired, 0, 100), 42);
    EXPECT_EQ(f.integer("negative", Need::kRequired, -10, 10), -5);
    EXPECT_FALSE(f.failed());
}

TEST(FieldsInteger, RejectsValuesOutOfBounds) {
    const json body = {{"below", -1}, {"above", 101}};
    Fields f(body);
    EXPECT_EQ(f.integer("below", Need::kRequired, 0, 100), std::nullopt);
    EXPECT_EQ(f.integer("above", Need::kRequired, 0, 100), std::nullopt);
    EXPECT_EQ(problems(f, "below"), one("Must be between 0 and 100."));
    EXPECT_EQ(problems(f, "above"), one("Must be between 0 and 100."));
}

TEST(FieldsInteger, RejectsNonIntegers) {
    auto body = json::parse(R"({"fraction": 1.5, "float_whole": 3.0, "text": "3",
                                "flag": true, "list": [3]})");
    Fields f(body);
    for (const char* name : {"fraction", "float_whole", "text", "flag", "list"}) {
        EXPECT_EQ(f.integer(name, Need::kRequired, 0, 100), std::nullopt) << name;
        EXPECT_EQ(problems(f, name), one("Must be a whole number.")) << name;
    }
}

TEST(FieldsInteger, RejectsHugeUnsignedValues) {
    // Parsed as unsigned 64-bit; must not wrap into the allowed range.
    auto body = json::parse(R"({"n": 18446744073709551615})");
    Fields f(body);
    EXPECT_EQ(f.integer("n", Need::kRequired, 0, 1'000'000'000), std::nullopt);
    EXPECT_TRUE(f.failed());
}

TEST(FieldsInteger, NullIsAbsent) {
    const json body = {{"n", nullptr}};
    Fields f(body);
    EXPECT_EQ(f.integer("n", Need::kOptional, 0, 10), std::nullopt);
    EXPECT_FALSE(f.failed());
    EXPECT_EQ(f.integer("n", Need::kRequired, 0, 10), std::nullopt);
    EXPECT_EQ(problems(f, "n"), one("This field is required."));
}

// --- Fields::boolean ---------------------------------------------------------

TEST(FieldsBoolean, AcceptsTrueAndFalse) {
    const json body = {{"yes", true}, {"no", false}};
    Fields f(body);
    EXPECT_EQ(f.boolean("yes", Need::kRequired), true);
    EXPECT_EQ(f.boolean("no", Need::kRequired), false);
    EXPECT_FALSE(f.failed());
}

TEST(FieldsBoolean, RejectsLookalikes) {
    for (const json& value : {json("true"), json(1), json(0), json("false")}) {
        const json body = {{"flag", value}};
        Fields f(body);
        EXPECT_EQ(f.boolean("flag", Need::kRequired), std::nullopt) << value;
        EXPECT_EQ(problems(f, "flag"), one("Must be true or false.")) << value;
    }
}

TEST(FieldsBoolean, MissingRequiredIsAnError) {
    const json body = json::object();
    Fields f(body);
    EXPECT_EQ(f.boolean("flag", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "flag"), one("This field is required."));
}

// --- Fields::string_list -----------------------------------------------------

TEST(FieldsStringList, ReturnsTheStrings) {
    const json body = {{"tags", {"a", "b", "c"}}, {"empty", json::array()}};
    Fields f(body);
    EXPECT_EQ(f.string_list("tags", Need::kRequired), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(f.string_list("empty", Need::kRequired), std::vector<std::string>{});
    EXPECT_FALSE(f.failed());
}

TEST(FieldsStringList, RejectsNonArrayAndTooManyItems) {
    const json body = {{"text", "a"}, {"many", {"a", "b", "c"}}};
    Fields f(body);
    EXPECT_EQ(f.string_list("text", Need::kRequired, 5), std::nullopt);
    EXPECT_EQ(f.string_list("many", Need::kRequired, 2), std::nullopt);
    EXPECT_EQ(problems(f, "text"), one("Must be a list of at most 5 strings."));
    EXPECT_EQ(problems(f, "many"), one("Must be a list of at most 2 strings."));
}

TEST(FieldsStringList, RejectsNonStringOrOverlongItems) {
    const json body = {{"mixed", {"a", 1}}, {"long", {"a", std::string(201, 'x')}}};
    Fields f(body);
    EXPECT_EQ(f.string_list("mixed", Need::kRequired), std::nullopt);
    EXPECT_EQ(f.string_list("long", Need::kRequired), std::nullopt);
    EXPECT_EQ(problems(f, "mixed"), one("Every item must be a string of at most 200 characters."));
    EXPECT_EQ(problems(f, "long"), one("Every item must be a string of at most 200 characters."));
}

TEST(FieldsStringList, MissingOptionalIsNotAnError) {
    const json body = json::object();
    Fields f(body);
    EXPECT_EQ(f.string_list("tags", Need::kOptional), std::nullopt);
    EXPECT_FALSE(f.failed());
}

// --- Fields::object ----------------------------------------------------------

TEST(FieldsObject, ReturnsTheObjectAsIs) {
    const json body = {{"meta", {{"a", 1}, {"b", {{"c", nullptr}}}}}};
    Fields f(body);
    EXPECT_EQ(f.object("meta", Need::kRequired), body["meta"]);
    EXPECT_FALSE(f.failed());
}

TEST(FieldsObject, RejectsNonObjects) {
    for (const json& value : {json::array(), json("{}"), json(1)}) {
        const json body = {{"meta", value}};
        Fields f(body);
        EXPECT_EQ(f.object("meta", Need::kRequired), std::nullopt) << value;
        EXPECT_EQ(problems(f, "meta"), one("Must be an object.")) << value;
    }
}

// --- merge, fail and check ---------------------------------------------------

TEST(Fields, MergePrefixesNestedFieldNames) {
    const json body = {{"name", "Acme"}, {"address", {{"city", ""}, {"zip", 5}}}};
    Fields f(body);
    EXPECT_EQ(f.text("name", Need::kRequired), "Acme");
    auto address = f.object("address", Need::kRequired);
    ASSERT_TRUE(address);
    Fields nested(*address);
    EXPECT_EQ(nested.text("city", Need::kRequired), std::nullopt);
    EXPECT_EQ(nested.text("zip", Need::kOptional), std::nullopt);
    EXPECT_EQ(nested.text("street", Need::kRequired), std::nullopt);
    f.merge(nested, "address");

    EXPECT_EQ(f.errors(), (FieldErrors{{"address.city", {"This field may not be blank."}},
                                       {"address.street", {"This field is required."}},
                                       {"address.zip", {"Must be a string."}}}));
}

TEST(Fields, MergeOfCleanNestedFieldsAddsNothing) {
    const json body = json::object();
    const json inner = {{"city", "Nairobi"}};
    Fields f(body);
    Fields nested(inner);
    EXPECT_EQ(nested.text("city", Need::kRequired), "Nairobi");
    f.merge(nested, "address");
    EXPECT_FALSE(f.failed());
    EXPECT_TRUE(f.check().ok());
}

TEST(Fields, FailRecordsSeveralProblemsPerField) {
    const json body = json::object();
    Fields f(body);
    f.fail("window", "Start must be before end.");
    f.fail("window", "Must be at most 7 days.");
    EXPECT_TRUE(f.failed());
    EXPECT_EQ(problems(f, "window"),
              (std::vector<std::string>{"Start must be before end.", "Must be at most 7 days."}));
}

TEST(Fields, CheckIsOkWithoutProblems) {
    const json body = {{"name", "x"}};
    Fields f(body);
    EXPECT_EQ(f.text("name", Need::kRequired), "x");
    EXPECT_TRUE(f.check().ok());
}

TEST(Fields, CheckReturnsValidationErrorWithEveryFieldProblem) {
    const json body = {{"email", "nope"}, {"password", "short"}, {"role", "root"}};
    Fields f(body);
    (void)f.text("name", Need::kRequired);
    (void)f.email("email", Need::kRequired);
    (void)f.password("password", Need::kRequired);
    (void)f.choice("role", Need::kRequired, {"owner", "agent"});
    (void)f.integer("limit", Need::kOptional, 0, 10);

    const Status s = f.check();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.error().error_code, "VALIDATION_ERROR");
    EXPECT_EQ(s.error().errors, (FieldErrors{{"email", {"Enter a valid email address."}},
                                             {"name", {"This field is required."}},
                                             {"password", {"Must be at least 10 characters."}},
                                             {"role", {"Must be one of: owner, agent."}}}));
    // The message names the first field (alphabetically) and its problem.
    EXPECT_EQ(s.error().message, "email: Enter a valid email address.");
}

}  // namespace ujumbe::http

namespace ujumbe::http {

TEST(FieldsInteger, NumbersAboveInt64AreOutOfRangeNotWrapped) {
    const nlohmann::json body = nlohmann::json::parse(R"({"n": 18446744073709551615})");
    Fields f(body);
    EXPECT_FALSE(f.integer("n", Need::kRequired, -10, 10));
    EXPECT_TRUE(f.failed());
}

}  // namespace ujumbe::http
