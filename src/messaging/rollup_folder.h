#pragma once
// Folds PostgreSQL's rollup deltas (rollups.h) into the rollups every few
// seconds, on a thread of its own, so that the deltas a statistics read
// adds stay a few thousand rows. SQLite's triggers write the rollups
// directly: there it does nothing.

#include "core/polling_thread.h"
#include "db/database.h"

namespace ujumbe::messaging {

class RollupFolder {
public:
    static constexpr Micros kEvery = 5 * kMicrosPerSecond;

    explicit RollupFolder(db::Database& db) : db_(db) {}
    RollupFolder(const RollupFolder&) = delete;
    RollupFolder& operator=(const RollupFolder&) = delete;

    void start();
    // Waits for a fold in progress; idempotent.
    void stop() { loop_.stop(); }

private:
    void fold();

    db::Database& db_;
    PollingThread loop_;  // last: it stops before what its rounds use goes
};

}  // namespace ujumbe::messaging
