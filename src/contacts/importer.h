#pragma once
// Runs CSV import jobs in the background. A job reads its spooled file with
// the streaming CSV reader in batches: the rows of a batch are checked and
// their phone numbers normalised on every core, then merged into the
// account's contacts in one transaction together with the job's progress
// and error rows. While one batch commits, the next one is parsed. Memory
// holds two batches, whatever the size of the file. A job interrupted by a
// stop or a crash resumes from its last committed batch.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
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

// Applies a batch of parsed rows to the account's contacts and the job's
// counters (one transaction; the caller commits). Matches by phone, then
// email, against stored contacts and earlier rows of the batch.
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
    // Runs one job to its end (or until stop); errors are recorded on it.
    void run(ImportJob job);
    Status process(ImportJob& job);

    db::Database& db_;
    ContactsService& contacts_;
    Clock& clock_;
    ImporterOptions options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = true;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace ujumbe::contacts
