#pragma once
// Checks of common values, shared by every module that accepts them.

#include <string>
#include <string_view>

namespace ujumbe {

// A practical address check: one '@', a local part of 1-64 printable
// characters without spaces, a domain of dot-separated labels of letters,
// digits and hyphens with a top-level label of 2+ letters; 254 chars at most.
bool is_valid_email(std::string_view email);

// ISO 3166-1 alpha-2 shape: two upper-case ASCII letters.
bool is_country_code(std::string_view code);

// Valid UTF-8 without control characters other than tab and newline.
bool is_clean_text(std::string_view text);

// Number of Unicode code points in valid UTF-8 text.
std::size_t utf8_length(std::string_view text);

// One or more ASCII digits and nothing else.
bool all_digits(std::string_view text);

// ASCII letters lower-cased, every other byte as it is.
std::string ascii_lower(std::string_view text);
std::string ascii_upper(std::string_view text);

}  // namespace ujumbe
