// `ujumbe smsc`: the SMSC simulator as a process (docs/smsc.md). Prints
// "listening PORT" as the first line on stdout, logs one JSON line per PDU
// event on stderr, reads "mo <from> <to> <text>" lines on stdin, and stops
// on SIGINT or SIGTERM after unbinding its sessions.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/commands.h"
#include "channels/smsc_simulator.h"

namespace ujumbe::app {
namespace {

// Time the sessions get to unbind before the process ends.
constexpr auto kShutdownGrace = std::chrono::milliseconds(500);

void write_stderr(const std::string& line) {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::cerr << line << '\n' << std::flush;
}

// What the input thread may reach: the simulator while it lives.
struct InputGate {
    std::mutex mutex;
    channels::SmscSimulator* simulator = nullptr;
};

void handle_line(InputGate& gate, const std::string& line, std::size_t number) {
    auto command = channels::parse_smsc_line(line);
    if (!command) {
        write_stderr(nlohmann::json{
            {"event", "input_error"}, {"line", number}, {"error", command.error().message}}
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return;
    }
    if (!*command) return;
    std::lock_guard lock(gate.mutex);
    if (gate.simulator) gate.simulator->send_mo(std::move(**command));
}

// Reads stdin line by line, never holding more than one bounded line.
void read_input(std::shared_ptr<InputGate> gate) {
    std::string line;
    std::size_t number = 0;
    char ch = 0;
    while (std::cin.get(ch)) {
        if (ch != '\n') {
            // One octet past the bound is kept so the parser reports the line as too long.
            if (line.size() <= channels::kMaxSmscLine) line += ch;
            continue;
        }
        handle_line(*gate, line, ++number);
        line.clear();
    }
    if (!line.empty()) handle_line(*gate, line, ++number);
}

}  // namespace

int smsc(const std::vector<std::string>& args) {
    auto command_line = channels::parse_smsc_options(args);
    if (!command_line) {
        std::cerr << "ujumbe smsc: " << command_line.error().message << "\n"
                  << channels::smsc_usage();
        return 2;
    }
    if (command_line->help) {
        std::cout << channels::smsc_usage();
        return 0;
    }
    boost::asio::io_context io;
    channels::SmscSimulator simulator(io, command_line->options, write_stderr);
    auto port = simulator.start();
    if (!port) {
        std::cerr << "ujumbe smsc: " << port.error().message << "\n";
        return 1;
    }
    std::cout << "listening " << *port << std::endl;

    auto gate = std::make_shared<InputGate>();
    gate->simulator = &simulator;
    // Detached: a read from a terminal cannot be interrupted; the gate keeps
    // it away from the simulator once that is gone.
    std::thread(read_input, gate).detach();

    boost::asio::steady_timer grace(io);
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        write_stderr(nlohmann::json{{"event", "stopping"}, {"signal", signal}}.dump());
        simulator.stop();
        grace.expires_after(kShutdownGrace);
        grace.async_wait([&io](const boost::system::error_code&) { io.stop(); });
    });
    io.run();
    {
        std::lock_guard lock(gate->mutex);
        gate->simulator = nullptr;
    }
    write_stderr(nlohmann::json{{"event", "stopped"}}.dump());
    return 0;
}

}  // namespace ujumbe::app
