#pragma once
// Inbound keywords that change consent (decision 0039): each account's list
// (STOP, START and its own words), what each does (opt out or back in), on
// which channels (all, or the one it came on) and the confirmation sent back
// on that channel. An account that set none has the defaults: the words
// carriers honour, every channel, no reply.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace ujumbe::contacts {

struct Keyword {
    std::string keyword;  // upper-case letters and digits
    bool opt_in = false;  // START-like; else STOP-like
    bool all_channels = true;
    std::optional<std::string> reply;
};

inline constexpr std::size_t kMaxKeywords = 30;
inline constexpr std::size_t kMaxKeywordChars = 20;
inline constexpr std::size_t kMaxReplyChars = 320;

// STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT out; START, UNSTOP in.
const std::vector<Keyword>& default_keywords();

// The keyword the whole text is (trimmed, any case), if any.
std::optional<Keyword> match_keyword(const std::vector<Keyword>& keywords, std::string_view text);

// A list as PUT /settings/keywords gives it ({"keywords": [...]}); errors
// name the field ("keywords[2].scope").
Result<std::vector<Keyword>> read_keywords(const nlohmann::json& body);
nlohmann::json keywords_json(const std::vector<Keyword>& keywords);
// The JSON Schemas of {"keywords": keywords_json(...)} as the settings
// routes answer it, and of the body read_keywords() takes.
nlohmann::json keywords_schema();
nlohmann::json keywords_request_schema();
// The stored form and back (a list written by keywords_json).
std::vector<Keyword> keywords_from_stored(const std::string& stored);

}  // namespace ujumbe::contacts
