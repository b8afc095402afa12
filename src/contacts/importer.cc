#include "contacts/importer.h"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <deque>
#include <filesystem>
#include <future>
#include <unordered_map>
#include <unordered_set>

#include "contacts/normalize.h"
#include "contacts/store.h"
#include "contacts/views.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/open_file.h"
#include "core/thread_name.h"
#include "core/validate.h"
#include "db/event_outbox.h"
#include "formats/csv.h"
#include "formats/phone.h"

namespace ujumbe::contacts {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxRowText = 1000;
// Imports that wrote this many contacts leave the tables tidied for reading.
constexpr std::int64_t kTidyAfterRows = 10'000;

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string record_text(const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t i = 0; i < fields.size() && out.size() < kMaxRowText; ++i) {
        if (i) out += ',';
        formats::csv::append_plain_field(out, fields[i]);
    }
    if (out.size() > kMaxRowText) out.resize(kMaxRowText);
    // Cutting may split a UTF-8 sequence or the input was not UTF-8 at all:
    // keep the report valid UTF-8.
    if (!is_clean_text(out))
        for (auto& ch : out)
            if (static_cast<unsigned char>(ch) >= 0x80 || static_cast<unsigned char>(ch) < 0x20)
                ch = '?';
    return out;
}

}  // namespace

ImportRow parse_import_row(const std::vector<std::string>& fields, std::int64_t line,
                           const json& columns, const std::string& country) {
    ImportRow row;
    row.line = line;
    // Kept for every row: a valid row may still be skipped or fail its merge.
    row.row_text = record_text(fields);
    auto fail = [&](std::string why) {
        row.failure = std::move(why);
        return row;
    };
    if (fields.size() != columns.size())
        return fail("The row has " + std::to_string(fields.size()) + " fields; the header has " +
                    std::to_string(columns.size()) + ".");
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto& column = columns[i].get_ref<const std::string&>();
        if (column == "ignore") continue;
        // A cell an export guarded against spreadsheet formulas reads back as it was.
        const std::string_view value = formats::csv::without_formula_guard(trim(fields[i]));
        if (!is_clean_text(value))
            return fail("Column " + std::to_string(i + 1) +
                        " is not UTF-8 text or has control characters.");
        if (value.empty()) continue;
        if (column == "name") {
            if (utf8_length(value) > kMaxName) return fail("name: at most 200 characters.");
            row.name = std::string(value);
        } else if (column == "phone_e164") {
            std::string problem;
            row.phone = formats::normalize_phone(value, country, &problem);
            if (!row.phone) return fail("phone_e164: " + problem);
        } else if (column == "email") {
            std::string email(value);
            for (auto& ch : email)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (!is_valid_email(email)) return fail("email: not a valid address.");
            row.email = std::move(email);
        } else if (column == "tags") {
            std::string problem;
            auto tags = normalize_tags(split_tags(value), &problem);
            if (!tags) return fail("tags: " + problem);
            add_tags(row.tags, *tags);
        } else if (column == "attributes") {
            JsonParseProblem problem;
            auto parsed = parse_json_bounded(value, problem);
            if (!parsed.is_object()) return fail("attributes: must be a JSON object.");
            for (auto& [k, v] : parsed.items()) row.attributes[k] = v;
        } else if (column == "is_active" || column == "is_opted_in") {
            auto flag = parse_flag(value);
            if (!flag) return fail(column + ": must be true or false.");
            (column == "is_active" ? row.is_active : row.is_opted_in) = *flag;
        } else if (column.rfind("attributes.", 0) == 0) {
            // A CSV cell is text; typed values come in the `attributes` JSON column.
            row.attributes[column.substr(11)] = std::string(value);
        }
    }
    if (auto p = check_attributes(row.attributes)) return fail(p->field + ": " + p->problem);
    if (!row.phone && !row.email) return fail("The row has no phone and no email.");
    return row;
}

