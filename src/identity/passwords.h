#pragma once
// Password hashing with argon2id (libsodium) at OWASP's parameters
// (t=2, m=19 MiB, p=1): about 30 ms a hash on this class of machine.
// REQUIRES: call on a database or worker thread, never on an I/O thread.

#include <string>
#include <string_view>

namespace ujumbe::identity {

std::string hash_password(std::string_view password);
bool verify_password(std::string_view hash, std::string_view password);
// Spends the same time as a real verification, for unknown emails, so the
// answer time does not tell whether an email has an account.
void verify_password_decoy(std::string_view password);

}  // namespace ujumbe::identity
