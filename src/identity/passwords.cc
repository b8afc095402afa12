#include "identity/passwords.h"

#include <sodium.h>

#include <stdexcept>

#include "core/crypto.h"

namespace ujumbe::identity {

namespace {
constexpr unsigned long long kOpsLimit = 2;
constexpr std::size_t kMemLimit = 19 * 1024 * 1024;
}  // namespace

std::string hash_password(std::string_view password) {
    random_token(1);  // makes sure libsodium is initialised
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("argon2id hashing ran out of memory");
    return out;
}

bool verify_password(std::string_view hash, std::string_view password) {
    random_token(1);  // makes sure libsodium is initialised
    const std::string h(hash);
    return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

void verify_password_decoy(std::string_view password) {
    static const std::string decoy = hash_password("decoy password for unknown emails");
    (void)verify_password(decoy, password);
}

}  // namespace ujumbe::identity