namespace {

// The batch's view of the account's contacts: those stored that the batch
// touches, and those it creates, found by phone and by email.
class BatchContacts {
public:
    void add_stored(Contact c) {
        stored_emails_.push_back(c.email);
        stored_.push_back(std::move(c));
        index(&stored_.back());
    }
    Contact* add_new(Contact c) {
        created_.push_back(std::move(c));
        index(&created_.back());
        return &created_.back();
    }
    Contact* by_phone(const std::string& p) { return find(phones_, p); }
    Contact* by_email(const std::string& e) { return find(emails_, e); }
    void index(Contact* c) {
        if (c->phone_e164) phones_[*c->phone_e164] = c;
        if (c->email) emails_[*c->email] = c;
    }
    // A merge replaced the contact's email: the old one leads nowhere now.
    void forget_email(const std::string& e) { emails_.erase(e); }
    void touch(Contact* c) { touched_.insert(c); }

    std::vector<const Contact*> created() const {
        std::vector<const Contact*> out;
        for (const auto& c : created_) out.push_back(&c);
        return out;
    }
    // Stored contacts whose email the batch changes: their old addresses must
    // be free before a created or updated contact takes them.
    std::vector<const Contact*> emails_released() const {
        std::vector<const Contact*> out;
        for (std::size_t i = 0; i < stored_.size(); ++i)
            if (touched_.count(&stored_[i]) && stored_emails_[i] &&
                stored_emails_[i] != stored_[i].email)
                out.push_back(&stored_[i]);
        return out;
    }
    std::vector<const Contact*> updated() const {
        std::vector<const Contact*> out;
        for (const auto& c : stored_)
            if (touched_.count(&c)) out.push_back(&c);
        return out;
    }

private:
    static Contact* find(std::unordered_map<std::string, Contact*>& m, const std::string& k) {
        auto it = m.find(k);
        return it == m.end() ? nullptr : it->second;
    }
    std::deque<Contact> stored_;
    std::vector<std::optional<std::string>> stored_emails_;  // as read, by position
    std::deque<Contact> created_;                            // deques keep pointers stable
    std::unordered_map<std::string, Contact*> phones_, emails_;
    std::unordered_set<const Contact*> touched_;
};

// Merges a row into a contact (on_existing=update): given values replace,
// attributes merge, tags add. Empty: done; else why the row fails.
std::string merge_row(BatchContacts& batch, Contact& c, const ImportRow& row) {
    if (row.phone && row.phone != c.phone_e164) {
        if (Contact* other = batch.by_phone(*row.phone); other && other != &c)
            return "phone_e164: belongs to another contact.";
        if (c.phone_e164) return "phone_e164: the contact matched by email has another phone.";
        c.phone_e164 = row.phone;
    }
    if (row.email && row.email != c.email) {
        if (Contact* other = batch.by_email(*row.email); other && other != &c)
            return "email: belongs to another contact.";
        if (c.email) batch.forget_email(*c.email);
        c.email = row.email;
    }
    if (row.name) c.name = *row.name;
    for (const auto& [k, v] : row.attributes.items()) c.attributes[k] = v;
    if (auto p = check_attributes(c.attributes)) return p->field + ": " + p->problem;
    add_tags(c.tags, row.tags);
    if (c.tags.size() > kMaxTags) return "tags: more than 50 on the contact.";
    if (row.is_active) c.is_active = *row.is_active;
    batch.index(&c);
    return {};
}

}  // namespace

