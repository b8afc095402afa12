// `ujumbe admin <task>`: what an operator does from a shell against the
// database of a configuration, with or without a server running on it
// (docs/admin.md). Each task reads its own options (`--help`), prints what
// it did as lines or, with `--json`, as one JSON object, and exits 0 when
// it did it, 1 when it could not, 2 when it was asked wrongly.

#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/backup.h"
#include "app/commands.h"
#include "app/modules.h"
#include "app/runtime.h"
#include "billing/maintenance.h"
#include "billing/service.h"
#include "channels/builtin_kinds.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/money.h"
#include "core/validate.h"
#include "db/migrations.h"
#include "identity/service.h"
#include "messaging/maintenance.h"
#include "routing/registry.h"
#include "routing/service.h"

namespace ujumbe::app {

namespace {

namespace po = boost::program_options;
using json = nlohmann::json;

// The modules the console's tasks use, without a server around them: no
// mail is sent, no gateway runs (a server starts the gateways it finds).
struct Console {
    struct NoListener final : channels::GatewayListener {
        void on_receipt(const channels::ReceiptReport&, channels::ReportDone) override {}
        void on_inbound(const channels::InboundReport&, channels::ReportDone) override {}
    };

    Console(const Config& config, db::Database& db, const std::string& secret)
        : identity(db, SystemClock::instance(), identity_options(config, secret)),
          billing(db, SystemClock::instance(), identity, billing_options(config)),
          registry(kinds(), listener),
          routing(db, SystemClock::instance(), secret, registry) {
        routing.keep_offline();
    }
    ~Console() { registry.stop(); }

    static const channels::KindRegistry& kinds() {
        static const channels::KindRegistry registry = [] {
            channels::KindRegistry k;
            channels::add_builtin_kinds(k);
            return k;
        }();
        return registry;
    }

    identity::IdentityService identity;
    billing::BillingService billing;
    NoListener listener;
    routing::GatewayRegistry registry;
    routing::RoutingService routing;
};

struct Context {
    const Config& config;
    db::Database* db;  // none for the tasks that open no database
    const po::variables_map& args;
    std::function<Result<Console*>()> console;  // built on first use

