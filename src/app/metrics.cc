#include "app/metrics.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "core/log.h"

namespace ujumbe::app {

namespace {

// /proc/self/stat's fields after the command name: utime is the 12th,
// stime the 13th, starttime the 20th (clock ticks since boot).
struct ProcStat {
    double cpu_seconds = 0, start_seconds_after_boot = 0;
};

// A /proc field as a number; 0 when it is not one (never throws).
double number_of(std::string_view text) {
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    return ec == std::errc() && end == text.data() + text.size() ? v : 0;
}

ProcStat read_proc_stat() {
    std::ifstream in("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ProcStat out;
    const auto close = text.rfind(')');
    if (close == std::string::npos) return out;
    std::istringstream fields(text.substr(close + 1));
    std::vector<std::string> f;
    for (std::string x; fields >> x;) f.push_back(x);
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    if (f.size() > 19 && ticks > 0) {
        out.cpu_seconds = (number_of(f[11]) + number_of(f[12])) / ticks;
        out.start_seconds_after_boot = number_of(f[19]) / ticks;
    }
    return out;
}

double boot_time() {
    std::ifstream in("/proc/stat");
    for (std::string line; std::getline(in, line);)
        if (line.starts_with("btime ")) return number_of(line.substr(6));
    return 0;
}

double resident_bytes() {
    std::ifstream in("/proc/self/statm");
    double pages = 0, resident = 0;
    in >> pages >> resident;
    return resident * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double open_files() {
    std::error_code ec;
    double n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec))
        ++n;
    return n;
}

// A client on this host that came straight here: a proxy on this host
// forwarding someone else's request says so in its headers.
bool local_client(const http::Request& req) {
    for (const char* header : {"forwarded", "x-forwarded-for", "x-real-ip"})
        if (req.header(header)) return false;
    const std::string& ip = req.remote_ip;
    return ip == "::1" || ip.starts_with("127.") || ip.starts_with("::ffff:127.");
}

}  // namespace

void add_metrics_route(http::Router& router, std::string token, bool loopback_only) {
    router.add(
        http::Method::kGet, "/metrics",
        [token = std::move(token), loopback_only](
            http::RequestContext&, const http::Request& req) -> Result<http::Response> {
            if (!token.empty()) {
                const auto given = req.header("authorization").value_or("");
                if (!constant_time_equal(given, "Bearer " + token))
                    return Error::unauthenticated("INVALID_TOKEN",
                                                  "A valid metrics token is required.");
            } else if (loopback_only && !local_client(req)) {
                return Error::not_found("Route");
            }
            http::Response res;
            res.content_type = "text/plain; version=0.0.4; charset=utf-8";
            res.body = metrics::Registry::global().render();
            res.headers.emplace_back("Cache-Control", "no-store");
            return res;
        },
        http::documented({.authenticated = false}, {.files = {"text/plain"}}));
}

std::vector<metrics::Registry::Source> watch_process(const http::Server& server) {
    std::vector<metrics::Registry::Source> out;
    const double started = boot_time() + read_proc_stat().start_seconds_after_boot;
    out.push_back(metrics::Registry::global().add_source([started](metrics::Sampler& s) {
        s.declare("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        s.sample("process_resident_memory_bytes", {}, resident_bytes());
        s.declare("process_cpu_seconds_total", "counter",
                  "User and system CPU time spent, in seconds.");
        s.sample("process_cpu_seconds_total", {}, read_proc_stat().cpu_seconds);
        s.declare("process_open_fds", "gauge", "Open file descriptors.");
        s.sample("process_open_fds", {}, open_files());
        s.declare("process_start_time_seconds", "gauge",
                  "Start time of the process since the Unix epoch, in seconds.");
        s.sample("process_start_time_seconds", {}, started);
    }));
    out.push_back(metrics::Registry::global().add_source([&server](metrics::Sampler& s) {
        s.declare("ujumbe_http_connections", "gauge", "HTTP connections open now.");
        s.sample("ujumbe_http_connections", {}, static_cast<double>(server.connections()));
    }));
    return out;
}

}  // namespace ujumbe::app