Result<BatchTally> apply_import_rows(db::Connection& c, const ImportJob& job,
                                     const std::vector<ImportRow>& rows, Micros now,
                                     bool may_touch_stored) {
    std::vector<std::string> phones, emails;
    for (const auto& r : rows) {
        if (!r.failure.empty()) continue;
        if (r.phone) phones.push_back(*r.phone);
        if (r.email) emails.push_back(*r.email);
    }
    UJ_TRY(store::defer_contact_counts(c));
    BatchContacts batch;
    UJ_ASSIGN(auto stored, store::find_matching(c, job.account_id, phones, emails));
    if (!may_touch_stored && !stored.empty())
        return Error::conflict(kImportLaneBusy, "the batch meets stored contacts");
    for (auto& s : stored) batch.add_stored(std::move(s));

    std::vector<ImportRowError> errors;
    std::vector<ConsentEvent> consents;
    const bool skip_existing = job.options.on_existing == "skip";
    BatchTally tally;
    for (const auto& row : rows) {
        ++tally.rows_processed;
        if (!row.failure.empty()) {
            ++tally.failed;
            errors.push_back({row.line, "failed", row.failure, row.row_text});
            continue;
        }
        Contact* match = row.phone ? batch.by_phone(*row.phone) : nullptr;
        if (!match && row.email) match = batch.by_email(*row.email);
        if (match && skip_existing) {
            ++tally.skipped;
            errors.push_back(
                {row.line, "skipped",
                 "A contact with this " +
                     std::string(row.phone && match->phone_e164 == row.phone ? "phone" : "email") +
                     " exists.",
                 row.row_text});
            continue;
        }
        if (match) {
            Contact before = *match;
            if (auto why = merge_row(batch, *match, row); !why.empty()) {
                *match = std::move(before);
                batch.index(match);  // the email merge_row forgot, if any
                ++tally.failed;
                errors.push_back({row.line, "failed", why, row.row_text});
                continue;
            }
            add_tags(match->tags, job.options.tags);
            match->updated_at = now;
            batch.touch(match);
            ++tally.updated;
        } else {
            Contact fresh;
            fresh.id = ContactId{new_uuid_v7()};
            fresh.account_id = job.account_id;
            fresh.name = row.name.value_or("");
            fresh.phone_e164 = row.phone;
            fresh.email = row.email;
            fresh.attributes = row.attributes;
            fresh.tags = row.tags;
            add_tags(fresh.tags, job.options.tags);
            if (fresh.tags.size() > kMaxTags) {
                ++tally.failed;
                errors.push_back({row.line, "failed", "tags: more than 50.", row.row_text});
                continue;
            }
            fresh.is_active = row.is_active.value_or(true);
            fresh.created_at = fresh.updated_at = now;
            match = batch.add_new(std::move(fresh));
            ++tally.created;
        }
        if (row.is_opted_in && *row.is_opted_in != match->is_opted_in)
            consents.push_back(change_consent(*match, *row.is_opted_in, "all",
                                              consent_source::kImport, std::nullopt, job.created_by,
                                              now));
    }
    for (const Contact* r : batch.emails_released())
        UJ_TRY(store::release_email(c, job.account_id, r->id));
    for (const Contact* u : batch.updated()) UJ_TRY(store::update_contact(c, *u, true));
    UJ_TRY(store::insert_contacts(c, batch.created()));
    for (const auto& e : consents) UJ_TRY(store::insert_consent(c, job.account_id, e));
    UJ_TRY(store::insert_import_errors(c, job.id, errors));
    return tally;
}

Status record_import_batch(db::Connection& c, ImportJob& job, const BatchTally& tally, Micros now) {
    job.rows_processed += tally.rows_processed;
    job.created += tally.created;
    job.updated += tally.updated;
    job.skipped += tally.skipped;
    job.failed += tally.failed;
    job.updated_at = now;
    UJ_TRY(store::count_deferred_contacts(c, job.account_id, tally.created));
    return store::save_import(c, job);
}

Status apply_import_batch(db::Connection& c, ImportJob& job, const std::vector<ImportRow>& rows,
                          Micros now) {
    UJ_ASSIGN(auto tally, apply_import_rows(c, job, rows, now, true));
    return record_import_batch(c, job, tally, now);
}

// ---- the runner

struct Importer::InFlight {
    std::shared_future<Status> done;
    std::unordered_set<std::string> keys;  // batch_keys of its rows
};

namespace {

// Batches in flight together must not share a phone or an email: each
// would wait on the other's unique index entries.
std::unordered_set<std::string> batch_keys(const std::vector<ImportRow>& rows) {
    std::unordered_set<std::string> keys;
    for (const auto& r : rows) {
        if (!r.failure.empty()) continue;
        if (r.phone) keys.insert(*r.phone);
        if (r.email) keys.insert(*r.email);
    }
    return keys;
}

bool share_a_key(const std::unordered_set<std::string>& a,
                 const std::unordered_set<std::string>& b) {
    const auto& small = a.size() < b.size() ? a : b;
    const auto& large = a.size() < b.size() ? b : a;
    for (const auto& k : small)
        if (large.count(k)) return true;
    return false;
}

// How long a batch that has written its rows waits, inside its transaction,
// for the batch before it to commit. Past it (two nodes importing into one
// account could wait on each other) it rolls back and runs again alone.
constexpr auto kLaneWait = std::chrono::seconds(30);

constexpr const char* kPreviousFailed = "IMPORT_PREVIOUS_BATCH_FAILED";

}  // namespace

