#include "realtime/hub.h"

#include <algorithm>

namespace ujumbe::realtime {

void Hub::add(const AccountId& account, std::shared_ptr<Listener> client) {
    std::lock_guard lock(mutex_);
    by_account_[account].push_back(std::move(client));
    ++count_;
}

void Hub::remove(const AccountId& account, const Listener* client) {
    std::lock_guard lock(mutex_);
    auto it = by_account_.find(account);
    if (it == by_account_.end()) return;
    auto& list = it->second;
    const auto before = list.size();
    std::erase_if(list, [&](const auto& c) { return c.get() == client; });
    count_ -= before - list.size();
    if (list.empty()) by_account_.erase(it);
}

void Hub::deliver(const Event& e) {
    std::vector<std::shared_ptr<Listener>> targets;
    {
        std::lock_guard lock(mutex_);
        auto it = by_account_.find(e.account_id);
        if (it == by_account_.end()) return;
        targets = it->second;
    }
    const std::string frame = frame_of(e);
    for (const auto& c : targets) {
        if (c->wants(e)) c->deliver(frame);
    }
}

bool Hub::has_clients(const AccountId& account) const {
    std::lock_guard lock(mutex_);
    return by_account_.count(account) > 0;
}

std::vector<AccountId> Hub::accounts() const {
    std::lock_guard lock(mutex_);
    std::vector<AccountId> out;
    for (const auto& [account, list] : by_account_) out.push_back(account);
    return out;
}

std::size_t Hub::clients() const {
    std::lock_guard lock(mutex_);
    return count_;
}

}  // namespace ujumbe::realtime
