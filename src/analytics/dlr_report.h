#pragma once
// The delivery (DLR) report's fold: outbound messages counted by status,
// UTC day, gateway, country, operator and error code, each with what was
// delivered, undelivered and still pending (docs/analytics.md, "Reports").
// Pure: the caller names each message's gateway, country and operator.

#include <map>
#include <string>
#include <vector>

#include "analytics/overview.h"
#include "analytics/report.h"
#include "messaging/model.h"

namespace ujumbe::analytics {

class DlrFold {
public:
    // What the message's ids and number are called in the report ('' for
    // none: no gateway chosen yet, a number of no known operator).
    struct Names {
        std::string gateway, country, operator_name;
    };

    void add(const messaging::DeliveryRow& m, const Names& names);
    // Its tables: summary, by_status, by_day (every day of [first_day,
    // last_day]), by_gateway, by_country, by_operator, by_error_code (the
    // messages not delivered that have one).
    std::vector<ReportTable> tables(std::int64_t first_day, std::int64_t last_day) const;
    const Tally& total() const { return total_; }

private:
    Tally total_;
    std::map<std::string, Tally> by_status_, by_gateway_, by_country_, by_operator_, by_error_;
    std::map<std::int64_t, Tally> by_day_;
};

}  // namespace ujumbe::analytics