Status Importer::commit_batch(const ImportJob& base, ImportJob& job,
                              const std::vector<ImportRow>& rows, std::int64_t offset,
                              std::int64_t next_line, std::size_t number, const InFlight* previous,
                              const std::unordered_set<std::string>& keys) {
    // Waits, outside any transaction, until the batch before has committed.
    auto alone = [&previous]() -> Status {
        if (!previous) return {};
        Status before = previous->done.get();
        previous = nullptr;
        if (!before) return Error::conflict(kPreviousFailed, before.error().message);
        return {};
    };
    if (previous && share_a_key(previous->keys, keys)) UJ_TRY(alone());
    Status status;
    ImportJob updated;  // the job's progress once this batch is in
    for (int attempt = 0; attempt < 3;) {
        status = db_.write([&](db::Connection& c) -> Status {
            const Micros now = clock_.now();
            // Beside another batch, stored contacts are off limits: that
            // batch may be changing the same ones.
            UJ_ASSIGN(auto tally, apply_import_rows(c, base, rows, now, previous == nullptr));
            if (previous) {
                // Progress commits in file order: the batch before goes first.
                if (previous->done.wait_for(kLaneWait) != std::future_status::ready)
                    return Error::conflict(kImportLaneBusy, "the batch before takes too long");
                if (!previous->done.get())
                    return Error::conflict(kPreviousFailed, previous->done.get().error().message);
            }
            updated = job;
            updated.processed_bytes = offset;
            updated.next_line = next_line;
            return record_import_batch(c, updated, tally, now);
        });
        if (status) {
            job = std::move(updated);  // committed
            break;
        }
        const auto& code = status.error().error_code;
        if (code == kImportLaneBusy && previous) {
            UJ_TRY(alone());  // then again, alone
            continue;
        }
        // A contact written by the API between our read and our insert
        // (PostgreSQL) fails the batch on a unique index: run it again.
        if (code != "UNIQUE_VIOLATION") break;
        ++attempt;
    }
    // Batches 1, 4, 16, 64...: the planner's statistics keep up with the table.
    if (status && std::has_single_bit(number) && std::countr_zero(number) % 2 == 0)
        if (auto refreshed = db_.write(store::refresh_statistics); !refreshed)
            log::warn("import: cannot refresh statistics",
                      {{"import_id", base.id}, {"error", refreshed.error().message}});
    return status;
}

Importer::Importer(db::Database& db, ContactsService& contacts, Clock& clock,
                   ImporterOptions options)
    : db_(db), contacts_(contacts), clock_(clock), options_(options) {
    if (options_.parse_threads <= 0)
        options_.parse_threads =
            static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (options_.batch_rows == 0) options_.batch_rows = 1000;
}

Importer::~Importer() {
    stop();
}

void Importer::start() {
    thread_ = std::thread([this] {
        name_this_thread("imports");
        loop();
    });
}

void Importer::wake() {
    std::lock_guard lock(mutex_);
    pending_ = true;
    wake_.notify_one();
}

void Importer::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

void Importer::retry_later(const ImportJobId& id) {
    log::warn("import waits for the database", {{"import_id", id}});
    std::lock_guard lock(mutex_);
    retry_ = true;
}

