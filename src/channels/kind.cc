#include "channels/kind.h"

namespace ujumbe::channels {

nlohmann::json redacted_settings(const nlohmann::json& settings, const nlohmann::json& secrets) {
    nlohmann::json shown = settings.is_object() ? settings : nlohmann::json::object();
    if (secrets.is_object())
        for (const auto& [name, value] : secrets.items()) shown[name + "_set"] = true;
    return shown;
}

void KindRegistry::add(std::shared_ptr<const GatewayKind> kind) {
    const std::string name(kind->name());
    kinds_[name] = std::move(kind);
}

const GatewayKind* KindRegistry::find(std::string_view name) const {
    auto it = kinds_.find(name);
    return it == kinds_.end() ? nullptr : it->second.get();
}

std::vector<std::string> KindRegistry::names() const {
    std::vector<std::string> out;
    out.reserve(kinds_.size());
    for (const auto& [name, kind] : kinds_) out.push_back(name);
    return out;
}

}  // namespace ujumbe::channels
