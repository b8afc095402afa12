#pragma once
// PostgreSQL only: a connection of its own that LISTENs for the realtime
// events every node NOTIFYs (publisher.h) and hands them to this node's hub.
// Reconnects after a failure; events sent while it was away are lost to
// this node's clients (they read the state again after a reconnect).

#include <atomic>
#include <string>
#include <thread>

#include "realtime/hub.h"

namespace ujumbe::realtime {

class PgListener {
public:
    PgListener(std::string url, Hub& hub);
    ~PgListener();
    PgListener(const PgListener&) = delete;
    PgListener& operator=(const PgListener&) = delete;

    void start();
    void stop();

private:
    void run();

    const std::string url_;
    Hub& hub_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace ujumbe::realtime