void Importer::loop() {
    while (!stopping_) {
        {
            std::unique_lock lock(mutex_);
            // After a database fault the jobs are looked at again each second,
            // so they resume by themselves once it passes.
            if (retry_)
                wake_.wait_for(lock, std::chrono::seconds(1),
                               [&] { return pending_ || stopping_; });
            else
                wake_.wait(lock, [&] { return pending_ || stopping_; });
            pending_ = retry_ = false;
        }
        if (stopping_) break;
        auto jobs = db_.read([](db::Connection& c) { return store::unfinished_imports(c); });
        if (!jobs) {
            log::error("import: cannot list jobs", {{"error", jobs.error().message}});
            std::lock_guard lock(mutex_);
            retry_ = is_database_fault(jobs.error());
            continue;
        }
        for (auto& job : *jobs) {
            if (stopping_) break;
            // Another node's upload: its own runner does it.
            if (!std::filesystem::exists(job.file_path)) continue;
            run(std::move(job));
        }
    }
}

void Importer::run(ImportJob job) {
    if (job.status == import_status::kPending) {
        auto claimed = db_.write(
            [&](db::Connection& c) { return store::claim_import(c, job.id, clock_.now()); });
        if (!claimed && is_database_fault(claimed.error())) return retry_later(job.id);
        if (!claimed || !*claimed) return;
        job.status = import_status::kRunning;
        job.started_at = clock_.now();
    }
    log::info("import started", {{"import_id", job.id}, {"from_byte", job.processed_bytes}});
    auto status = process(job);
    if (stopping_ && job.status == import_status::kRunning) return;  // resumes at next start
    // The job stays running with its file; it resumes from its last
    // committed batch once the database is back.
    if (!status && is_database_fault(status.error())) return retry_later(job.id);
    if (!status) {
        job.status = import_status::kFailed;
        job.error = status.error().message;
    } else if (job.status == import_status::kRunning) {
        job.status = import_status::kCompleted;
    }
    job.finished_at = job.updated_at = clock_.now();
    // The account's webhooks hear of it with the job's final state.
    auto saved = db_.write([&](db::Connection& c) -> Status {
        UJ_TRY(store::save_import(c, job));
        const nlohmann::json data = {{"import", import_json(job)}};
        return db::append_events(
            c, {{job.account_id.value, "import.completed", std::nullopt,
                 data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                 job.updated_at}});
    });
    if (!saved) log::error("import: cannot save", {{"import_id", job.id}});
    std::error_code ec;
    std::filesystem::remove(job.file_path, ec);
    log::info("import finished", {{"import_id", job.id},
                                  {"status", job.status},
                                  {"created", job.created},
                                  {"updated", job.updated},
                                  {"skipped", job.skipped},
                                  {"failed", job.failed}});
}

