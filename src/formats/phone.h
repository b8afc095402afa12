#pragma once
// Phone numbers in, E.164 out: any common national or international spelling
// ("0712 345 678", "+255 712-345-678", "00255712345678", "(0)712345678") is
// parsed with libphonenumber, using the account's default country for numbers
// that carry no country code, and must be a valid number of its country.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ujumbe::formats {

// The E.164 form ("+255712345678"), or nullopt with the reason in `problem`
// (when given). `default_country` is ISO 3166-1 alpha-2 or empty. Thread-safe.
std::optional<std::string> normalize_phone(std::string_view input, std::string_view default_country,
                                           std::string* problem = nullptr);

// What libphonenumber knows about a valid E.164 number: its region and line
// type ("mobile", "fixed_line", "fixed_line_or_mobile", "toll_free", ...).
struct PhoneDetails {
    std::string e164;
    std::string country;  // ISO 3166-1 alpha-2, or "" when unknown
    std::string type;
    bool valid = false;
};
PhoneDetails describe_phone(std::string_view input, std::string_view default_country);

// Every region libphonenumber knows (ISO 3166-1 alpha-2) with its country
// calling code, sorted by region.
struct Region {
    std::string code;
    int calling_code = 0;
};
const std::vector<Region>& supported_regions();

}  // namespace ujumbe::formats
