#pragma once
// Reading request input: the JSON body and its fields, with every problem
// collected and reported at once, naming the field.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "http/request.h"

namespace ujumbe::http {

using json = nlohmann::json;

// The body as a JSON object. An empty body is {}. Not JSON: 400
// MALFORMED_JSON with the parser's position; JSON but not an object: 400;
// nested deeper than kMaxJsonDepth: 400 naming the top-level field.
Result<json> parse_json_object(const Request& request);

// Untrusted text as it may be shown back to the caller: at most 64 code
// points, longer text cut with "...".
std::string echo_of(std::string_view text);

enum class Need { kOptional, kRequired };

// Typed access to the fields of a JSON object. Each accessor returns the
// value when it is present and valid, and records a problem otherwise;
// check() then returns every problem as one VALIDATION_ERROR.
class Fields {
public:
    explicit Fields(const json& object) : object_(object) {}

    // A string of min..max characters (Unicode code points), trimmed of
    // surrounding whitespace, valid UTF-8 without control characters.
    std::optional<std::string> text(const std::string& name, Need need, std::size_t min = 0,
                                    std::size_t max = 200);
    // An email address, lower-cased.
    std::optional<std::string> email(const std::string& name, Need need);
    // A password of 10..128 characters (not trimmed).
    std::optional<std::string> password(const std::string& name, Need need);
    // One of `allowed`.
    std::optional<std::string> choice(const std::string& name, Need need,
                                      const std::vector<std::string>& allowed);
    std::optional<std::int64_t> integer(const std::string& name, Need need, std::int64_t min,
                                        std::int64_t max);
    std::optional<bool> boolean(const std::string& name, Need need);
    // An ISO-8601 time (years 2000 to 2100), as Unix microseconds.
    std::optional<Micros> timestamp(const std::string& name, Need need);
    std::optional<std::vector<std::string>> string_list(const std::string& name, Need need,
                                                        std::size_t max_items = 100);
    // An object, returned as is.
    std::optional<json> object(const std::string& name, Need need);
    // The id of a stored object (a UUID), as its id type.
    template <typename IdType>
    std::optional<IdType> id(const std::string& name, Need need) {
        auto text = uuid(name, need);
        if (!text) return std::nullopt;
        return IdType{std::move(*text)};
    }

    // True when the field is present, even as null.
    bool has(const std::string& name) const { return object_.contains(name); }
    // True when the field is present and null (a request to clear it).
    bool is_null(const std::string& name) const;

    void fail(const std::string& name, std::string problem);
    bool failed() const { return !errors_.empty(); }
    // Every recorded problem, prefixed with `prefix.` (for nested objects).
    const FieldErrors& errors() const { return errors_; }
    void merge(const Fields& nested, const std::string& prefix);
    Status check() const;

private:
    std::optional<std::string> uuid(const std::string& name, Need need);

    const json* find(const std::string& name, Need need);

    const json& object_;
    FieldErrors errors_;
};

}  // namespace ujumbe::http
