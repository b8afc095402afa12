#pragma once
// The SMSC simulator (tests/interop/smsc.js on the npm `smpp` package) as a
// child process of a test: started on a free port, its JSON lines (one per
// PDU it received) collected, stopped with the test.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ujumbe::smpp::interop {

using nlohmann::json;
using namespace std::chrono_literals;

// The simulator as a child process; its stdout lines are collected.
class Smsc {
public:
    explicit Smsc(std::vector<std::string> args) {
        int out[2];
        if (::pipe(out) != 0) throw std::runtime_error("pipe");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out[1], 1);
            ::close(out[0]);
            ::close(out[1]);
            std::vector<std::string> argv = {"node", UJUMBE_SOURCE_DIR "/tests/interop/smsc.js",
                                             "--port", "0"};
            argv.insert(argv.end(), args.begin(), args.end());
            std::vector<char*> raw;
            for (auto& a : argv) raw.push_back(a.data());
            raw.push_back(nullptr);
            ::execvp("node", raw.data());
            ::_exit(127);
        }
        ::close(out[1]);
        stream_ = ::fdopen(out[0], "r");
        reader_ = std::thread([this] {
            char line[65536];
            while (std::fgets(line, sizeof line, stream_)) {
                std::string text(line);
                if (!text.empty() && text.back() == '\n') text.pop_back();
                std::lock_guard lock(mutex_);
                if (text.starts_with("listening "))
                    port_ = std::stoi(text.substr(10));
                else
                    lines_.push_back(json::parse(text, nullptr, false));
            }
        });
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (port() == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(10ms);
    }
    ~Smsc() {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
        reader_.join();
        std::fclose(stream_);
    }
    int port() {
        std::lock_guard lock(mutex_);
        return port_;
    }
    // The lines seen so far whose "pdu" is `name`, waiting a little for them.
    std::vector<json> seen(const std::string& name, std::size_t at_least = 1) {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (true) {
            std::vector<json> out;
            {
                std::lock_guard lock(mutex_);
                for (const auto& l : lines_)
                    if (l.is_object() && l.value("pdu", "") == name) out.push_back(l);
            }
            if (out.size() >= at_least || std::chrono::steady_clock::now() > deadline) return out;
            std::this_thread::sleep_for(10ms);
        }
    }

private:
    pid_t pid_ = -1;
    FILE* stream_ = nullptr;
    std::thread reader_;
    std::mutex mutex_;
    int port_ = 0;
    std::vector<json> lines_;
};

// Interop suites need node (installed by the test command); elsewhere they skip.
class NeedsNode : public ::testing::Test {
protected:
    void SetUp() override {
        if (std::system("node --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no node";
    }
};

}  // namespace ujumbe::smpp::interop
