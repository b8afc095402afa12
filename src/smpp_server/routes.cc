// HTTP handlers of SMPP accounts: read and check input, call the service,
// shape the answer. No SQL and no business rules here.

#include "smpp_server/routes.h"

#include "core/ids.h"
#include "http/envelope.h"
#include "http/input.h"
#include "http/pagination.h"
#include "http/schema.h"

namespace ujumbe::smpp_server {

namespace {

using http::Fields;
using http::Method;
using http::Need;
using http::Request;
using http::RequestContext;
using http::Response;
using json = nlohmann::json;

json account_json(const SmppAccount& a) {
    json binds = json::array();
    for (auto b : a.binds) binds.push_back(bind_name(b));
    return {{"id", a.id.value},
            {"account_id", a.account_id.value},
            {"system_id", a.system_id},
            {"binds", std::move(binds)},
            {"allowed_ips", a.allowed_ips},
            {"throughput", a.throughput},
            {"is_active", a.is_active},
            {"created_at", format_iso8601(a.created_at)},
            {"updated_at", format_iso8601(a.updated_at)}};
}

json issued_json(const IssuedCredential& issued) {
    json out = account_json(issued.account);
    out["password"] = issued.password;
    return out;
}

// The schemas of account_json() and issued_json(), and of the body
// read_input() reads (the OpenAPI document).
void define_schemas(http::Router& router) {
    using namespace http::schema;
    const json binds = array_of(one_of({"transmitter", "receiver", "transceiver"}));
    router.define_schema("SmppAccount", object({{"id", text()},
                                                {"account_id", text()},
                                                {"system_id", text()},
                                                {"binds", binds},
                                                {"allowed_ips", array_of(text())},
                                                {"throughput", integer()},
                                                {"is_active", boolean()},
                                                {"created_at", time()},
                                                {"updated_at", time()}}));
    router.define_schema(
        "SmppAccountDetail",
        {{"allOf", {ref("SmppAccount"), object({{"pending_deliveries", integer()}})}},
         {"description", "With the deliveries waiting for its receivers."}});
    router.define_schema("SmppAccountCredential",
                         {{"allOf", {ref("SmppAccount"), object({{"password", text()}})}},
                          {"description", "The password is shown here once, never again."}});
    // The parser reads a null field as an absent one.
    const auto maybe = [](json s) { return nullable(std::move(s)); };
    json update = object({{"system_id", maybe(text())},
                          {"binds", maybe(binds)},
                          {"allowed_ips", maybe(array_of(text()))},
                          {"throughput", maybe(integer())},
                          {"is_active", maybe(boolean())}},
                         {"system_id", "binds", "allowed_ips", "throughput", "is_active"});
    json create = update;
    create["properties"]["system_id"] = text();
    create["required"] = json::array({"system_id"});
    router.define_schema("SmppAccountCreateRequest", std::move(create));
    router.define_schema("SmppAccountUpdateRequest", std::move(update));
}

Result<SmppAccountInput> read_input(const Request& req, Need need) {
    UJ_ASSIGN(auto body, http::parse_json_object(req));
    Fields f(body);
    SmppAccountInput in;
    in.system_id = f.text("system_id", need, 1, 15);
    if (auto binds = f.string_list("binds", Need::kOptional, 3)) {
        std::vector<BindKind> kinds;
        for (const auto& name : *binds) {
            auto kind = parse_bind(name);
            if (!kind) {
                f.fail("binds", "Each is transmitter, receiver or transceiver.");
                break;
            }
            if (std::find(kinds.begin(), kinds.end(), *kind) == kinds.end()) kinds.push_back(*kind);
        }
        if (binds->empty()) f.fail("binds", "At least one kind of bind.");
        in.binds = std::move(kinds);
    }
    if (auto ips = f.string_list("allowed_ips", Need::kOptional, 50)) {
        for (const auto& entry : *ips)
            if (!valid_allow_entry(entry)) {
                f.fail("allowed_ips", "Each is an IP address or a CIDR block (10.0.0.0/8).");
                break;
            }
        in.allowed_ips = std::move(*ips);
    }
    if (auto tps = f.integer("throughput", Need::kOptional, 1, 10000))
        in.throughput = static_cast<int>(*tps);
    in.is_active = f.boolean("is_active", Need::kOptional);
    UJ_TRY(f.check());
    return in;
}

Result<SmppAccountId> id_param(RequestContext& ctx) {
    const std::string id = ctx.param("id");
    if (!is_uuid(id)) return Error::not_found("SMPP account");
    return SmppAccountId{id};
}

Result<Response> list(SmppAccountsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto page, http::page_window(req));
    UJ_ASSIGN(auto listing, s.list(ctx.who(), page));
    json results = json::array();
    for (const auto& a : listing.items) results.push_back(account_json(a));
    return http::page_response(req, std::move(results), listing.count);
}

Result<Response> create(SmppAccountsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto in, read_input(req, Need::kRequired));
    UJ_ASSIGN(auto issued, s.create(ctx.who(), in));
    return http::created(issued_json(issued));
}

