#include "formats/phone.h"

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace ujumbe::formats {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// Longest input worth handing to the parser; libphonenumber refuses more
// than 250 characters anyway.
constexpr std::size_t kMaxInput = 64;

const PhoneNumberUtil& util() {
    // The library logs parse failures by default; bad input is ours to report.
    static PhoneNumberUtil* instance = [] {
        auto* u = PhoneNumberUtil::GetInstance();
        u->SetLogger(new i18n::phonenumbers::NullLogger());
        return u;
    }();
    return *instance;
}

// Characters people write around numbers; anything else is not a number.
bool plausible(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == ' ' || c == '-' ||
               c == '(' || c == ')' || c == '.' || c == '/' || c == '\t';
    });
}

std::string region_code(std::string_view country) {
    std::string r(country);
    for (auto& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return r.empty() ? "ZZ" : r;  // ZZ: unknown region, so only +CC numbers parse
}

// A valid number and its E.164 form.
struct Parsed {
    PhoneNumber number;
    std::string e164;
};

std::optional<Parsed> parse(std::string_view input, std::string_view default_country,
                            std::string* problem) {
    auto fail = [&](const char* why) -> std::optional<Parsed> {
        if (problem) *problem = why;
        return std::nullopt;
    };
    std::string_view s = input;
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    if (s.empty()) return fail("Must not be empty.");
    if (s.size() > kMaxInput || !plausible(s)) return fail("Must be a phone number.");
    std::string text(s);
    // "00" is the international prefix in most of the world.
    if (text.size() > 2 && text[0] == '0' && text[1] == '0') text = "+" + text.substr(2);
    PhoneNumber number;
    const auto region = region_code(default_country);
    if (util().Parse(text, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
        if (text[0] != '+' && region == "ZZ")
            return fail("Needs a country code (+...) or a default country on the account.");
        return fail("Must be a phone number.");
    }
    if (!util().IsValidNumber(number)) return fail("Is not a valid phone number.");
    std::string e164;
    util().Format(number, PhoneNumberUtil::E164, &e164);
    if (e164 != text) {
        // libphonenumber does not always read its own E.164 back the same
        // (Mexico's old mobile "1" after +52): a number is what its E.164
        // reads as, so that normalising a normalised number changes nothing.
        PhoneNumber again;
        if (util().Parse(e164, "ZZ", &again) != PhoneNumberUtil::NO_PARSING_ERROR ||
            !util().IsValidNumber(again))
            return fail("Is not a valid phone number.");
        std::string second;
        util().Format(again, PhoneNumberUtil::E164, &second);
        if (second != e164) {
            number = again;
            e164 = std::move(second);
        }
    }
    // E.164 allows 15 digits; the metadata of a few countries lets longer
    // numbers through (a German 16-digit number dialled with TZ's "000").
    if (e164.size() > 16) return fail("Has more than the 15 digits a phone number may have.");
    return Parsed{std::move(number), std::move(e164)};
}

std::string type_name(PhoneNumberUtil::PhoneNumberType t) {
    switch (t) {
        case PhoneNumberUtil::FIXED_LINE:
            return "fixed_line";
        case PhoneNumberUtil::MOBILE:
            return "mobile";
        case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
            return "fixed_line_or_mobile";
        case PhoneNumberUtil::TOLL_FREE:
            return "toll_free";
        case PhoneNumberUtil::PREMIUM_RATE:
            return "premium_rate";
        case PhoneNumberUtil::SHARED_COST:
            return "shared_cost";
        case PhoneNumberUtil::VOIP:
            return "voip";
        case PhoneNumberUtil::PERSONAL_NUMBER:
            return "personal_number";
        case PhoneNumberUtil::PAGER:
            return "pager";
        case PhoneNumberUtil::UAN:
            return "uan";
        case PhoneNumberUtil::VOICEMAIL:
            return "voicemail";
        default:
            return "unknown";
    }
}

}  // namespace

std::optional<std::string> normalize_phone(std::string_view input, std::string_view default_country,
                                           std::string* problem) {
    auto parsed = parse(input, default_country, problem);
    if (!parsed) return std::nullopt;
    return std::move(parsed->e164);
}

PhoneDetails describe_phone(std::string_view input, std::string_view default_country) {
    PhoneDetails d;
    auto parsed = parse(input, default_country, nullptr);
    if (!parsed) return d;
    d.e164 = std::move(parsed->e164);
    util().GetRegionCodeForNumber(parsed->number, &d.country);
    if (d.country == "ZZ" || d.country == "001") d.country.clear();
    d.type = type_name(util().GetNumberType(parsed->number));
    d.valid = true;
    return d;
}

const std::vector<Region>& supported_regions() {
    static const std::vector<Region> regions = [] {
        std::set<std::string> codes;
        util().GetSupportedRegions(&codes);
        std::vector<Region> out;
        for (const auto& code : codes) out.push_back({code, util().GetCountryCodeForRegion(code)});
        return out;
    }();
    return regions;
}

}  // namespace ujumbe::formats
