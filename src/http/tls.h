#pragma once
// The API listener's TLS credentials: a certificate chain and its private
// key, read from files at start and read again on SIGHUP (a renewed
// certificate is taken without a restart). Connections take the context
// current when they arrive and keep it to their end.

#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"

namespace boost::asio::ssl {
class context;
}

namespace ujumbe::http {

class TlsCredentials {
public:
    TlsCredentials(std::string certificate_file, std::string key_file);

    // Reads both files into a fresh context; on failure the context in use
    // stays and the error names the file and what is wrong with it.
    Status load();

    // The context new connections use (null before the first load).
    std::shared_ptr<boost::asio::ssl::context> current() const;

private:
    const std::string certificate_file_;
    const std::string key_file_;
    mutable std::mutex mutex_;
    std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace ujumbe::http
