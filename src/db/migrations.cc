#include "db/migrations.h"

#include "core/clock.h"
#include "core/log.h"

namespace ujumbe::db {

namespace {

constexpr std::int64_t kMigrationLockKey = 0x756a756d6265;  // "ujumbe"

Result<int> current_version(Connection& c) {
    UJ_TRY(
        c.run_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                     "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
    UJ_ASSIGN(auto row, c.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    return static_cast<int>(row ? row->i64(0) : 0);
}

// The version without creating the table: 0 for a database never migrated
// (the read-only looks of dry runs and checks).
Result<int> version_if_any(Connection& c) {
    UJ_ASSIGN(auto table,
              c.query_one(c.dialect() == Dialect::kSqlite
                              ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                                "name = 'schema_migrations'"
                              : "SELECT COUNT(*) FROM pg_tables WHERE schemaname = "
                                "current_schema() AND tablename = 'schema_migrations'"));
    if (!table || table->i64(0) == 0) return 0;
    UJ_ASSIGN(auto row, c.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    return static_cast<int>(row ? row->i64(0) : 0);
}

// A database a newer binary migrated: this one does not know its schema.
Status refuse_newer(int current, const std::vector<Migration>& migrations) {
    const int latest = migrations.empty() ? 0 : migrations.back().version;
    if (current <= latest) return {};
    return Error::invalid("database",
                          "The database's schema version is " + std::to_string(current) +
                              ", newer than this binary's " + std::to_string(latest) +
                              ": a newer ujumbe migrated it. Run that version (or newer); "
                              "schema changes are never undone.");
}

const std::vector<Migration>& migrations_of(const Connection& c) {
    return c.dialect() == Dialect::kSqlite ? sqlite_migrations() : postgres_migrations();
}

Result<MigrationReport> apply_all(Connection& c, const std::vector<Migration>& migrations) {
    MigrationReport report;
    UJ_ASSIGN(report.current_version, current_version(c));
    UJ_TRY(refuse_newer(report.current_version, migrations));
    for (const Migration& m : migrations) {
        if (m.version <= report.current_version) continue;
        UJ_TRY(in_transaction(c, [&]() -> Status {
            UJ_TRY(c.run_script(m.sql));
            UJ_TRY(c.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                {std::int64_t{m.version}, std::string(m.name), SystemClock::instance().now()}));
            return {};
        }));
        log::info("migration applied", {{"version", m.version}, {"name", m.name}});
        report.current_version = m.version;
        ++report.applied;
    }
    return report;
}

}  // namespace

Result<MigrationReport> migrate(Database& db) {
    return db.on_writer([&](Connection& c) -> Result<MigrationReport> {
        if (c.dialect() == Dialect::kSqlite) return apply_all(c, sqlite_migrations());
        UJ_TRY(c.query("SELECT pg_advisory_lock($1)", {kMigrationLockKey}));
        auto report = apply_all(c, postgres_migrations());
        (void)c.query("SELECT pg_advisory_unlock($1)", {kMigrationLockKey});
        return report;
    });
}

Result<SchemaState> schema_state(Database& db) {
    UJ_ASSIGN(const int current,
              db.on_writer([](Connection& c) -> Result<int> { return version_if_any(c); }));
    const auto& known =
        db.dialect() == Dialect::kSqlite ? sqlite_migrations() : postgres_migrations();
    SchemaState out;
    out.current_version = current;
    out.latest_version = known.empty() ? 0 : known.back().version;
    for (const auto& m : known)
        if (m.version > current) out.pending.push_back(m);
    return out;
}

Status check_not_newer(Database& db) {
    return db.on_writer([&](Connection& c) -> Status {
        UJ_ASSIGN(auto current, version_if_any(c));
        return refuse_newer(current, migrations_of(c));
    });
}

}  // namespace ujumbe::db
