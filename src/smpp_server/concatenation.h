#pragma once
// Joins the parts of a concatenated submit (UDH or sar_* TLVs) into one
// text, so that a long message enters the accept path, and is priced and
// sent, as one message. Each part carries a value (its pending answer) that
// comes back with the whole message, or with the parts that waited too
// long. Per session; not thread-safe (the caller serialises).

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/clock.h"

namespace ujumbe::smpp_server {

template <typename Token>
class Reassembly {
public:
    struct Whole {
        std::string text;  // the parts' texts in part order
        std::vector<Token> tokens;
    };
    enum class Added { kWaiting, kComplete, kFull, kDuplicate };

    Reassembly(std::size_t max_messages, Micros max_age)
        : max_messages_(max_messages), max_age_(max_age) {}

    // Adds part `part` of `total` (1-based) of message `reference` from
    // `source` to `destination`. kComplete fills `whole`. kFull (too many
    // messages waiting) and kDuplicate (a part already held) keep nothing.
    Added add(const std::string& source, const std::string& destination, int reference, int total,
              int part, std::string text, Token token, Micros now, Whole& whole) {
        const Key key{source, destination, reference, total};
        auto it = waiting_.find(key);
        if (it == waiting_.end()) {
            if (waiting_.size() >= max_messages_) return Added::kFull;
            it = waiting_.emplace(key, Pending{now, {}}).first;
        }
        auto& parts = it->second.parts;
        if (parts.count(part)) return Added::kDuplicate;
        parts.emplace(part, std::make_pair(std::move(text), std::move(token)));
        if (static_cast<int>(parts.size()) < total) return Added::kWaiting;
        whole = {};
        for (auto& [n, p] : parts) {
            whole.text += p.first;
            whole.tokens.push_back(std::move(p.second));
        }
        waiting_.erase(it);
        return Added::kComplete;
    }

    // The tokens of messages whose first part came before now - max_age.
    std::vector<Token> expire(Micros now) {
        std::vector<Token> out;
        for (auto it = waiting_.begin(); it != waiting_.end();) {
            if (now - it->second.first_seen < max_age_) {
                ++it;
                continue;
            }
            for (auto& [n, p] : it->second.parts) out.push_back(std::move(p.second));
            it = waiting_.erase(it);
        }
        return out;
    }

    std::size_t waiting() const { return waiting_.size(); }

private:
    using Key = std::tuple<std::string, std::string, int, int>;
    struct Pending {
        Micros first_seen = 0;
        std::map<int, std::pair<std::string, Token>> parts;
    };
    std::size_t max_messages_;
    Micros max_age_;
    std::map<Key, Pending> waiting_;
};

}  // namespace ujumbe::smpp_server
