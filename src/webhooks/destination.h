#pragma once
// Whether a URL may receive webhooks (docs/webhooks.md, "Safe
// destinations"): http or https, and unless private destinations are
// allowed, a host whose every address is public. The same check runs again
// on the addresses the delivery connects to (channels::HttpClient's
// refuse_address), so a name that changes its answer gains nothing.

#include <optional>
#include <string>

namespace ujumbe::webhooks {

// nullopt when `url` may be called; else why not, for the caller (a 400
// naming the field). Resolves the host name (blocking) unless
// `allow_private`, in which case only the URL's form is checked.
std::optional<std::string> destination_problem(const std::string& url, bool allow_private);

}  // namespace ujumbe::webhooks
