#include "core/tls.h"

#include <boost/asio/ssl.hpp>

namespace ujumbe {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 and 1.3 only, no renegotiation.
void restrict_protocols(ssl::context& context) {
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                        ssl::context::single_dh_use);
    SSL_CTX_set_options(context.native_handle(), SSL_OP_NO_RENEGOTIATION);
}

}  // namespace

TlsCredentials::TlsCredentials(std::string certificate_file, std::string key_file,
                               std::string setting)
    : certificate_file_(std::move(certificate_file)),
      key_file_(std::move(key_file)),
      setting_(std::move(setting)) {}

Status TlsCredentials::load() {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    restrict_protocols(*context);
    SSL_CTX_set_options(context->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
    boost::system::error_code ec;
    context->use_certificate_chain_file(certificate_file_, ec);
    if (ec)
        return Error::invalid(setting_ + "_cert_file",
                              "cannot use " + certificate_file_ + ": " + ec.message());
    context->use_private_key_file(key_file_, ssl::context::pem, ec);
    if (ec)
        return Error::invalid(setting_ + "_key_file",
                              "cannot use " + key_file_ + ": " + ec.message());
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

Result<std::shared_ptr<ssl::context>> tls_client_context(const std::string& ca_pem,
                                                         const std::string& field) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    restrict_protocols(*context);
    context->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (ca_pem.empty())
        context->set_default_verify_paths(ec);
    else
        context->add_certificate_authority(boost::asio::buffer(ca_pem), ec);
    if (ec)
        return Error::invalid(field, ca_pem.empty()
                                         ? "the system's certificate authorities cannot be read"
                                         : "must be PEM certificates (" + ec.message() + ")");
    return context;
}

}  // namespace ujumbe
