#pragma once
// The rules of contact fields shared by the API and the CSV import (seed 001,
// "Smart Management Rules"): tags lower-cased and de-duplicated, attributes
// a flat object of strings, numbers and booleans.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "contacts/model.h"

namespace ujumbe::contacts {

inline constexpr std::size_t kMaxTags = 50;
inline constexpr std::size_t kMaxTagLength = 50;
inline constexpr std::size_t kMaxAttributes = 50;
inline constexpr std::size_t kMaxAttributeKey = 64;
inline constexpr std::size_t kMaxAttributeText = 1000;
inline constexpr std::size_t kMaxName = 200;

// A problem with one field, named as the API reports it ("attributes.city").
struct FieldProblem {
    std::string field;
    std::string problem;
};

// Trimmed, lower-cased, unique and sorted; nullopt and `problem` set when a
// tag is empty, too long, has a comma or control character, or there are
// too many.
std::optional<std::vector<std::string>> normalize_tags(const std::vector<std::string>& tags,
                                                       std::string* problem);
// Tags written in one text, separated by commas or semicolons.
std::vector<std::string> split_tags(std::string_view text);
// The stored form: "a,b,c".
std::string join_tags(const std::vector<std::string>& tags);
// `into` plus `more`, still unique and sorted.
void add_tags(std::vector<std::string>& into, const std::vector<std::string>& more);

bool is_attribute_key(std::string_view key);
// nullopt when `attributes` is a flat object of valid keys and values.
std::optional<FieldProblem> check_attributes(const nlohmann::json& attributes);

// Lower-cased name, phone and email: what `search` looks in.
std::string search_text(const Contact& c);

// A CSV header turned into an attribute key: lower-cased, spaces and other
// characters outside the key alphabet as '_'.
std::string attribute_key_of(std::string_view header);

// "true/false/1/0/yes/no/y/n" (any case); nullopt otherwise.
std::optional<bool> parse_flag(std::string_view text);

}  // namespace ujumbe::contacts
