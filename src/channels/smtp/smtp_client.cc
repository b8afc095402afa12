#include "channels/smtp/smtp_client.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

namespace ujumbe::channels::smtp {

namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// What libcurl reads the mail from.
struct Upload {
    const std::string* data = nullptr;
    std::size_t at = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* up = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * count, up->data->size() - up->at);
    std::memcpy(buffer, up->data->data() + up->at, n);
    up->at += n;
    return n;
}

std::string server_url(const ServerSettings& s) {
    const std::string host = s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host;
    return std::string(s.security == Security::kTls ? "smtps://" : "smtp://") + host + ":" +
           std::to_string(s.port);
}

}  // namespace

std::string_view security_name(Security s) {
    switch (s) {
        case Security::kNone:
            return "none";
        case Security::kStartTls:
            return "starttls";
        case Security::kTls:
            return "tls";
    }
    return "none";
}

struct SmtpClient::Handle {
    CURL* easy = nullptr;
    char error[CURL_ERROR_SIZE] = {};
    ~Handle() {
        if (easy) curl_easy_cleanup(easy);
    }
};

SmtpClient::SmtpClient(ServerSettings settings)
    : settings_(std::move(settings)), handle_(std::make_unique<Handle>()) {
    global_init();
}

SmtpClient::~SmtpClient() = default;

SendResult SmtpClient::send(const std::string& from, const std::string& to,
                            const std::string& message) {
    return perform(&from, &to, &message);
}

SendResult SmtpClient::check() {
    return perform(nullptr, nullptr, nullptr);
}

SendResult SmtpClient::perform(const std::string* from, const std::string* to,
                               const std::string* message) {
    SendResult out;
    if (!handle_->easy) {
        handle_->easy = curl_easy_init();
        if (!handle_->easy) {
            out.error = "libcurl could not start";
            return out;
        }
    }
    CURL* c = handle_->easy;
    // Options are set anew for every mail; the connection stays in the
    // handle's cache between them.
    curl_easy_reset(c);
    const std::string url = server_url(settings_);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, handle_->error);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(settings_.timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(settings_.timeout.count()));
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     settings_.security == Security::kStartTls
                         ? static_cast<long>(CURLUSESSL_ALL)
                         : static_cast<long>(CURLUSESSL_NONE));
    if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
    if (!settings_.username.empty()) {
        curl_easy_setopt(c, CURLOPT_USERNAME, settings_.username.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, settings_.password.c_str());
    }
    curl_slist* recipients = nullptr;
    Upload upload{message, 0};
    std::string mail_from, rcpt;
    if (message) {
        mail_from = "<" + *from + ">";
        rcpt = "<" + *to + ">";
        recipients = curl_slist_append(nullptr, rcpt.c_str());
        curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
        curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients);
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
        curl_easy_setopt(c, CURLOPT_READDATA, &upload);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message->size()));
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "NOOP");
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    }
    handle_->error[0] = '\0';
    const CURLcode rc = curl_easy_perform(c);
    if (recipients) curl_slist_free_all(recipients);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    out.code = static_cast<int>(code);
    out.handed_over = message && upload.at == message->size();
    if (rc == CURLE_OK) {
        out.accepted = out.answered = true;
        return out;
    }
    out.error = handle_->error[0] ? handle_->error : curl_easy_strerror(rc);
    // A reply code of 400-599 is the server's answer to this mail; anything
    // else is the connection's trouble.
    out.answered = code >= 400 && code <= 599;
    // A failed connection is not kept: the next mail starts afresh.
    curl_easy_cleanup(c);
    handle_->easy = nullptr;
    return out;
}

}  // namespace ujumbe::channels::smtp
