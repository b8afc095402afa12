#include "http/tls.h"

#include <boost/asio/ssl.hpp>

namespace ujumbe::http {

namespace ssl = boost::asio::ssl;

TlsCredentials::TlsCredentials(std::string certificate_file, std::string key_file)
    : certificate_file_(std::move(certificate_file)), key_file_(std::move(key_file)) {}

Status TlsCredentials::load() {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    // TLS 1.2 and 1.3 only, the server's cipher order, no renegotiation.
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_options(context->native_handle(),
                        SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    boost::system::error_code ec;
    context->use_certificate_chain_file(certificate_file_, ec);
    if (ec)
        return Error::invalid("tls_cert_file",
                              "cannot use " + certificate_file_ + ": " + ec.message());
    context->use_private_key_file(key_file_, ssl::context::pem, ec);
    if (ec) return Error::invalid("tls_key_file", "cannot use " + key_file_ + ": " + ec.message());
    if (SSL_CTX_check_private_key(context->native_handle()) != 1)
        return Error::invalid("tls_key_file", key_file_ + " is not the key of the certificate in " +
                                                  certificate_file_);
    std::lock_guard lock(mutex_);
    current_ = std::move(context);
    return {};
}

std::shared_ptr<ssl::context> TlsCredentials::current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

}  // namespace ujumbe::http