Result<Response> get(SmppAccountsService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_ASSIGN(auto a, s.get(ctx.who(), id));
    UJ_ASSIGN(auto pending, s.pending_deliveries(ctx.who(), id));
    json out = account_json(a);
    out["pending_deliveries"] = pending;
    return http::ok(std::move(out));
}

Result<Response> update(SmppAccountsService& s, RequestContext& ctx, const Request& req) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_ASSIGN(auto in, read_input(req, Need::kOptional));
    UJ_ASSIGN(auto a, s.update(ctx.who(), id, in));
    return http::ok(account_json(a));
}

Result<Response> remove(SmppAccountsService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_TRY(s.remove(ctx.who(), id));
    return http::ok({{"id", id.value}, {"deleted", true}}, 200, "SMPP account deleted");
}

Result<Response> reset_password(SmppAccountsService& s, RequestContext& ctx, const Request&) {
    UJ_ASSIGN(auto id, id_param(ctx));
    UJ_ASSIGN(auto issued, s.reset_password(ctx.who(), id));
    return http::ok(issued_json(issued));
}

}  // namespace

void add_routes(http::Router& router, SmppAccountsService& s) {
    const auto bind = [&s](auto fn) {
        return [&s, fn](RequestContext& ctx, const Request& req) { return fn(s, ctx, req); };
    };
    const std::string b = "/api/v1/smpp-accounts";
    const http::RouteOptions read{.scope = "smpp:read"};
    const http::RouteOptions write{.scope = "smpp:write"};
    using http::documented;
    define_schemas(router);
    router.add(Method::kGet, b, bind(list),
               documented(read, {.summary = "List the account's SMPP client accounts",
                                 .response = "SmppAccount",
                                 .list = true}));
    router.add(Method::kPost, b, bind(create),
               documented(write, {.summary = "Create an SMPP client account (with its password)",
                                  .response = "SmppAccountCredential",
                                  .success = {201},
                                  .request = "SmppAccountCreateRequest"}));
    router.add(Method::kGet, b + "/{id}", bind(get),
               documented(read, {.summary = "Show an SMPP client account",
                                 .response = "SmppAccountDetail"}));
    const auto update_doc = documented(write, {.summary = "Change an SMPP client account",
                                               .response = "SmppAccount",
                                               .request = "SmppAccountUpdateRequest"});
    router.add(Method::kPut, b + "/{id}", bind(update), update_doc);
    router.add(Method::kPatch, b + "/{id}", bind(update), update_doc);
    router.add(
        Method::kDelete, b + "/{id}", bind(remove),
        documented(write, {.summary = "Delete an SMPP client account", .response = "Deleted"}));
    router.add(Method::kPost, b + "/{id}/reset-password", bind(reset_password),
               documented(write, {.summary = "Issue a new password for an SMPP client account",
                                  .response = "SmppAccountCredential",
                                  .success = {200},
                                  .no_body = true}));
}

}  // namespace ujumbe::smpp_server
