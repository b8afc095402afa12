#pragma once
// The ports that point up the layers, answered by the module above: plan
// limits and trial credit (identity, contacts -> billing), usage counts
// (billing -> messaging, identity, contacts), refunds, gateway costs and
// consent keywords and what SMPP customers are owed (the pipeline ->
// billing, contacts, the SMPP server), gateways' receipts
// and inbound messages (channels, conversations -> the pipeline), the checks
// of WhatsApp sends (messaging -> conversations), queued imports
// (contacts -> its import runner). Each answer reaches its module through
// Modules, only when asked, so it may be built before that module.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "billing/ports.h"
#include "channels/gateway.h"
#include "contacts/ports.h"
#include "conversations/ports.h"
#include "identity/ports.h"
#include "messaging/ports.h"

namespace ujumbe::app {

class Modules;

class Wiring final : public identity::AccountPolicy,
                     public contacts::ContactPolicy,
                     public contacts::ImportSignal,
                     public billing::UsageSource,
                     public messaging::OutcomeHooks,
                     public channels::GatewayListener,
                     public conversations::MessageSink,
                     public messaging::SendChannel {
public:
    explicit Wiring(Modules& modules) : m_(modules) {}

    // identity
    Status registered(db::Connection& c, const identity::Account& account) override;
    Status check_member_limit(const AccountId& account, std::int64_t current) override;
    // contacts
    Status check_contact_limit(const AccountId& account, std::int64_t current) override;
    void import_queued() override;
    // billing
    Result<Messages> messages(const AccountId& account, Micros from, Micros until,
                              Micros day_start) override;
    Result<std::int64_t> users(const AccountId& account) override;
    Result<std::int64_t> contacts(const AccountId& account) override;
    // the pipeline
    Status finished(db::Connection& c, const std::vector<MessageId>& ids,
                    const std::string& status) override;
    Result<std::vector<std::pair<MessageId, std::int64_t>>> gateway_costs(
        db::Connection& c, const GatewayId& gateway_id,
        const std::vector<const messaging::Message*>& sent) override;
    Status inbound(db::Connection& c, const messaging::Message& m) override;
    Status reached_final(db::Connection& c, const std::vector<messaging::FinalMessage>& done,
                         messaging::MessageStatus status,
                         const std::optional<std::string>& error_code) override;
    // ... and the realtime feed: message.new and message.status
    static constexpr std::size_t kRealtimeNewMessages = 20;
    static constexpr std::size_t kRealtimeStatuses = 50;
    Status accepted(db::Connection& c,
                    const std::vector<const messaging::Message*>& messages) override;
    Status statuses_changed(db::Connection& c, const std::vector<StatusNote>& notes) override;
    // conversations: WhatsApp's inbound messages, stored by the pipeline
    Status inbound(db::Connection& c, const channels::InboundReport& in) override;
    Status receipt(db::Connection& c, const channels::ReceiptReport& receipt) override;
    // messaging: the WhatsApp channel's checks of what is sent on it
    Result<std::optional<Error>> check(db::Connection& c, const messaging::SendRequest& r,
                                       const messaging::Message* replied,
                                       messaging::Message& m) override;
    // the gateways
    void on_receipt(const channels::ReceiptReport& receipt, channels::ReportDone done) override;
    void on_inbound(const channels::InboundReport& inbound, channels::ReportDone done) override;

private:
    Modules& m_;
};

}  // namespace ujumbe::app
