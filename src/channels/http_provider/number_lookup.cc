#include <utility>  // before Asio (g++ 12)

#include "channels/number_lookup.h"

#include "channels/http_client.h"
#include "channels/http_provider/provider.h"
#include "core/json.h"

namespace ujumbe::channels {

namespace {

using json = nlohmann::json;

// The settings of an HTTP lookup: a provider request (url, method, auth,
// body, headers, timeout_ms) and where the answer names the operator.
struct LookupSettings {
    ProviderSettings request;
    std::string operator_pointer = "/operator";
    std::string mcc_pointer, mnc_pointer;
    std::string mccmnc_pointer;  // "63902" in one field
    std::int64_t cache_ttl_s = 7 * 86400;
};

const char* const kOwnFields[] = {"operator_pointer", "mcc_pointer", "mnc_pointer",
                                  "mccmnc_pointer", "cache_ttl_s"};

Result<LookupSettings> read_lookup(const json& settings, const json& secrets) {
    if (!settings.is_object()) return Error::invalid("settings", "Must be an object.");
    LookupSettings out;
    json request = settings;
    for (const char* f : kOwnFields) request.erase(f);
    if (!request.contains("method")) request["method"] = "GET";
    if (!request.contains("timeout_ms")) request["timeout_ms"] = 2000;
    // Routing waits for lookups: a few seconds at most.
    if (auto t = request.find("timeout_ms"); t->is_number() && t->get<double>() > 5000)
        return Error::invalid("settings.timeout_ms", "At most 5000 for a number lookup.");
    UJ_ASSIGN(out.request, read_provider_settings(request, secrets));
    for (const auto& [field, target] :
         {std::pair<const char*, std::string*>{"operator_pointer", &out.operator_pointer},
          {"mcc_pointer", &out.mcc_pointer},
          {"mnc_pointer", &out.mnc_pointer},
          {"mccmnc_pointer", &out.mccmnc_pointer}}) {
        auto it = settings.find(field);
        if (it == settings.end() || it->is_null()) continue;
        if (!it->is_string() || it->get_ref<const std::string&>().size() > 200)
            return Error::invalid(std::string("settings.") + field, "Must be a JSON pointer.");
        *target = it->get<std::string>();
        if (target->empty()) continue;
        try {
            json::json_pointer p(*target);
        } catch (const json::exception&) {
            return Error::invalid(std::string("settings.") + field,
                                  "Must be a JSON pointer (\"/operator\").");
        }
    }
    if (out.operator_pointer.empty() && out.mccmnc_pointer.empty() && out.mcc_pointer.empty())
        return Error::invalid("settings.operator_pointer",
                              "Say where the answer names the operator.");
    if (auto ttl = settings.find("cache_ttl_s"); ttl != settings.end() && !ttl->is_null()) {
        if (!ttl->is_number_integer() || ttl->get<std::int64_t>() < 0 ||
            ttl->get<std::int64_t>() > 365 * 86400)
            return Error::invalid("settings.cache_ttl_s", "Seconds, from 0 to a year.");
        out.cache_ttl_s = ttl->get<std::int64_t>();
    }
    return out;
}

json stored(const LookupSettings& s) {
    json out = provider_settings_json(s.request);
    out["operator_pointer"] = s.operator_pointer;
    out["mcc_pointer"] = s.mcc_pointer;
    out["mnc_pointer"] = s.mnc_pointer;
    out["mccmnc_pointer"] = s.mccmnc_pointer;
    out["cache_ttl_s"] = s.cache_ttl_s;
    return out;
}

std::string text_at(const json& doc, const std::string& pointer) {
    if (pointer.empty()) return {};
    try {
        const json::json_pointer p(pointer);
        if (!doc.contains(p)) return {};
        const auto& v = doc.at(p);
        if (v.is_string()) return v.get<std::string>().substr(0, 50);
        // MCC and MNC as numbers lose their leading zeros: an MNC is at least two digits.
        if (v.is_number_integer()) {
            std::string n = std::to_string(v.get<std::int64_t>());
            return n.size() < 2 ? "0" + n : n;
        }
    } catch (const json::exception&) {
    }
    return {};
}

class HttpNumberLookup final : public NumberLookup {
public:
    HttpNumberLookup(LookupSettings s, boost::asio::io_context& io)
        : s_(std::make_shared<const LookupSettings>(std::move(s))),
          client_(HttpClient::create(
              io, {.timeout = std::chrono::milliseconds(s_->request.timeout_ms), .max_idle = 4})) {}
    ~HttpNumberLookup() override { client_->close(); }

    void lookup(const std::string& e164, std::function<void(Answer)> done) override {
        // The settings go with the request: an answer may come after a
        // new lookup replaced this one.
        client_->send(provider_request(s_->request, {.to = e164}),
                      [s = s_, done = std::move(done)](HttpAnswer a) { done(read(*s, a)); });
    }
    std::chrono::milliseconds timeout() const override {
        return std::chrono::milliseconds(s_->request.timeout_ms);
    }

private:
    static Answer read(const LookupSettings& s, const HttpAnswer& a) {
        if (!a.answered) return Error::unavailable("the number lookup did not answer: " + a.error);
        if (a.status == 404) return std::optional<PortedOperator>{};
        if (a.status < 200 || a.status >= 300)
            return Error::unavailable("the number lookup answered HTTP " +
                                      std::to_string(a.status));
        JsonParseProblem problem;
        const json doc = parse_json_bounded(a.body, problem, 16);
        if (problem.kind != JsonParseProblem::Kind::kNone)
            return Error::unavailable("the number lookup's answer is not JSON");
        PortedOperator op{text_at(doc, s.operator_pointer), text_at(doc, s.mcc_pointer),
                          text_at(doc, s.mnc_pointer)};
        if (const auto both = text_at(doc, s.mccmnc_pointer); both.size() >= 5) {
            op.mcc = both.substr(0, 3);
            op.mnc = both.substr(3);
        }
        if (op.name.empty() && op.mcc.empty()) return std::optional<PortedOperator>{};
        return std::optional<PortedOperator>(std::move(op));
    }

    std::shared_ptr<const LookupSettings> s_;
    std::shared_ptr<HttpClient> client_;
};

}  // namespace

const std::vector<std::string>& number_lookup_kinds() {
    static const std::vector<std::string> kinds = {"http"};
    return kinds;
}

std::vector<std::string> number_lookup_secret_fields(const std::string&) {
    return {"password", "token", "api_key"};
}

Result<json> canonical_number_lookup(const std::string& kind, const json& settings,
                                     const json& secrets) {
    if (kind != "http") return Error::invalid("kind", "Must be http.");
    UJ_ASSIGN(auto s, read_lookup(settings, secrets));
    return stored(s);
}

std::int64_t number_lookup_cache_seconds(const json& settings) {
    auto it = settings.find("cache_ttl_s");
    return it != settings.end() && it->is_number_integer() ? it->get<std::int64_t>() : 7 * 86400;
}

Result<std::shared_ptr<NumberLookup>> make_number_lookup(const std::string& kind,
                                                         const json& settings, const json& secrets,
                                                         boost::asio::io_context& io) {
    if (kind != "http") return Error::invalid("kind", "Must be http.");
    UJ_ASSIGN(auto s, read_lookup(settings, secrets));
    return std::shared_ptr<NumberLookup>(std::make_shared<HttpNumberLookup>(std::move(s), io));
}

}  // namespace ujumbe::channels