    std::string text(const char* name) const {
        return args.count(name) ? args[name].as<std::string>() : std::string();
    }
    std::optional<std::string> optional(const char* name) const {
        if (!args.count(name)) return std::nullopt;
        return args[name].as<std::string>();
    }
};

struct Task {
    const char* name;
    const char* summary;
    std::function<void(po::options_description&)> options;
    bool migrates = true;  // opens the database with pending migrations applied
    std::function<Result<json>(Context&)> run;
    bool opens_database = true;
};

// A password from the first line of standard input (--password-stdin),
// else a new random one, shown once in the answer.
Result<std::pair<std::string, bool>> password_of(const Context& ctx) {
    if (!ctx.args.count("password-stdin")) return std::pair{random_token(15), true};
    std::string line;
    std::getline(std::cin, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    if (line.size() < 10)
        return Error::invalid("password", "Must be at least 10 characters (one line on stdin).");
    return std::pair{line, false};
}

json user_json(const identity::User& u, bool created,
               const std::optional<std::string>& generated = std::nullopt) {
    json out = {{"user_id", u.id.value}, {"email", u.email}, {"created", created}};
    if (generated) out["password"] = *generated;
    return out;
}

Result<Role> role_of(const std::string& name) {
    auto role = parse_role(name);
    if (!role) return Error::invalid("role", "One of owner, admin, agent.");
    return *role;
}

Result<AccountId> account_of(const Context& ctx) {
    const std::string id = ctx.text("account");
    if (id.empty()) return Error::invalid("account", "Required: the account's id.");
    return AccountId{id};
}

void password_option(po::options_description& o) {
    o.add_options()("password-stdin",
                    "read the password from the first line of standard input (else one is "
                    "generated and shown once)");
}

// An account username from a business name: its letters and digits, and a
// random tail so two accounts of one name never collide.
std::string username_from(const std::string& name) {
    std::string out;
    for (unsigned char ch : name) {
        if (std::isalnum(ch))
            out += static_cast<char>(std::tolower(ch));
        else if (!out.empty() && out.back() != '_')
            out += '_';
        if (out.size() >= 24) break;
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    if (out.size() < 3) out = "account";
    std::string suffix = random_token(3);
    for (char& ch : suffix) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out + "_" + suffix;
}

std::vector<Task> tasks() {
    std::vector<Task> out;
    out.push_back(
        {"schema-version", "the database's schema version and this binary's newest", nullptr, false,
         [](Context& ctx) -> Result<json> {
             UJ_ASSIGN(auto state, db::schema_state(*ctx.db));
             return json{
                 {"engine", ctx.db->dialect() == db::Dialect::kSqlite ? "sqlite" : "postgresql"},
                 {"schema_version", state.current_version},
                 {"latest_version", state.latest_version},
                 {"up_to_date", state.current_version == state.latest_version}};
         }});
    out.push_back(
        {"create-admin", "add a platform admin (creates the platform account if none)",
         [](po::options_description& o) {
             o.add_options()("email", po::value<std::string>(), "the admin's email")(
                 "name", po::value<std::string>()->default_value("Platform Admin"),
                 "the admin's name");
             password_option(o);
         },
         true,
         [](Context& ctx) -> Result<json> {
             UJ_ASSIGN(auto* c, ctx.console());
             UJ_ASSIGN(auto password, password_of(ctx));
             UJ_ASSIGN(auto added, c->identity.add_platform_admin(
                                       ctx.text("email"), ctx.text("name"), password.first));
             return user_json(
                 added.user, added.created,
                 added.created && password.second ? std::optional(password.first) : std::nullopt);
         }});
    out.push_back(
        {"reset-admin", "set a platform admin's password and end all of its sessions",
         [](po::options_description& o) {
             o.add_options()("email", po::value<std::string>(), "the admin's email");
             password_option(o);
         },
         true,
         [](Context& ctx) -> Result<json> {
             UJ_ASSIGN(auto* c, ctx.console());
             UJ_ASSIGN(auto password, password_of(ctx));
             UJ_ASSIGN(auto user,
                       c->identity.reset_admin_password(ctx.text("email"), password.first));
             return user_json(user, false,
                              password.second ? std::optional(password.first) : std::nullopt);
         }});
    out.push_back(
        {"create-account", "create a business or reseller account with its owner",
         [](po::options_description& o) {
             o.add_options()("name", po::value<std::string>(), "the business's name")(
                 "owner-email", po::value<std::string>(), "the owner's email")(
                 "owner-name", po::value<std::string>()->default_value("Owner"),
                 "the owner's name")("username", po::value<std::string>(),
                                     "the account's username (default: from the name)")(
                 "type", po::value<std::string>()->default_value("business"),
                 "business or reseller")("country", po::value<std::string>()->default_value(""),
                                         "ISO 3166 country code");
             password_option(o);
         },
         true,
         [](Context& ctx) -> Result<json> {
             UJ_ASSIGN(auto* c, ctx.console());
             identity::ChildInput in;
             in.business_name = ctx.text("name");
             if (in.business_name.empty()) return Error::invalid("name", "Required.");
             in.owner_email = ctx.text("owner-email");
             if (!is_valid_email(in.owner_email))
                 return Error::invalid("owner-email", "Must be an email address.");
             in.owner_name = ctx.text("owner-name");
             in.contact_email = in.owner_email;
             in.country = ctx.text("country");
             const std::string type = ctx.text("type");
             if (type != "business" && type != "reseller")
                 return Error::invalid("type", "business or reseller.");
             in.account_type = type == "reseller" ? AccountType::kReseller : AccountType::kBusiness;
             in.business_username =
                 ctx.optional("username").value_or(username_from(in.business_name));
             const bool username_ok = in.business_username.size() >= 3 &&
                                      in.business_username.size() <= 50 &&
                                      std::all_of(in.business_username.begin(),
                                                  in.business_username.end(), [](unsigned char ch) {
                                                      return std::islower(ch) || std::isdigit(ch) ||
                                                             ch == '_' || ch == '.' || ch == '-';
                                                  });
             if (!username_ok)
                 return Error::invalid("username",
                                       "3 to 50 lower-case letters, digits, '_', '.' or '-'.");
             UJ_ASSIGN(auto password, password_of(ctx));
             in.owner_password = password.first;
             UJ_ASSIGN(auto who, c->identity.platform_principal());
             UJ_ASSIGN(auto made, c->identity.create_child(who, in));
             json out = {{"account_id", made.account.id.value},
                         {"name", made.account.business_name},
                         {"username", made.account.business_username.value_or("")},
                         {"type", type},
                         {"owner", user_json(made.owner, true,
                                             password.second ? std::optional(password.first)
                                                             : std::nullopt)}};
             return out;
         }});
    out.push_back(
        {"create-user", "add a user to an account with a role, without an invitation",
         [](po::options_description& o) {
             o.add_options()("account", po::value<std::string>(), "the account's id")(
                 "email", po::value<std::string>(), "the user's email")(
                 "name", po::value<std::string>()->default_value(""), "the user's name")(
                 "role", po::value<std::string>()->default_value("agent"), "owner, admin or agent");
             password_option(o);
         },
         true,
         [](Context& ctx) -> Result<json> {
             UJ_ASSIGN(auto* c, ctx.console());
             UJ_ASSIGN(auto account, account_of(ctx));
             UJ_ASSIGN(auto role, role_of(ctx.text("role")));
             UJ_ASSIGN(auto password, password_of(ctx));
             const std::string email = ctx.text("email");
             const std::string name = ctx.text("name");
             UJ_ASSIGN(auto added,
                       c->identity.add_member_directly(account, email, name.empty() ? email : name,
                                                       role, password.first));
             json out = user_json(
                 added.user, added.created,
                 added.created && password.second ? std::optional(password.first) : std::nullopt);
             out["account_id"] = account.value;
             out["role"] = std::string(role_name(role));
             return out;
         }});
    out.push_back(
        {"list-api-keys", "an account's API keys (never the keys themselves)",
         [](po::options_description& o) {
             o.add_options()("account", po::value<std::string>(), "the account's id");
         },
         true,
         [](Context& ctx) -> Result<json> {
             UJ_ASSIGN(auto* c, ctx.console());
             UJ_ASSIGN(auto account, account_of(ctx));
             UJ_ASSIGN(auto who, c->identity.owner_principal(account));
             json keys = json::array();
             for (std::int64_t offset = 0;; offset += 100) {
                 UJ_ASSIGN(auto page,
                           c->identity.list_api_keys(who, {.limit = 100, .offset = offset}));
                 for (const auto& k : page.items)
                     keys.push_back(
                         {{"id", k.id.value},
                          {"name", k.name},
                          {"prefix", k.prefix},
                          {"scopes", k.scopes},
                          {"created_at", format_iso8601(k.created_at)},
                          {"last_used_at",
                           k.last_used_at ? json(format_iso8601(*k.last_used_at)) : json(nullptr)},
                          {"revoked", k.revoked_at.has_value()}});
                 if (page.items.size() < 100) break;
             }
             return json{{"account_id", account.value}, {"api_keys", std::move(keys)}};
         }});
    out.push_back({"disable-api-key", "revoke an API key of an account",
                   [](po::options_description& o) {
                       o.add_options()("account", po::value<std::string>(), "the account's id")(
                           "key", po::value<std::string>(), "the API key's id");
                   },
                   true,
                   [](Context& ctx) -> Result<json> {
                       UJ_ASSIGN(auto* c, ctx.console());
                       UJ_ASSIGN(auto account, account_of(ctx));
                       UJ_ASSIGN(auto who, c->identity.owner_principal(account));
                       const ApiKeyId key{ctx.text("key")};
                       UJ_TRY(c->identity.revoke_api_key(who, key));
                       return json{{"api_key_id", key.value}, {"revoked", true}};
                   }});
    out.push_back(
        {"add-gateway", "store a gateway (a running server starts it when it next starts)",
         [](po::options_description& o) {
             o.add_options()("name", po::value<std::string>(), "the gateway's name")(
                 "kind", po::value<std::string>(), "smpp, http, smtp, sandbox, ...")(
                 "settings", po::value<std::string>()->default_value("{}"),
                 "the kind's settings as a JSON object")("inactive", "store it switched off");
         },
         true,
         [](Context& ctx) -> Result<json> {
             UJ_ASSIGN(auto* c, ctx.console());
             routing::GatewayInput in;
             in.name = ctx.optional("name");
             in.kind = ctx.optional("kind");
             json settings = json::parse(ctx.text("settings"), nullptr, false);
             if (!settings.is_object()) return Error::invalid("settings", "Must be a JSON object.");
             in.settings = std::move(settings);
             in.is_active = !ctx.args.count("inactive");
             UJ_ASSIGN(auto who, c->identity.platform_principal());
             UJ_ASSIGN(auto g, c->routing.create_gateway(who, in));
             return json{{"gateway_id", g.id.value},
                         {"name", g.name},
                         {"kind", g.kind},
                         {"is_active", g.is_active}};
         }});
    out.push_back(
        {"add-route", "store a routing rule to a gateway (taken up as add-gateway's are)",
         [](po::options_description& o) {
             o.add_options()("name", po::value<std::string>(), "the rule's name")(
                 "gateway", po::value<std::string>(), "the gateway's id")(
                 "prefix", po::value<std::string>(), "numbers starting with these digits")(
                 "country", po::value<std::string>(), "numbers of this country (ISO 3166)")(
                 "channel", po::value<std::string>()->default_value("sms"),
                 "sms, whatsapp or email")("priority", po::value<int>()->default_value(100),
                                           "higher rules are tried first");
         },
         true,
         [](Context& ctx) -> Result<json> {
             UJ_ASSIGN(auto* c, ctx.console());
             routing::RouteInput in;
             in.name = ctx.optional("name");
             in.prefix = ctx.optional("prefix");
             in.country = ctx.optional("country");
             in.channel = ctx.text("channel");
             in.priority = ctx.args["priority"].as<int>();
             const std::string gateway = ctx.text("gateway");
             if (gateway.empty()) return Error::invalid("gateway", "Required: the gateway's id.");
             in.gateways = std::vector<routing::RouteTarget>{{GatewayId{gateway}, 1}};
             UJ_ASSIGN(auto who, c->identity.platform_principal());
             UJ_ASSIGN(auto rule, c->routing.create_route(who, in));
             return json{
                 {"route_id", rule.id.value}, {"name", rule.name}, {"priority", rule.priority}};
         }});
    out.push_back(
        {"topup", "credit an account's wallet (one reference, one top-up)",
         [](po::options_description& o) {
             o.add_options()("account", po::value<std::string>(), "the account's id")(
                 "amount", po::value<std::string>(), "the amount, e.g. 25.50")(
                 "reference", po::value<std::string>(),
                 "names the top-up; repeating it does not credit twice (default: new)")(
                 "description", po::value<std::string>()->default_value("Top-up by the operator"),
                 "shown in the ledger");
         },
         true,
         [](Context& ctx) -> Result<json> {
             UJ_ASSIGN(auto* c, ctx.console());
             UJ_ASSIGN(auto account, account_of(ctx));
             const auto amount = parse_money(ctx.text("amount"));
             if (!amount || *amount <= 0)
                 return Error::invalid("amount", "A positive amount such as 25.50.");
             billing::MoneyMove in{
                 .account_id = account,
                 .amount = *amount,
                 .reference = ctx.optional("reference").value_or("admin-" + random_token(8)),
                 .description = ctx.text("description")};
             UJ_ASSIGN(auto who, c->identity.platform_principal());
             UJ_ASSIGN(auto moved, c->billing.topup(who, in));
             return json{{"account_id", account.value},
                         {"entry_id", moved.entry.id.value},
                         {"amount", money_json(moved.entry.amount)},
                         {"balance", money_json(moved.entry.balance_after)},
                         {"currency", moved.entry.currency},
                         {"reference", in.reference},
                         {"replayed", moved.replayed}};
         }});
    // A database file, copied or put back: these open none (restore
    // writes it, backup reads it from SQLite's side while a server runs).
    out.push_back(
        {"backup", "copy the SQLite database to a new file, while the server runs",
         [](po::options_description& o) {
             o.add_options()("file", po::value<std::string>()->required(),
                             "the backup file to write (must not exist)");
         },
         false, [](Context& ctx) { return backup_database(ctx.config, ctx.text("file")); }, false});
    out.push_back({"restore", "put a backup in place as the database of an empty data directory",
                   [](po::options_description& o) {
                       o.add_options()("file", po::value<std::string>()->required(),
                                       "the backup file")(
                           "secret-file", po::value<std::string>(),
                           "the original server's secret.key (unless secret_key is configured)")(
                           "new-secret",
                           "go on without the original secret (its tokens and stored "
                           "gateway and webhook secrets become unreadable)");
                   },
                   false,
                   [](Context& ctx) {
                       return restore_database(ctx.config, ctx.text("file"),
                                               {.file = ctx.optional("secret-file"),
                                                .new_one = ctx.args.count("new-secret") > 0});
                   },
                   false});
    const auto maintenance = [&out](const char* name, const char* summary,
                                    std::function<Result<std::int64_t>(Context&)> fn) {
        out.push_back({name, summary, nullptr, true, [fn](Context& ctx) -> Result<json> {
                           UJ_ASSIGN(auto rows, fn(ctx));
                           return json{{"rows", rows}};
                       }});
    };
    maintenance("rebuild-rollups", "recount the message statistics and the ledger's daily totals",
                [](Context& ctx) -> Result<std::int64_t> {
                    UJ_ASSIGN(auto messages, messaging::rebuild_rollups(*ctx.db));
                    UJ_ASSIGN(auto ledger, billing::rebuild_ledger_rollups(*ctx.db));
                    return messages + ledger;
                });
    maintenance("rebuild-search", "index every message for search again (SQLite, after VACUUM)",
                [](Context& ctx) { return messaging::rebuild_search(*ctx.db); });
    maintenance("apply-retention",
                "blank and delete the messages past their retention, and fold final "
                "messages' events and receipts into them, now",
                [](Context& ctx) -> Result<std::int64_t> {
                    PlanRetention plans(*ctx.db);
                    messaging::Retention retention(*ctx.db, SystemClock::instance(),
                                                   retention_options(ctx.config), &plans);
                    UJ_ASSIGN(auto pass, retention.apply());
                    return pass.redacted + pass.purged + pass.folded;
                });
    return out;
}

void usage(std::ostream& out, const std::vector<Task>& all) {
    out << "Usage: ujumbe [--config FILE] admin <task> [options] [--json]\n"
           "       ujumbe admin <task> --help\nTasks:\n";
    for (const auto& t : all) {
        std::string name = t.name;
        name.resize(18, ' ');
        out << "  " << name << t.summary << "\n";
    }
    out << "Exit status: 0 done, 1 could not be done, 2 asked wrongly.\n";
}

// The answer as lines of "key: value" (nested objects indented).
void print_text(std::ostream& out, const json& value, int indent = 0) {
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    if (value.is_array()) {
        for (const auto& item : value) {
            out << pad << "-\n";
            print_text(out, item, indent + 2);
        }
        return;
    }
    for (const auto& [key, v] : value.items()) {
        if (v.is_object() || (v.is_array() && !v.empty() && v.front().is_object())) {
            out << pad << key << ":\n";
            print_text(out, v, indent + 2);
        } else {
            out << pad << key << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
        }
    }
}

int fail(bool as_json, const Error& e, const std::string& task) {
    if (as_json) {
        json fields = json::object();
        for (const auto& [field, messages] : e.errors) fields[field] = messages;
        std::cout << json{{"error",
                           {{"code", e.error_code},
                            {"message", e.message},
                            {"fields", std::move(fields)}}}}
                         .dump()
                  << "\n";
    } else {
        std::cerr << "ujumbe admin " << task << ": " << e.message << "\n";
    }
    // A value named wrongly (a field error) is asked wrongly, whatever refused it.
    return e.code == ErrorCode::kInvalidArgument || !e.errors.empty() ? 2 : 1;
}

}  // namespace

int admin(const Config& config, const std::vector<std::string>& args) {
    const auto all = tasks();
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        usage(args.empty() ? std::cerr : std::cout, all);
        return args.empty() ? 2 : 0;
    }
    const Task* task = nullptr;
    for (const auto& t : all)
        if (args[0] == t.name) task = &t;
    if (!task) {
        std::cerr << "ujumbe admin: no task '" << args[0] << "'\n";
        usage(std::cerr, all);
        return 2;
    }
    po::options_description options(std::string("Usage: ujumbe admin ") + task->name +
                                    " [options]\n" + task->summary + "\nOptions");
    options.add_options()("help,h", "show this help")("json", "print the answer as JSON");
    if (task->options) task->options(options);
    po::variables_map vars;
    try {
        const po::positional_options_description none;  // a stray word is an error
        po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end()))
                      .options(options)
                      .positional(none)
                      .run(),
                  vars);
        po::notify(vars);
    } catch (const po::error& e) {
        std::cerr << "ujumbe admin " << task->name << ": " << e.what() << "\n" << options << "\n";
        return 2;
    }
    if (vars.count("help")) {
        std::cout << options << "\n";
        return 0;
    }
    const bool as_json = vars.count("json") > 0;
    if (auto s = prepare_data_dir(config); !s) return fail(as_json, s.error(), task->name);
    std::unique_ptr<db::Database> db;
    if (task->opens_database) {
        auto opened = open_database(config, task->migrates);
        if (!opened) return fail(as_json, opened.error(), task->name);
        db = std::move(*opened);
    }
    std::unique_ptr<Console> console;
    Context ctx{config, db.get(), vars, [&]() -> Result<Console*> {
                    if (!console) {
                        UJ_ASSIGN(auto secret, server_secret(config));
                        console = std::make_unique<Console>(config, *db, secret);
                    }
                    return console.get();
                }};
    auto answer = task->run(ctx);
    console.reset();
    if (db) db->stop();
    if (!answer) return fail(as_json, answer.error(), task->name);
    if (as_json)
        std::cout << answer->dump() << "\n";
    else
        print_text(std::cout, *answer);
    return 0;
}

}  // namespace ujumbe::app
