#pragma once
// The settings epoch (migration 0022, decision 0028): a counter that every
// change of the settings a send reads moves, in the change's own
// transaction. Caches of those settings keep the epoch each value was read
// at and answer only a request that read the same epoch: a change applies
// to the next request on every node, as if nothing were cached.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "core/result.h"
#include "db/connection.h"

namespace ujumbe::db {

// The SQL expression of the current epoch, for reads that bring it along
// with other rows (the credential checks).
inline constexpr const char* kSettingsEpochColumn = "(SELECT epoch FROM settings_epoch)";

// The current epoch, read on its own.
Result<std::int64_t> settings_epoch(Connection& c);

// Values read at an epoch, by key. Bounded: when full it starts over (the
// keys are accounts and their users, few on a node). Thread-safe.
template <typename Key, typename Value>
class SettingsCache {
public:
    explicit SettingsCache(std::size_t capacity = 4096) : capacity_(capacity) {}

    // The value for `key` if it was read at `epoch`.
    std::optional<Value> find(const Key& key, std::int64_t epoch) const {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(key);
        if (it == entries_.end() || it->second.first != epoch) return std::nullopt;
        return it->second.second;
    }

    // Keeps `value` as read at `epoch`; an entry of a later epoch stays.
    void keep(const Key& key, std::int64_t epoch, Value value) {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(key);
        if (it != entries_.end()) {
            if (it->second.first <= epoch) it->second = {epoch, std::move(value)};
            return;
        }
        if (entries_.size() >= capacity_) entries_.clear();
        entries_.emplace(key, std::make_pair(epoch, std::move(value)));
    }

private:
    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::map<Key, std::pair<std::int64_t, Value>> entries_;
};

}  // namespace ujumbe::db
