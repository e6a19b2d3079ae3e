// tests/server/support.hpp: an event log that handlers on server threads write and tests wait
// on (bounded waits), and a fixture that runs a server on a thread of its own on loopback.
#pragma once

#include "raw_client.hpp"

#include <squall/squall.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace squall_test {

using namespace std::chrono_literals;

class event_log {
public:
    void push(std::string e) {
        {
            std::lock_guard lock{m_};
            events_.push_back(std::move(e));
        }
        cv_.notify_all();
    }
    /// Waits until `e` was logged (true) or the timeout passed (false).
    bool wait_for(const std::string& e, std::chrono::milliseconds timeout = 5s) {
        std::unique_lock lock{m_};
        return cv_.wait_for(lock, timeout, [&] { return std::find(events_.begin(), events_.end(), e) != events_.end(); });
    }
    std::vector<std::string> events() const {
        std::lock_guard lock{m_};
        return events_;
    }
    /// The events that start with `prefix`, in order.
    std::vector<std::string> starting_with(const std::string& prefix) const {
        std::vector<std::string> out;
        for (auto& e : events())
            if (e.rfind(prefix, 0) == 0) out.push_back(e);
        return out;
    }
    void clear() {
        std::lock_guard lock{m_};
        events_.clear();
    }

private:
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::vector<std::string> events_;
};

/// Logs every event of the connection as text: "open", "message text hi", "close 1000 bye",
/// "error <message>", "ping <payload>", "pong <payload>".
struct logging_handler {
    event_log* log;
    void on_open(auto&) { log->push("open"); }
    void on_message(auto& conn, squall::message_view m) {
        log->push(std::string("message ") + (m.is_text() ? "text " : "binary ") + std::string(m.text()));
        if (m.text() == "close-4000") conn.close(squall::close_code{4000}, "bye");
        else if (m.text() == "throw") throw std::runtime_error("handler failed");
        else if (m.text() == "abort") conn.abort();
        else conn.send(m);
    }
    void on_close(auto&, squall::close_code code, std::string_view reason) {
        log->push("close " + std::to_string(squall::to_underlying(code)) + " " + std::string(reason));
    }
    void on_ping(auto&, std::span<const std::uint8_t> p) {
        log->push("ping " + std::string(squall::protocol::as_text(p)));
    }
    void on_pong(auto&, std::span<const std::uint8_t> p) {
        log->push("pong " + std::string(squall::protocol::as_text(p)));
    }
    void on_error(auto&, std::error_code ec) { log->push("error " + ec.message()); }
};

/// Polls `pred` until it holds (true) or the timeout passes (false).
template <class Pred> bool eventually(Pred pred, std::chrono::milliseconds timeout = 5s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

inline std::string error_event(squall::error e) { return "error " + make_error_code(e).message(); }

} // namespace squall_test
