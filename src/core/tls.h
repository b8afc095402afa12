#pragma once
// TLS contexts. A listener's credentials (the HTTPS API, the SMPP server):
// a certificate chain and its private key, read from files at start and
// read again on SIGHUP (a renewed certificate is taken without a restart);
// connections take the context current when they arrive and keep it to
// their end. A client's context (SMPP gateways): the peer's certificate
// checked against the system's authorities or a PEM of one's own.

#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"

namespace boost::asio::ssl {
class context;
}

namespace ujumbe {

class TlsCredentials {
public:
    // `setting`: the configuration key prefix errors name ("tls" names
    // tls_cert_file and tls_key_file).
    TlsCredentials(std::string certificate_file, std::string key_file, std::string setting = "tls");

    // Reads both files into a fresh context; on failure the context in use
    // stays and the error names the file and what is wrong with it.
    Status load();

    const std::string& certificate_file() const { return certificate_file_; }

    // The context new connections use (null before the first load).
    std::shared_ptr<boost::asio::ssl::context> current() const;

private:
    const std::string certificate_file_;
    const std::string key_file_;
    const std::string setting_;
    mutable std::mutex mutex_;
    std::shared_ptr<boost::asio::ssl::context> current_;
};

// A client context: TLS 1.2 or newer, the peer's certificate checked
// against `ca_pem` (one or more PEM certificates) or, when empty, the
// system's authorities. Errors name `field`.
Result<std::shared_ptr<boost::asio::ssl::context>> tls_client_context(const std::string& ca_pem,
                                                                      const std::string& field);

}  // namespace ujumbe
