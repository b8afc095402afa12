#include "audit/recorder.h"

#include "audit/changes.h"
#include "audit/store.h"
#include "core/json.h"

namespace ujumbe::audit {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxHeaderChars = 256;

// A header as stored: bounded, printable.
std::string bounded(std::string_view text) {
    std::string out;
    for (unsigned char c : text.substr(0, kMaxHeaderChars))
        out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
    return out;
}

}  // namespace

Recorder::Recorder(db::Database& db, Clock& clock)
    : clock_(clock),
      writer_(db,
              {.name = "audit",
               .poll = kPollMicros,
               .wake_at = kWakeAt,
               .max_waiting = kMaxWaiting,
               .overflow = db::Overflow::kWriteNow},
              [](db::Connection& c, const std::vector<Entry>& batch) {
                  return store::insert(c, batch);
              }) {}

Recorder::~Recorder() {
    stop();
}

void Recorder::stop() {
    writer_.stop();
}

void Recorder::record(const http::AuditEvent& ev) {
    writer_.add(entry_of(ev));
}

Status Recorder::flush() {
    return writer_.flush();
}

Entry Recorder::entry_of(const http::AuditEvent& ev) const {
    Entry e;
    const Micros now = clock_.now();
    e.id = new_uuid_v7(now);
    e.created_at = now;
    e.action = ev.route.options.audit;
    e.target_type = target_type_of(ev.route.pattern);
    e.status = ev.response.status;
    e.ip = ev.request.remote_ip;
    e.user_agent = bounded(ev.request.header("user-agent").value_or(""));
    e.request_id = ev.ctx.request_id;
    static const json kNothing;
    const json& data = ev.response.data ? *ev.response.data : kNothing;
    if (ev.response.status >= 400)
        e.error_code = string_at(json::parse(ev.response.body, nullptr, false), "error_code");
    if (ev.ctx.principal) {
        const auto& who = *ev.ctx.principal;
        // The account the change is about: the object's own when it names
        // one (a top-up or a sender-id decision by the platform), so the
        // tenant reads it in its log; else the caller's.
        const std::string about = string_at(data, "account_id");
        e.account_id = is_uuid(about) ? AccountId{about} : who.account_id;
        e.actor_user_id = who.user_id;
        e.actor_api_key_id = who.api_key_id;
        e.actor_label = who.user_id.value;
    } else if (data.is_object() && data.contains("user")) {
        // A sign-in that succeeded: the user and the account it opened.
        e.actor_user_id = UserId{string_at(data["user"], "id")};
        e.actor_label = e.actor_user_id->value;
        if (auto account = string_at(data.value("account", json()), "id"); !account.empty())
            e.account_id = AccountId{account};
    } else {
        // An attempt: the email it named, as typed (bounded).
        JsonParseProblem problem;
        const json body = parse_json_bounded(ev.request.body, problem);
        const std::string email = string_at(body, "email");
        e.actor_label = email.empty() ? "anonymous" : bounded(email);
    }
    if (auto id = ev.ctx.path_params.find("id"); id != ev.ctx.path_params.end())
        e.target_id = id->second;
    else if (auto made = string_at(data, "id"); !made.empty())
        e.target_id = made;
    if (data.is_object() && data.value("two_factor_required", false))
        e.error_code = "TWO_FACTOR_PENDING";  // the password passed; a code must follow
    if (ev.ctx.principal && ev.response.status < 300) {
        const bool deleted = ev.request.method == http::Method::kDelete;
        e.changes = changed_fields(ev.before.value_or(json()), deleted ? json() : data);
    }
    return e;
}

}  // namespace ujumbe::audit
