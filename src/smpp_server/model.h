#pragma once
// The SMPP server's domain: the credentials customers' systems bind with
// (SMPP accounts), and what a bound system is owed (receipts and inbound
// messages as deliver_sm). Plain data, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"

namespace ujumbe::smpp_server {

using SmppAccountId = Id<struct SmppAccountTag>;

enum class BindKind { kTransmitter, kReceiver, kTransceiver };
const char* bind_name(BindKind b);  // "transmitter" | "receiver" | "transceiver"
std::optional<BindKind> parse_bind(std::string_view name);

struct SmppAccount {
    SmppAccountId id;
    AccountId account_id;
    UserId user_id;         // who made it: its sends count as theirs
    std::string system_id;  // 1-15 characters, unique on the server
    std::vector<BindKind> binds;
    // Addresses and CIDR blocks a bind may come from; empty: any.
    std::vector<std::string> allowed_ips;
    int throughput = 100;  // submits per second, all of its sessions together
    bool is_active = true;
    Micros created_at = 0, updated_at = 0;
};

// POST (every field but password may be given) and PATCH (any subset).
struct SmppAccountInput {
    std::optional<std::string> system_id;
    std::optional<std::vector<BindKind>> binds;
    std::optional<std::vector<std::string>> allowed_ips;
    std::optional<int> throughput;
    std::optional<bool> is_active;
};

// A new account or a new password: the password in clear, shown once.
struct IssuedCredential {
    SmppAccount account;
    std::string password;
};

// What a deliver_sm owed to an account carries.
enum class DeliveryKind { kReceipt, kInbound };

struct PendingDelivery {
    std::int64_t id = 0;
    SmppAccountId smpp_account_id;
    DeliveryKind kind = DeliveryKind::kReceipt;
    // Receipt: the message's id (as the customer was given it), its
    // destination and sender, final status, error code and times. Inbound:
    // from, to and text.
    MessageId message_id;
    std::string from, to, text;
    std::string status;  // receipt: delivered | undelivered | expired | rejected | failed
    std::optional<std::string> error_code;
    Micros submitted_at = 0, done_at = 0;
    Micros created_at = 0;
    int attempts = 0;
};

}  // namespace ujumbe::smpp_server
