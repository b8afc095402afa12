#include "media/store.h"

namespace ujumbe::media::store {

namespace {

using db::Row;

constexpr const char* kColumns =
    "id, account_id, status, origin, mime_type, kind, sha256, size_bytes, filename, source_id, "
    "channel_id, attempts, next_attempt_at, error, created_by, created_at, updated_at";

Media media_from(const Row& r) {
    Media m;
    m.id = r.id<MediaId>(0);
    m.account_id = r.id<AccountId>(1);
    m.status = r.text(2);
    m.origin = r.text(3);
    m.mime_type = r.text(4);
    m.kind = r.text(5);
    m.sha256 = r.opt_text(6).value_or("");
    m.size_bytes = r.i64(7);
    m.filename = r.opt_text(8);
    m.source_id = r.opt_text(9);
    m.channel_id = r.opt_text(10);
    m.attempts = static_cast<int>(r.i64(11));
    m.next_attempt_at = r.i64(12);
    m.error = r.opt_text(13);
    m.created_by = r.opt_id<UserId>(14);
    m.created_at = r.i64(15);
    m.updated_at = r.i64(16);
    return m;
}

std::optional<std::string> text_or_none(const std::string& s) {
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

Status insert_media(Connection& c, const Media& m) {
    return db::done(c.query(
        std::string("INSERT INTO media (") + kColumns +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
            "$17)",
        {m.id.value, m.account_id.value, m.status, m.origin, m.mime_type, m.kind,
         db::optional_text(text_or_none(m.sha256)), m.size_bytes, db::optional_text(m.filename),
         db::optional_text(m.source_id), db::optional_text(m.channel_id),
         static_cast<std::int64_t>(m.attempts), m.next_attempt_at, db::optional_text(m.error),
         db::optional_id(m.created_by), m.created_at, m.updated_at}));
}

Result<std::optional<Media>> find_media(Connection& c, const AccountId& account,
                                        const MediaId& id) {
    return db::one<Media>(c.query_one(std::string("SELECT ") + kColumns +
                                          " FROM media WHERE id = $1 AND account_id = $2",
                                      {id.value, account.value}),
                          media_from);
}

Result<std::optional<Media>> find_media_any_account(Connection& c, const MediaId& id) {
    return db::one<Media>(
        c.query_one(std::string("SELECT ") + kColumns + " FROM media WHERE id = $1", {id.value}),
        media_from);
}

Result<db::Listing<Media>> list_media(Connection& c, const AccountId& account, const MediaQuery& q,
                                      const db::Paged& page) {
    db::Filter f;
    std::string where = " WHERE account_id = " + f.bind(account.value);
    if (q.kind) where += " AND kind = " + f.bind(*q.kind);
    if (q.status) where += " AND status = " + f.bind(*q.status);
    if (q.origin) where += " AND origin = " + f.bind(*q.origin);
    db::Listing<Media> out;
    UJ_ASSIGN(out.count, db::count_of(c, "SELECT count(*) FROM media" + where, f));
    const std::string sql = std::string("SELECT ") + kColumns + " FROM media" + where +
                            " ORDER BY created_at DESC, id DESC" + db::limit_clause(f, page);
    UJ_ASSIGN(auto result, c.run(sql, f.params()));
    for (const auto& r : result.rows) out.items.push_back(media_from(r));
    return out;
}

Status delete_media(Connection& c, const AccountId& account, const MediaId& id) {
    return db::done(
        c.query("DELETE FROM media WHERE id = $1 AND account_id = $2", {id.value, account.value}));
}

Result<std::vector<DailyBytes>> uploaded_bytes(Connection& c, const AccountId& account,
                                               std::int64_t first_day, std::int64_t past_day) {
    UJ_ASSIGN(auto rows,
              c.query("SELECT created_at / 86400000000, COALESCE(created_by, ''), "
                      "sum(size_bytes) FROM media WHERE account_id = $1 AND "
                      "origin = 'upload' AND created_at >= $2 AND created_at < $3 "
                      "GROUP BY 1, 2 ORDER BY 1, 2",
                      {account.value, first_day * kMicrosPerDay, past_day * kMicrosPerDay}));
    std::vector<DailyBytes> out;
    for (const auto& r : rows.rows)
        out.push_back({.day = r.i64(0), .user_id = r.text(1), .bytes = r.i64(2)});
    return out;
}

Result<std::int64_t> bytes_of_account(Connection& c, const AccountId& account) {
    UJ_ASSIGN(auto row, c.query_one("SELECT COALESCE(sum(size_bytes), 0) FROM media WHERE "
                                    "account_id = $1",
                                    {account.value}));
    return row ? row->i64(0) : 0;
}

Result<std::int64_t> count_sharing_file(Connection& c, const AccountId& account,
                                        const std::string& sha256) {
    UJ_ASSIGN(auto row, c.query_one("SELECT count(*) FROM media WHERE account_id = $1 AND "
                                    "sha256 = $2",
                                    {account.value, sha256}));
    return row ? row->i64(0) : 0;
}

Result<std::vector<Media>> claim_downloads(Connection& c, Micros now, Micros lease_until,
                                           int limit) {
    const bool pg = c.dialect() == db::Dialect::kPostgres;
    UJ_ASSIGN(auto due,
              db::all<Media>(c.query(std::string("SELECT ") + kColumns +
                                         " FROM media WHERE status = 'pending' AND "
                                         "next_attempt_at <= $1 ORDER BY next_attempt_at, id "
                                         "LIMIT $2" +
                                         (pg ? " FOR UPDATE SKIP LOCKED" : ""),
                                     {now, static_cast<std::int64_t>(limit)}),
                             media_from));
    for (auto& m : due) {
        m.next_attempt_at = lease_until;
        UJ_TRY(c.execute("UPDATE media SET next_attempt_at = $2 WHERE id = $1",
                         {m.id.value, lease_until}));
    }
    return due;
}

Status update_download(Connection& c, const Media& m) {
    return db::done(c.query(
        "UPDATE media SET status = $2, mime_type = $3, kind = $4, sha256 = $5, size_bytes = $6, "
        "attempts = $7, next_attempt_at = $8, error = $9, updated_at = $10 WHERE id = $1",
        {m.id.value, m.status, m.mime_type, m.kind, db::optional_text(text_or_none(m.sha256)),
         m.size_bytes, static_cast<std::int64_t>(m.attempts), m.next_attempt_at,
         db::optional_text(m.error), m.updated_at}));
}

}  // namespace ujumbe::media::store
