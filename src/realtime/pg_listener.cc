#include "realtime/pg_listener.h"

#include <libpq-fe.h>
#include <sys/select.h>

#include <chrono>

#include "core/log.h"
#include "core/thread_name.h"
#include "realtime/publisher.h"

namespace ujumbe::realtime {

PgListener::PgListener(std::string url, Hub& hub) : url_(std::move(url)), hub_(hub) {}

PgListener::~PgListener() {
    stop();
}

void PgListener::start() {
    thread_ = std::thread([this] {
        name_this_thread("rt-listen");
        run();
    });
}

void PgListener::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

void PgListener::run() {
    auto backoff = std::chrono::milliseconds(100);
    while (!stopping_) {
        PGconn* conn = PQconnectdb(url_.c_str());
        bool listening = PQstatus(conn) == CONNECTION_OK;
        if (listening) {
            PGresult* r = PQexec(conn, (std::string("LISTEN ") + kNotifyChannel).c_str());
            listening = PQresultStatus(r) == PGRES_COMMAND_OK;
            PQclear(r);
        }
        if (!listening) {
            log::warn("realtime listener cannot listen", {{"error", PQerrorMessage(conn)}});
            PQfinish(conn);
            std::this_thread::sleep_for(backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
            continue;
        }
        backoff = std::chrono::milliseconds(100);
        const int fd = PQsocket(conn);
        while (!stopping_) {
            fd_set ready;
            FD_ZERO(&ready);
            FD_SET(fd, &ready);
            timeval wait{0, 200'000};  // looks at stopping_ this often
            if (select(fd + 1, &ready, nullptr, nullptr, &wait) < 0) break;
            if (!PQconsumeInput(conn)) break;
            while (PGnotify* n = PQnotifies(conn)) {
                if (auto e = event_of_wire(n->extra)) hub_.deliver(*e);
                PQfreemem(n);
            }
        }
        if (!stopping_) log::warn("realtime listener lost its connection", {});
        PQfinish(conn);
    }
}

}  // namespace ujumbe::realtime
