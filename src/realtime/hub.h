#pragma once
// This node's realtime clients, by account: an event reaches the clients of
// its account only (typing: those that joined its conversation, but not
// the one typing). Thread-safe; delivering only queues frames on each
// client's connection.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/ids.h"
#include "realtime/event.h"

namespace ujumbe::realtime {

class Listener {
public:
    virtual ~Listener() = default;
    // Whether it hears `e`, an event of its account.
    virtual bool wants(const Event& e) const = 0;
    virtual void deliver(const std::string& frame) = 0;
};

class Hub {
public:
    void add(const AccountId& account, std::shared_ptr<Listener> client);
    void remove(const AccountId& account, const Listener* client);
    void deliver(const Event& e);
    bool has_clients(const AccountId& account) const;
    // The accounts with a client here now.
    std::vector<AccountId> accounts() const;
    std::size_t clients() const;

private:
    mutable std::mutex mutex_;
    std::map<AccountId, std::vector<std::shared_ptr<Listener>>> by_account_;
    std::size_t count_ = 0;
};

}  // namespace ujumbe::realtime
