#pragma once
// Which operator a number belongs to, for routing: the prefix table, or
// (with a number-portability lookup configured) what the lookup answered,
// kept in a bounded cache for the lookup's time-to-live. Lookups run on the
// resolver's own thread, many at once; a batch waits at most the lookup's
// timeout, and a number whose lookup failed falls back to the prefix table
// (the failure is cached for a minute, so a provider that is down is not
// asked for every message).
// Thread safety: all public members may be called from any thread.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "channels/number_lookup.h"
#include "core/clock.h"
#include "routing/operators.h"

namespace ujumbe::routing {

class OperatorResolver {
public:
    explicit OperatorResolver(Clock& clock);
    ~OperatorResolver();
    OperatorResolver(const OperatorResolver&) = delete;
    OperatorResolver& operator=(const OperatorResolver&) = delete;

    void set_table(const std::vector<OperatorPrefix>& rows);
    // The lookup to use (nullptr: none) and how long its answers are kept.
    // The cache starts empty.
    void set_lookup(std::shared_ptr<channels::NumberLookup> lookup, Micros cache_ttl);
    bool has_lookup() const;
    boost::asio::io_context& io() { return io_; }

    // Looks up, all at once, those of `numbers` (E.164) the cache does not
    // hold and no lookup is asking about (at most 64 a call: the rest wait
    // for a later call, routed by the prefix table meanwhile); returns when
    // all answered or the lookup's timeout passed, with the numbers it asked
    // about.
    std::vector<std::string> prefetch(const std::vector<std::string>& numbers);
    // The operator of `e164`: from the lookup (fresh in the cache, or asked
    // now when `look_up` and not cached), else the prefix table; source and
    // detail say which.
    OperatorInfo resolve(const std::string& e164, bool look_up);
    // Stops the lookup thread. Idempotent.
    void stop();

private:
    struct Cached {
        std::optional<channels::PortedOperator> op;
        std::string error;     // the lookup failed
        bool pending = false;  // asked, no answer yet
        Micros expires = 0;
    };
    OperatorInfo from_table(const std::string& e164) const;

    Clock& clock_;
    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
    std::once_flag stopped_;
    mutable std::mutex mutex_;
    OperatorTable table_;
    std::shared_ptr<channels::NumberLookup> lookup_;
    Micros ttl_ = 0;
    std::map<std::string, Cached> cache_;
};

}  // namespace ujumbe::routing
