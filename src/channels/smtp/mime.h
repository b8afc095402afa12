#pragma once
// An email as it travels (RFC 5322 with MIME): headers a reader cannot
// break out of (no CR/LF from outside ever reaches a header line; text
// outside printable ASCII goes as RFC 2047 encoded words), a UTF-8 body in
// base64 (never a line over 76 characters, never a line starting with a
// dot), and multipart/alternative when an HTML body comes along.

#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace ujumbe::channels::smtp {

struct Email {
    std::string from_address;  // checked by is_email_address
    std::string from_name;     // may be empty
    std::string to;            // checked by is_email_address
    std::string subject;
    std::string text;                                          // UTF-8
    std::string html;                                          // UTF-8; "" when none
    std::vector<std::pair<std::string, std::string>> headers;  // extra (List-Unsubscribe)
    std::string message_id;  // the local part of Message-ID (the message's id)
};

// A plain address (local@domain): printable ASCII, one '@', no spaces,
// brackets, quotes or control characters, at most 254 characters.
bool is_email_address(const std::string& text);

// The whole message, lines ending in CRLF, ready for DATA.
std::string compose(const Email& email, Micros now);

// RFC 2047 "encoded-word" form of a header's text when it needs one
// (anything outside printable ASCII), otherwise the text with CR/LF and
// other control characters removed.
std::string header_text(const std::string& text);

}  // namespace ujumbe::channels::smtp
