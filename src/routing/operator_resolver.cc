#include <utility>  // before Asio (g++ 12)

#include "core/thread_name.h"
#include "routing/operator_resolver.h"

#include <algorithm>
#include <condition_variable>

namespace ujumbe::routing {

namespace {

constexpr Micros kFailureTtl = 60 * kMicrosPerSecond;
constexpr std::size_t kMaxCached = 100'000;
constexpr std::size_t kMaxAsked = 64;  // lookups one call starts

std::string digits_of(const std::string& e164) {
    return e164.starts_with('+') ? e164.substr(1) : e164;
}

}  // namespace

OperatorResolver::OperatorResolver(Clock& clock)
    : clock_(clock), guard_(boost::asio::make_work_guard(io_)), thread_([this] {
          name_this_thread("number-lookup");
          io_.run();
      }) {}

OperatorResolver::~OperatorResolver() {
    stop();
}

void OperatorResolver::stop() {
    std::call_once(stopped_, [this] {
        {
            std::lock_guard lock(mutex_);
            lookup_.reset();
        }
        guard_.reset();
        io_.stop();
        if (thread_.joinable()) thread_.join();
    });
}

void OperatorResolver::set_table(const std::vector<OperatorPrefix>& rows) {
    std::lock_guard lock(mutex_);
    table_.assign(rows);
}

void OperatorResolver::set_lookup(std::shared_ptr<channels::NumberLookup> lookup,
                                  Micros cache_ttl) {
    std::lock_guard lock(mutex_);
    lookup_ = std::move(lookup);
    ttl_ = cache_ttl;
    cache_.clear();
}

bool OperatorResolver::has_lookup() const {
    std::lock_guard lock(mutex_);
    return lookup_ != nullptr;
}

OperatorInfo OperatorResolver::from_table(const std::string& e164) const {
    OperatorInfo info;
    if (auto row = table_.find(digits_of(e164))) {
        info.name = row->name;
        info.mcc = row->mcc;
        info.mnc = row->mnc;
        info.source = "prefix table";
    }
    return info;
}

std::vector<std::string> OperatorResolver::prefetch(const std::vector<std::string>& numbers) {
    std::shared_ptr<channels::NumberLookup> lookup;
    std::vector<std::string> wanted;
    const Micros now = clock_.now();
    {
        std::lock_guard lock(mutex_);
        lookup = lookup_;
        if (!lookup) return {};
        if (cache_.size() >= kMaxCached) cache_.clear();
        const Micros pending_until =
            now +
            2 * std::chrono::duration_cast<std::chrono::microseconds>(lookup->timeout()).count();
        for (const auto& n : numbers) {
            if (wanted.size() >= kMaxAsked) break;
            auto it = cache_.find(n);
            if (it != cache_.end() && it->second.expires > now) continue;  // known, or asked
            wanted.push_back(n);
            cache_[n] = Cached{.pending = true, .expires = pending_until};
        }
    }
    if (wanted.empty()) return {};
    struct Wait {
        std::mutex mutex;
        std::condition_variable done;
        std::size_t left = 0;
    };
    auto wait = std::make_shared<Wait>();
    wait->left = wanted.size();
    for (const auto& number : wanted) {
        lookup->lookup(number, [this, wait, number, lookup](channels::NumberLookup::Answer a) {
            const Micros at = clock_.now();
            {
                std::lock_guard lock(mutex_);
                if (lookup_ == lookup) {  // not replaced meanwhile
                    Cached c;
                    if (a) {
                        c.op = std::move(*a);
                        c.expires = at + ttl_;
                    } else {
                        c.error = a.error().message;
                        c.expires = at + kFailureTtl;
                    }
                    cache_[number] = std::move(c);
                }
            }
            std::lock_guard lock(wait->mutex);
            if (--wait->left == 0) wait->done.notify_all();
        });
    }
    std::unique_lock lock(wait->mutex);
    wait->done.wait_for(lock, lookup->timeout() + std::chrono::milliseconds(500),
                        [&] { return wait->left == 0; });
    return wanted;
}

OperatorInfo OperatorResolver::resolve(const std::string& e164, bool look_up) {
    const bool asked = look_up && !prefetch({e164}).empty();
    const Micros now = clock_.now();
    std::lock_guard lock(mutex_);
    OperatorInfo info = from_table(e164);
    if (!lookup_) return info;
    auto it = cache_.find(e164);
    if (it == cache_.end() || it->second.expires <= now) {
        info.detail = "the number lookup did not answer in time";
        return info;
    }
    if (it->second.pending) {
        info.detail = "the number lookup has not answered yet";
        return info;
    }
    if (!it->second.error.empty()) {
        info.detail = it->second.error;
        return info;
    }
    if (!it->second.op) {
        info.detail = "the number lookup knew no operator";
        return info;
    }
    const auto& op = *it->second.op;
    OperatorInfo looked{op.name, op.mcc, op.mnc, asked ? "number lookup" : "lookup cache", ""};
    // A lookup that names only MCC and MNC takes the table's name for them.
    if (looked.name.empty() && info.mcc == looked.mcc && info.mnc == looked.mnc)
        looked.name = info.name;
    return looked;
}

}  // namespace ujumbe::routing
