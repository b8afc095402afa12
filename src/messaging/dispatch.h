#pragma once
// Where accepted messages go next: this node's pipeline. An accept asks for
// room before it commits; with room, its queue rows are written already
// leased to this node and the messages are handed over after the commit,
// with no claim round; without, the rows wait unleased and any node's
// dispatcher claims them.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "messaging/model.h"

namespace ujumbe::messaging {

class Dispatch {
public:
    struct Lease {
        std::string owner;
        Micros until = 0;
    };
    virtual ~Dispatch() = default;
    // Room for `n` messages now; nullopt when there is none.
    virtual std::optional<Lease> reserve(std::size_t n) = 0;
    // The accept that reserved `n` failed. `in_doubt`: a database fault hid
    // whether its commit went through; its rows may exist, leased to this
    // node, and are released for a claim once the database answers.
    virtual void unreserve(std::size_t n, std::vector<MessageId> in_doubt) = 0;
    // After the commit: the reserved messages, their rows leased as reserve() said.
    virtual void adopt(std::vector<Message> messages) = 0;
    // Unleased rows were written (scheduled, or no room).
    virtual void wake() = 0;
};

}  // namespace ujumbe::messaging
