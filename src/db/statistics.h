#pragma once
// When tables that a module's own traffic grows need fresh planner
// statistics (PostgreSQL's ANALYZE): once 1,000 rows were added since start,
// then at four times as many each time, and every ten minutes while traffic
// goes on. Autovacuum looks only every minute or so, and a plan chosen while
// a table was empty (a sequential scan) stays cached in every connection
// until its statistics change: a queue that grew in the meantime is scanned
// whole by every statement.
// Thread safety: none; one thread calls due().

#include <cstdint>

#include "core/clock.h"

namespace ujumbe::db {

class StatisticsSchedule {
public:
    // `added`: rows added since the last call. Whether to analyze now.
    bool due(std::uint64_t added, Micros now);

private:
    std::uint64_t total_ = 0, next_ = 1000;
    Micros at_ = 0;
};

}  // namespace ujumbe::db