Status Importer::process(ImportJob& job) {
    Principal owner;
    owner.account_id = job.account_id;
    if (job.created_by) owner.user_id = *job.created_by;
    UJ_ASSIGN(const std::string country, contacts_.phone_country(owner));
    if (!job.columns.is_array()) return Error::internal("the import has no column map");
    // The committing batch rewrites `job`; parsing reads this copy.
    const json columns = job.columns;

    const OpenFile file(job.file_path);
    if (!file.valid()) return Error::internal("the uploaded file is gone");
    const int fd = file.fd();
    formats::csv::Reader::Options reader_options;
    reader_options.start_offset = static_cast<std::uint64_t>(job.processed_bytes);
    reader_options.start_line = static_cast<std::uint64_t>(job.next_line);
    formats::csv::Reader reader(
        formats::csv::file_source(fd,
                                  static_cast<std::uint64_t>(job.byte_begin + job.processed_bytes),
                                  static_cast<std::uint64_t>(job.byte_end)),
        reader_options);
    std::vector<std::string> fields;
    if (job.processed_bytes == 0) {
        // The header: its columns were resolved when the job was queued.
        if (reader.next(fields) != formats::csv::Outcome::kRecord)
            return Error::invalid("file", "The header line is not CSV.");
        job.processed_bytes = static_cast<std::int64_t>(reader.offset());
        job.next_line = static_cast<std::int64_t>(reader.next_line());
    }

    const std::size_t batch_rows = options_.batch_rows;
    const auto threads = static_cast<std::size_t>(options_.parse_threads);
    // PostgreSQL applies two batches at once on two connections (one backend
    // alone is the bottleneck); SQLite has one writer.
    const std::size_t lanes = db_.dialect() == db::Dialect::kPostgres ? 2 : 1;
    const ImportJob base = job;  // what batches read; `job` is their progress
    std::deque<InFlight> in_flight;
    std::size_t batches = 0;
    std::optional<Error> fatal;
    bool at_end = false;
    while (!at_end && !stopping_) {
        // Read one batch of raw records (sequential: CSV is).
        std::vector<std::vector<std::string>> records;
        std::vector<std::int64_t> lines;
        std::vector<ImportRow> rows;
        records.reserve(batch_rows);
        while (records.size() < batch_rows) {
            const auto outcome = reader.next(fields);
            if (outcome == formats::csv::Outcome::kEnd) {
                at_end = true;
                break;
            }
            if (outcome == formats::csv::Outcome::kFatal) {
                fatal = Error::invalid("file", "Line " + std::to_string(reader.line()) + ": " +
                                                   reader.error() +
                                                   "; the rest of the file was not read.");
                at_end = true;
                break;
            }
            if (outcome == formats::csv::Outcome::kRowError) {
                ImportRow bad;
                bad.line = static_cast<std::int64_t>(reader.line());
                bad.failure = reader.error();
                bad.row_text = record_text(fields);
                rows.push_back(std::move(bad));
                continue;
            }
            records.push_back(fields);
            lines.push_back(static_cast<std::int64_t>(reader.line()));
        }
        // Check and normalise the records on every core.
        std::vector<ImportRow> parsed(records.size());
        const std::size_t per = (records.size() + threads - 1) / std::max<std::size_t>(threads, 1);
        std::vector<std::future<void>> parts;
        for (std::size_t t = 1; t < threads && t * per < records.size(); ++t)
            parts.push_back(std::async(std::launch::async, [&, t] {
                for (std::size_t i = t * per; i < std::min(records.size(), (t + 1) * per); ++i)
                    parsed[i] = parse_import_row(records[i], lines[i], columns, country);
            }));
        for (std::size_t i = 0; i < std::min(records.size(), per); ++i)
            parsed[i] = parse_import_row(records[i], lines[i], columns, country);
        for (auto& p : parts) p.get();
        // Keep file order: row errors from the reader sit between records.
        for (auto& p : parsed) rows.push_back(std::move(p));
        std::sort(rows.begin(), rows.end(),
                  [](const ImportRow& a, const ImportRow& b) { return a.line < b.line; });

        // At most `lanes` batches in flight; errors surface in file order.
        while (in_flight.size() >= lanes) {
            Status oldest = in_flight.front().done.get();
            in_flight.pop_front();
            UJ_TRY(std::move(oldest));
        }
        const auto offset = static_cast<std::int64_t>(reader.offset());
        const auto next_line = static_cast<std::int64_t>(reader.next_line());
        std::optional<InFlight> previous;
        if (!in_flight.empty()) previous = in_flight.back();
        // Keys matter only beside another batch in flight.
        auto keys = lanes > 1 ? batch_keys(rows) : std::unordered_set<std::string>{};
        auto done = std::async(std::launch::async, [this, &job, &base, rows = std::move(rows),
                                                    offset, next_line, number = ++batches, previous,
                                                    keys]() mutable {
                        // std::async keeps this lambda as long as its future
                        // lives, and the next batch holds that future: move the
                        // captures out so that finished batches are freed.
                        const auto batch_rows = std::move(rows);
                        const auto before = std::move(previous);
                        previous.reset();
                        const auto own_keys = std::move(keys);
                        return commit_batch(base, job, batch_rows, offset, next_line, number,
                                            before ? &*before : nullptr, own_keys);
                    }).share();
        in_flight.push_back(InFlight{std::move(done), std::move(keys)});
    }
    while (!in_flight.empty()) {
        Status oldest = in_flight.front().done.get();
        in_flight.pop_front();
        UJ_TRY(std::move(oldest));
    }
    if (job.created + job.updated >= kTidyAfterRows)
        UJ_TRY(db_.on_writer(store::tidy_after_import));
    if (fatal) return *fatal;
    if (at_end) job.processed_bytes = job.byte_end - job.byte_begin;
    return {};
}

}  // namespace ujumbe::contacts
