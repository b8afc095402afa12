#pragma once
// Turns what the dispatcher reports about an audited request into an
// entry and appends it in a transaction of its own, right after the
// handler's (a crash between the two loses that entry). Never fails the
// request: an entry that cannot be written is logged.

#include "core/clock.h"
#include "db/database.h"
#include "http/audit.h"

namespace ujumbe::audit {

class Recorder final : public http::AuditSink {
public:
    Recorder(db::Database& db, Clock& clock) : db_(db), clock_(clock) {}
    void record(const http::AuditEvent& event) override;

private:
    db::Database& db_;
    Clock& clock_;
};

}  // namespace ujumbe::audit
