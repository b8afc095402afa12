#pragma once
// One SMTP connection, blocking, through libcurl: plain, STARTTLS (required
// once asked for) or implicit TLS, with AUTH when a username is given, and
// kept open between mails (libcurl reuses the connection of its handle).
// Not thread-safe: one thread owns a client.

#include <chrono>
#include <memory>
#include <string>

#include "core/result.h"

namespace ujumbe::channels::smtp {

enum class Security { kNone, kStartTls, kTls };

struct ServerSettings {
    std::string host;
    int port = 587;
    Security security = Security::kStartTls;
    std::string username, password;  // no AUTH when username is empty
    // A PEM file of the certificates to trust instead of the system's
    // (a private relay's own CA).
    std::string ca_file;
    std::chrono::seconds timeout{30};
};

// What the server made of one mail.
struct SendResult {
    bool accepted = false;
    // The server answered the mail with a final code (accepted, 4xx or
    // 5xx); false when the connection failed or went quiet.
    bool answered = false;
    // The whole mail was handed over before things went wrong: the server
    // may have it.
    bool handed_over = false;
    int code = 0;       // the last SMTP reply code; 0 when none came
    std::string error;  // "" when accepted
};

class SmtpClient {
public:
    explicit SmtpClient(ServerSettings settings);
    ~SmtpClient();
    SmtpClient(const SmtpClient&) = delete;
    SmtpClient& operator=(const SmtpClient&) = delete;

    // MAIL FROM `from`, RCPT TO `to`, DATA `message` (CRLF lines).
    SendResult send(const std::string& from, const std::string& to, const std::string& message);
    // Connects, greets (with STARTTLS and AUTH as set) and says NOOP.
    SendResult check();

private:
    struct Handle;
    SendResult perform(const std::string* from, const std::string* to, const std::string* message);

    ServerSettings settings_;
    std::unique_ptr<Handle> handle_;
};

std::string_view security_name(Security s);

}  // namespace ujumbe::channels::smtp
