#pragma once
// Number portability: asking a provider (an MNP or HLR lookup over HTTP)
// which operator a number belongs to now, so a ported number takes its real
// operator's route. Pluggable like the gateway kinds; the only kind so far
// is "http" (docs/operators.md). Routing keeps the answers in a cache and
// falls back to the prefix table when a lookup fails or times out.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace ujumbe::channels {

struct PortedOperator {
    std::string name, mcc, mnc;
};

class NumberLookup {
public:
    virtual ~NumberLookup() = default;
    using Answer = Result<std::optional<PortedOperator>>;
    // The operator of `e164` now (nullopt when the provider knows none), or
    // an error when the provider did not answer in time or could not be
    // read. `done` runs once, on the lookup's io_context, within the
    // lookup's timeout.
    virtual void lookup(const std::string& e164, std::function<void(Answer)> done) = 0;
    // The longest a lookup takes before `done` says so.
    virtual std::chrono::milliseconds timeout() const = 0;
};

// The kinds of lookup ("http").
const std::vector<std::string>& number_lookup_kinds();
// Settings of a lookup of `kind` that are secrets (sealed, never shown).
std::vector<std::string> number_lookup_secret_fields(const std::string& kind);
// Checks settings and secrets; the stored form (no secrets). Errors name
// the field ("settings.url").
Result<nlohmann::json> canonical_number_lookup(const std::string& kind,
                                               const nlohmann::json& settings,
                                               const nlohmann::json& secrets);
// How long an answer is kept (the settings' cache_ttl_s).
std::int64_t number_lookup_cache_seconds(const nlohmann::json& settings);
// A live lookup whose requests run on `io`.
Result<std::shared_ptr<NumberLookup>> make_number_lookup(const std::string& kind,
                                                         const nlohmann::json& settings,
                                                         const nlohmann::json& secrets,
                                                         boost::asio::io_context& io);

}  // namespace ujumbe::channels
