#pragma once
// Parsing JSON from outside the process with a bound on nesting. The parser
// itself never recurses, but everything after it does (writing the value
// back out, comparing, copying into the database): a value nested 100,000
// deep would exhaust the stack there. One depth limit serves every input.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ujumbe {

// Deeper than any document of the API needs; far from any stack limit.
inline constexpr std::size_t kMaxJsonDepth = 64;

struct JsonParseProblem {
    enum class Kind { kNone, kSyntax, kTooDeep };
    Kind kind = Kind::kNone;
    // kSyntax: the parser's message (names the byte where it stopped, never
    // the input). kTooDeep: empty.
    std::string message;
    // kTooDeep: the top-level object key under which the limit was passed
    // (empty when the document itself is too deep or not an object).
    std::string field;
};

// The parsed value, or a discarded value with `problem` set. Never throws.
nlohmann::json parse_json_bounded(std::string_view text, JsonParseProblem& problem,
                                  std::size_t max_depth = kMaxJsonDepth);

// True when `value` nests no deeper than `max_depth` (objects and arrays
// count one level each). Iterative: safe on any value.
// object[key] when it is a string, else "" (Meta's answers, our own stored JSON).
std::string string_at(const nlohmann::json& object, const char* key);

bool json_depth_within(const nlohmann::json& value, std::size_t max_depth = kMaxJsonDepth);

}  // namespace ujumbe
