#pragma once
// UTF-8 to code points and back, strictly: overlong forms, surrogates and
// values past U+10FFFF are not UTF-8.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ujumbe {

std::optional<std::vector<char32_t>> decode_utf8(std::string_view text);
void append_utf8(std::string& out, char32_t cp);  // cp must be a scalar value
// The longest start of `text` of at most `max_bytes` that ends on a
// character boundary: cutting UTF-8 text never leaves half a character.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

}  // namespace ujumbe
