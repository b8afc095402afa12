#pragma once
// Runs CSV import jobs in the background. A job reads its spooled file with
// the streaming CSV reader in batches: the rows of a batch are checked and
// their phone numbers normalised on every core, then merged into the
// account's contacts in one transaction together with the job's progress
// and error rows. While one batch commits (two on PostgreSQL, see
// docs/decisions/0007), the next one is parsed. Memory holds a few batches,
// whatever the size of the file. A job interrupted by a stop or a crash
// resumes from its last committed batch.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "contacts/model.h"
#include "contacts/service.h"
#include "core/clock.h"
#include "db/database.h"

namespace ujumbe::contacts {

struct ImporterOptions {
    std::size_t batch_rows = 1000;
    int parse_threads = 0;  // 0: one per core
};

// One CSV record checked and normalised, before it meets the database.
struct ImportRow {
    std::int64_t line = 0;
    std::string failure;   // non-empty: the row cannot be imported, and why
    std::string row_text;  // the record as CSV, for the error report
    std::optional<std::string> name, phone, email;
    std::optional<bool> is_active, is_opted_in;
    std::vector<std::string> tags;
    nlohmann::json attributes = nlohmann::json::object();
};

// Turns raw records into ImportRows: `columns` from resolve_columns().
// Pure and thread-safe.
ImportRow parse_import_row(const std::vector<std::string>& fields, std::int64_t line,
                           const nlohmann::json& columns, const std::string& country);

// What a batch did to the contacts, before it is added to the job.
struct BatchTally {
    std::int64_t rows_processed = 0, created = 0, updated = 0, skipped = 0, failed = 0;
};

// error_code of apply_import_rows when stored contacts match a batch that
// may not touch them (another batch is still in flight).
inline constexpr const char* kImportLaneBusy = "IMPORT_LANE_BUSY";

// Writes a batch of parsed rows into the account's contacts, consent history
// and the job's error rows. Matches by phone, then email, against stored
// contacts and earlier rows of the batch. With may_touch_stored false it
// fails with kImportLaneBusy, before writing anything, when any row matches
// a stored contact.
Result<BatchTally> apply_import_rows(db::Connection& c, const ImportJob& job,
                                     const std::vector<ImportRow>& rows, Micros now,
                                     bool may_touch_stored);
// Adds a batch's tally to the job and saves the job (its progress fields as
// the caller set them).
Status record_import_batch(db::Connection& c, ImportJob& job, const BatchTally& tally, Micros now);
// Both of the above in the caller's transaction.
Status apply_import_batch(db::Connection& c, ImportJob& job, const std::vector<ImportRow>& rows,
                          Micros now);

class Importer {
public:
    Importer(db::Database& db, ContactsService& contacts, Clock& clock, ImporterOptions options);
    ~Importer();

    // Starts the runner thread, which first resumes unfinished jobs.
    void start();
    // A job was queued.
    void wake();
    // Finishes the current batch and stops; an unfinished job resumes at the
    // next start.
    void stop();

private:
    void loop();
    // Runs one job to its end (or until stop); errors are recorded on it,
    // except database faults: the job waits for the database (retry_later).
    void run(ImportJob job);
    void retry_later(const ImportJobId& id);
    Status process(ImportJob& job);
    struct InFlight;  // a batch committing
    // Applies one batch and records the job's progress in one transaction,
    // after the batch before (`previous`, if still in flight) has committed.
    Status commit_batch(const ImportJob& base, ImportJob& job, const std::vector<ImportRow>& rows,
                        std::int64_t offset, std::int64_t next_line, std::size_t number,
                        const InFlight* previous, const std::unordered_set<std::string>& keys);

    db::Database& db_;
    ContactsService& contacts_;
    Clock& clock_;
    ImporterOptions options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = true;
    // A database fault stopped the last look or job: look again shortly.
    bool retry_ = false;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace ujumbe::contacts
