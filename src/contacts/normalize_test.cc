#include "contacts/normalize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace ujumbe::contacts {
namespace {

using json = nlohmann::json;
using Tags = std::vector<std::string>;

// The tags normalised, or {"!" + problem}.
Tags tags_of(const Tags& in) {
    std::string problem;
    auto out = normalize_tags(in, &problem);
    if (!out) return {"!" + problem};
    EXPECT_TRUE(problem.empty());
    return *out;
}

bool refused(const Tags& in) {
    auto out = tags_of(in);
    return out.size() == 1 && out.front().starts_with("!");
}

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

TEST(NormalizeTagsTest, TrimsLowersDeduplicatesAndSorts) {
    EXPECT_EQ(tags_of({" VIP ", "marketing", "vip", "Gold", "\tgold\n"}),
              (Tags{"gold", "marketing", "vip"}));
    EXPECT_EQ(tags_of({}), Tags{});
    EXPECT_EQ(tags_of({"two words"}), Tags{"two words"});
    // Non-ASCII letters are kept as they are.
    EXPECT_EQ(tags_of({"Wateja-wapya", "kahawa_ya_moto"}),
              (Tags{"kahawa_ya_moto", "wateja-wapya"}));
}

TEST(NormalizeTagsTest, EmptyTagIsRefused) {
    EXPECT_EQ(tags_of({"ok", ""}), Tags{"!Tags must not be empty."});
    EXPECT_EQ(tags_of({"   "}), Tags{"!Tags must not be empty."});
}

TEST(NormalizeTagsTest, SeparatorsAndControlCharactersAreRefused) {
    EXPECT_EQ(tags_of({"a,b"}), Tags{"!Tags must not contain ',' or ';'."});
    EXPECT_EQ(tags_of({"a;b"}), Tags{"!Tags must not contain ',' or ';'."});
    EXPECT_TRUE(refused({"a\tb"}));
    EXPECT_TRUE(refused({"a\nb"}));
    EXPECT_TRUE(refused({"a\rb"}));
    EXPECT_TRUE(refused({std::string("a\x01z")}));
    EXPECT_TRUE(refused({std::string("a\x7f")}));
    EXPECT_TRUE(refused({"\xff\xfe"}));
}

TEST(NormalizeTagsTest, LengthIsCountedInCharacters) {
    EXPECT_EQ(tags_of({std::string(50, 'a')}), Tags{std::string(50, 'a')});
    EXPECT_EQ(tags_of({std::string(51, 'a')}), Tags{"!Tags must be at most 50 characters."});
    // 50 two-byte characters are 100 bytes but still 50 characters.
    EXPECT_EQ(tags_of({repeat("\xc3\xa9", 50)}), Tags{repeat("\xc3\xa9", 50)});
    EXPECT_TRUE(refused({repeat("\xc3\xa9", 51)}));
}

TEST(NormalizeTagsTest, AtMostFiftyDistinctTags) {
    Tags fifty, fifty_one;
    for (int i = 0; i < 50; ++i) fifty.push_back("t" + std::to_string(i));
    fifty_one = fifty;
    fifty_one.push_back("one-more");
    EXPECT_EQ(tags_of(fifty).size(), 50u);
    EXPECT_EQ(tags_of(fifty_one), Tags{"!At most 50 tags."});
    // Duplicates are counted once.
    Tags doubled = fifty;
    for (const auto& t : fifty) doubled.push_back(" " + t + " ");
    EXPECT_EQ(tags_of(doubled).size(), 50u);
}

TEST(NormalizeTagsTest, ProblemIsOptional) {
    EXPECT_FALSE(normalize_tags({""}, nullptr));
    EXPECT_TRUE(normalize_tags({"a"}, nullptr));
}

TEST(TagsTextTest, SplitOnCommasAndSemicolons) {
    EXPECT_EQ(split_tags("a, b;c,,  ; d "), (Tags{"a", "b", "c", "d"}));
    EXPECT_EQ(split_tags(""), Tags{});
    EXPECT_EQ(split_tags(" , ; "), Tags{});
    // Splitting does not normalise: that is normalize_tags' job.
    EXPECT_EQ(split_tags("VIP,vip"), (Tags{"VIP", "vip"}));
    EXPECT_EQ(split_tags("one"), Tags{"one"});
}

TEST(TagsTextTest, JoinIsTheStoredForm) {
    EXPECT_EQ(join_tags({}), "");
    EXPECT_EQ(join_tags({"a"}), "a");
    EXPECT_EQ(join_tags({"a", "b c", "d"}), "a,b c,d");
    EXPECT_EQ(split_tags(join_tags({"gold", "vip"})), (Tags{"gold", "vip"}));
}

TEST(TagsTextTest, AddKeepsTagsUniqueAndSorted) {
    Tags into{"b", "d"};
    add_tags(into, {"c", "a", "b"});
    EXPECT_EQ(into, (Tags{"a", "b", "c", "d"}));
    add_tags(into, {});
    EXPECT_EQ(into, (Tags{"a", "b", "c", "d"}));
    Tags empty;
    add_tags(empty, {"z", "y", "z"});
    EXPECT_EQ(empty, (Tags{"y", "z"}));
}

// The field a problem names, or "" when the attributes are fine.
std::string problem_field(const json& attributes) {
    auto p = check_attributes(attributes);
    if (!p) return "";
    EXPECT_FALSE(p->problem.empty());
    return p->field;
}

TEST(NormalizeAttributesTest, FlatStringsNumbersAndBooleansAreFine) {
    EXPECT_EQ(problem_field(json::object()), "");
    EXPECT_EQ(problem_field({{"company", "Acme"},
                             {"seats", 4},
                             {"negative", -12},
                             {"big", 9007199254740993LL},
                             {"ratio", 0.25},
                             {"vip", true},
                             {"churned", false},
                             {"empty", ""},
                             {"multi_line", "first\nsecond\ttabbed"}}),
              "");
}

TEST(NormalizeAttributesTest, NestedValuesAndNullAreRefusedNamingTheKey) {
    EXPECT_EQ(problem_field({{"ok", 1}, {"address", {{"city", "Arusha"}}}}), "attributes.address");
    EXPECT_EQ(problem_field({{"list", json::array({1, 2})}}), "attributes.list");
    EXPECT_EQ(problem_field({{"nothing", nullptr}}), "attributes.nothing");
    EXPECT_EQ(problem_field({{"nan", std::nan("")}}), "attributes.nan");
    EXPECT_EQ(problem_field({{"inf", std::numeric_limits<double>::infinity()}}), "attributes.inf");
}

TEST(NormalizeAttributesTest, NotAnObjectIsRefused) {
    EXPECT_EQ(problem_field(json::array()), "attributes");
    EXPECT_EQ(problem_field("text"), "attributes");
    EXPECT_EQ(problem_field(nullptr), "attributes");
    EXPECT_EQ(problem_field(4), "attributes");
}

TEST(NormalizeAttributesTest, KeysMustBeShortAndPlain) {
    EXPECT_EQ(problem_field({{"A-z_0.9", 1}}), "");
    EXPECT_EQ(problem_field({{std::string(64, 'k'), 1}}), "");
    EXPECT_EQ(problem_field({{std::string(65, 'k'), 1}}), "attributes");
    EXPECT_EQ(problem_field({{"", 1}}), "attributes");
    EXPECT_EQ(problem_field({{"with space", 1}}), "attributes");
    EXPECT_EQ(problem_field({{"quote\"", 1}}), "attributes");
    EXPECT_EQ(problem_field({{"caf\xc3\xa9", 1}}), "attributes");
    EXPECT_EQ(problem_field({{"a$b", 1}}), "attributes");
}

TEST(NormalizeAttributesTest, StringsAreShortCleanText) {
    EXPECT_EQ(problem_field({{"note", std::string(1000, 'x')}}), "");
    EXPECT_EQ(problem_field({{"note", repeat("\xc3\xa9", 1000)}}), "");
    EXPECT_EQ(problem_field({{"note", std::string(1001, 'x')}}), "attributes.note");
    EXPECT_EQ(problem_field({{"note", std::string("bell\x07")}}), "attributes.note");
    EXPECT_EQ(problem_field({{"note", "\xff"}}), "attributes.note");
}

TEST(NormalizeAttributesTest, AtMostFiftyKeys) {
    json fifty = json::object();
    for (int i = 0; i < 50; ++i) fifty["k" + std::to_string(i)] = i;
    EXPECT_EQ(problem_field(fifty), "");
    fifty["k50"] = 50;
    EXPECT_EQ(problem_field(fifty), "attributes");
}

TEST(NormalizeAttributeKeyTest, IsAttributeKey) {
    EXPECT_TRUE(is_attribute_key("city"));
    EXPECT_TRUE(is_attribute_key("Company.Name-2_x"));
    EXPECT_FALSE(is_attribute_key(""));
    EXPECT_FALSE(is_attribute_key("a b"));
    EXPECT_FALSE(is_attribute_key(std::string(65, 'a')));
}

TEST(NormalizeAttributeKeyTest, HeadersBecomeKeys) {
    EXPECT_EQ(attribute_key_of("City"), "city");
    EXPECT_EQ(attribute_key_of(" Company Name "), "company_name");
    EXPECT_EQ(attribute_key_of("E-mail.Addr"), "e-mail.addr");
    EXPECT_EQ(attribute_key_of("Seats (paid)"), "seats__paid_");
    EXPECT_EQ(attribute_key_of("Caf\xc3\xa9"), "caf__");
    EXPECT_EQ(attribute_key_of("   "), "");
    EXPECT_EQ(attribute_key_of(std::string(100, 'A')), std::string(64, 'a'));
    EXPECT_TRUE(is_attribute_key(attribute_key_of("Any header at all: 100%")));
}

TEST(NormalizeFlagTest, TrueAndFalseSpellings) {
    for (const char* yes : {"true", "TRUE", "True", "1", "yes", "YES", "y", "Y", "t", " true "})
        EXPECT_EQ(parse_flag(yes), std::optional<bool>(true)) << yes;
    for (const char* no : {"false", "FALSE", "0", "no", "No", "n", "N", "f", "\tfalse\n"})
        EXPECT_EQ(parse_flag(no), std::optional<bool>(false)) << no;
    for (const char* neither : {"", " ", "2", "-1", "maybe", "yes please", "truee", "on", "off"})
        EXPECT_EQ(parse_flag(neither), std::nullopt) << neither;
}

TEST(NormalizeSearchTextTest, LowerCasedNamePhoneAndEmail) {
    Contact c;
    c.name = "Jane SMITH";
    c.phone_e164 = "+255712345678";
    c.email = "jane@example.com";
    EXPECT_EQ(search_text(c), "jane smith +255712345678 jane@example.com");
    Contact bare;
    EXPECT_EQ(search_text(bare), "  ");
}

}  // namespace
}  // namespace ujumbe::contacts
