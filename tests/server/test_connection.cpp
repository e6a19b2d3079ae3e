#include "support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <limits>
#include <map>
#include <thread>

using namespace squall_test;
using squall::opcode;

namespace {

template <class Server> raw_client open_client(Server& server, const std::string& path = "/", std::string_view headers = {}) {
    raw_client c{"127.0.0.1", server.port()};
    auto head = c.upgrade(path, headers);
    if (!head || head->status != 101) throw std::runtime_error("upgrade failed");
    return c;
}

// Sends after close: the throwing form raises closed_error, the error_code form sets closed.
struct send_after_close {
    event_log* log;
    void on_message(auto& conn, squall::message_view) {
        conn.close(squall::close_code::normal, "closing");
        try {
            conn.send("late");
            log->push("no throw");
        } catch (const squall::closed_error& e) {
            log->push(std::string("threw ") + (e.code() == squall::error::closed ? "closed" : "other"));
        }
        std::error_code ec;
        conn.send("late", ec);
        log->push("ec " + ec.message());
        try {
            conn.close();
        } catch (const squall::closed_error&) {
            log->push("close threw closed");
        }
    }
};

} // namespace

TEST_CASE("connection: sending on a closing connection raises closed_error", "[server][connection]") {
    event_log log;
    squall::basic_websocket_server server{squall::threads{1}, squall::no_ping{}};
    server.route("/", [&](const squall::request_view&, const squall::accept&) { return send_after_close{&log}; });
    server.listen("127.0.0.1", 0);
    auto c = open_client(server);
    c.send_text("x");
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::close);
    CHECK(log.wait_for("threw closed"));
    CHECK(log.wait_for("ec " + make_error_code(squall::error::closed).message()));
    CHECK(log.wait_for("close threw closed"));
}

namespace {
struct remember_handle {
    std::promise<squall::websocket_server::connection_handle>* out;
    void on_open(auto& conn) { out->set_value(conn.handle()); }
    void on_message(auto&, squall::message_view) {}
};
} // namespace

TEST_CASE("connection: handles send from other threads and report closed later", "[server][connection][threads]") {
    std::promise<squall::websocket_server::connection_handle> got;
    squall::websocket_server server{squall::threads{1}};
    server.route("/", [&](const squall::request_view&, const squall::accept&) { return remember_handle{&got}; });
    server.listen("127.0.0.1", 0);
    auto c = open_client(server);
    auto h = got.get_future().get();
    std::vector<std::thread> senders;
    for (int t = 0; t < 4; ++t)
        senders.emplace_back([h, t] {
            for (int i = 0; i < 25; ++i) h.send("t" + std::to_string(t) + "-" + std::to_string(i));
        });
    for (auto& s : senders) s.join();
    std::map<int, int> next; // per thread, messages arrive in order
    for (int n = 0; n < 100; ++n) {
        auto fr = c.read_frame();
        REQUIRE(fr);
        const auto dash = fr->payload.find('-');
        const int t = std::stoi(fr->payload.substr(1, dash - 1));
        CHECK(std::stoi(fr->payload.substr(dash + 1)) == next[t]++);
    }
    std::promise<std::error_code> result;
    h.close(squall::close_code{4001}, "from afar", [&](std::error_code ec) { result.set_value(ec); });
    CHECK_FALSE(result.get_future().get());
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->close_code() == 4001);
    c.send_close(4001);
    CHECK(c.wait_eof());
    CHECK(eventually([&] { return server.connection_count() == 0; }));
    std::promise<std::error_code> late;
    h.send("gone", [&](std::error_code ec) { late.set_value(ec); });
    CHECK(late.get_future().get() == squall::error::closed);
}

namespace {
struct flood {
    event_log* log;
    void on_message(auto& conn, squall::message_view m) {
        const std::string chunk(64 * 1024, 'f');
        int queued = 0;
        std::error_code ec;
        for (int i = 0; i < 1000 && !ec; ++i) {
            conn.send(chunk, ec);
            if (!ec) ++queued;
        }
        log->push("queued " + std::to_string(queued) + " then " + ec.message());
        log->push("buffered " + std::to_string(conn.buffered_amount() >= 1024 * 1024 ? 1 : 0));
        (void)m;
    }
};
} // namespace

TEST_CASE("connection: the send queue cap refuses sends with send_queue_full", "[server][connection]") {
    event_log log;
    squall::websocket_server server{squall::threads{1}};
    server.options().send_queue_limit = 1024 * 1024; // 16 chunks of 64 KiB
    server.route("/", [&](const squall::request_view&, const squall::accept&) { return flood{&log}; });
    server.listen("127.0.0.1", 0);
    auto c = open_client(server);
    c.send_text("go"); // the client does not read: the kernel buffers fill, then the queue
    REQUIRE(eventually([&] { return !log.starting_with("queued").empty(); }));
    const auto line = log.starting_with("queued").front();
    CHECK(line.find(make_error_code(squall::error::send_queue_full).message()) != std::string::npos);
    const int queued = std::stoi(line.substr(7));
    CHECK(queued < 1000);
    CHECK(queued >= 16); // at least the cap went out or into the queue
    CHECK(log.wait_for("buffered 1"));
}

TEST_CASE("connection: a message larger than the cap goes into an empty queue", "[server][connection]") {
    event_log log;
    squall::websocket_server server{squall::threads{1}};
    server.options().send_queue_limit = 1000;
    server.route("/", [&](const squall::request_view&, const squall::accept&) { return logging_handler{&log}; });
    server.listen("127.0.0.1", 0);
    auto c = open_client(server);
    const std::string big(5000, 'b');
    c.send_frame(opcode::binary, big); // echoed: 5000 > cap, but the queue is empty
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == big);
}

namespace {
struct slow_worker {
    event_log* log;
    asio::awaitable<void> on_message(auto& conn, squall::message msg) {
        asio::steady_timer t{co_await asio::this_coro::executor, std::chrono::milliseconds(50)};
        co_await t.async_wait(asio::use_awaitable);
        log->push("handled " + std::string(msg.text()));
        co_await conn.async_send(squall::message_view{msg.text()}, asio::use_awaitable);
        log->push("sent " + std::string(msg.text()));
    }
};
} // namespace

TEST_CASE("connection: coroutine handlers run one message at a time", "[server][connection][coroutine]") {
    event_log log;
    squall::websocket_server server{squall::threads{1}};
    server.route("/", [&](const squall::request_view&, const squall::accept&) { return slow_worker{&log}; });
    server.listen("127.0.0.1", 0);
    auto c = open_client(server);
    c.send_text("one");
    c.send_text("two"); // waits until "one" is done (Tornado's semantics)
    auto a = c.read_frame();
    auto b = c.read_frame();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->payload == "one");
    CHECK(b->payload == "two");
    REQUIRE(log.wait_for("sent two")); // logged after the frame reached the kernel
    const auto ev = log.events();
    REQUIRE(ev.size() == 4);
    CHECK(ev[0] == "handled one");
    CHECK(ev[1] == "sent one");
    CHECK(ev[2] == "handled two");
}

namespace {
struct token_admission {
    using policy_role = squall::admission_role;
    squall::admission admit(const squall::request_view& req) const {
        // Admission sees who connected (DESIGN §1: method, target, query, headers, endpoint).
        if (req.remote_endpoint() == nullptr || req.remote_endpoint()->address != "127.0.0.1" ||
            req.remote_endpoint()->port == 0)
            return squall::reject{400, "unknown peer"};
        if (req.query_param("token") != "s3cret")
            return squall::reject{401, "missing or wrong token"}.header("WWW-Authenticate", "Token");
        return squall::accept{}
            .subprotocol(req.offers("chat.v2") ? "chat.v2" : "")
            .header("Set-Cookie", "session=abc")
            .user_data(std::string("alice"));
    }
};
struct greeter {
    std::string name;
    void on_open(auto& conn) { conn.send("hello " + name + " via " + std::string(conn.subprotocol())); }
    void on_message(auto&, squall::message_view) {}
};
} // namespace

TEST_CASE("connection: admission rejects with its status and headers and accepts with subprotocol and cookie", "[server][admission]") {
    squall::basic_websocket_server server{squall::threads{1}, token_admission{}};
    server.route("/chat", [](const squall::request_view&, const squall::accept& a) {
        return greeter{std::any_cast<std::string>(a.user_data())};
    });
    server.listen("127.0.0.1", 0);
    {
        raw_client c{"127.0.0.1", server.port()};
        auto head = c.upgrade("/chat?token=wrong");
        REQUIRE(head);
        CHECK(head->status == 401);
        CHECK(head->has_header("WWW-Authenticate: Token"));
        CHECK(head->body == "missing or wrong token");
    }
    raw_client c{"127.0.0.1", server.port()};
    auto head = c.upgrade("/chat?token=s3cret", "Sec-WebSocket-Protocol: chat.v1, chat.v2\r\n");
    REQUIRE(head);
    CHECK(head->status == 101);
    CHECK(head->has_header("Sec-WebSocket-Protocol: chat.v2"));
    CHECK(head->has_header("Set-Cookie: session=abc"));
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == "hello alice via chat.v2");
}

namespace {
struct deferred_admission {
    using policy_role = squall::admission_role;
    void admit(const squall::request_view& req, squall::admission_callback cb) const {
        const bool ok = req.query_param("token") == "later";
        std::thread([cb, ok] {
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
            if (ok) cb(squall::accept{});
            else cb(squall::reject{403, "no"});
        }).detach();
    }
};
} // namespace

TEST_CASE("connection: asynchronous admission answers later from another thread", "[server][admission]") {
    event_log log;
    squall::basic_websocket_server server{squall::threads{1}, deferred_admission{}, squall::no_ping{}};
    server.route("/", [&](const squall::request_view&, const squall::accept&) { return logging_handler{&log}; });
    server.listen("127.0.0.1", 0);
    {
        raw_client c{"127.0.0.1", server.port()};
        auto head = c.upgrade("/?token=nope");
        REQUIRE(head);
        CHECK(head->status == 403);
    }
    raw_client c{"127.0.0.1", server.port()};
    // The first frame rides in the same segment as the head: it waits for the decision.
    std::string frame;
    squall::protocol::append_masked_frame(frame, opcode::text, squall::protocol::as_bytes("early"), {1, 2, 3, 4});
    c.write("GET /?token=later HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" + frame);
    auto head = c.read_http();
    REQUIRE(head);
    CHECK(head->status == 101);
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == "early");
}

namespace {
struct chat_member {
    event_log* log;
    void on_open(auto&) { log->push("open"); }
    void on_message(auto& conn, squall::message_view m) { conn.server().broadcast("/chat", m); }
};
} // namespace

TEST_CASE("server: broadcast reaches every open connection of the route", "[server][broadcast]") {
    event_log log;
    squall::websocket_server server{squall::threads{2}};
    server.route("/chat", [&](const squall::request_view&, const squall::accept&) { return chat_member{&log}; });
    server.listen("127.0.0.1", 0);
    std::vector<std::unique_ptr<raw_client>> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(std::make_unique<raw_client>("127.0.0.1", server.port()));
        REQUIRE(clients.back()->upgrade("/chat")->status == 101);
    }
    REQUIRE(eventually([&] { return log.events().size() == 5; }));
    clients[0]->send_text("hi all");
    for (auto& c : clients) {
        auto fr = c->read_frame();
        REQUIRE(fr);
        CHECK(fr->payload == "hi all");
    }
    server.broadcast("/chat", "from the server");
    for (auto& c : clients) {
        auto fr = c->read_frame();
        REQUIRE(fr);
        CHECK(fr->payload == "from the server");
    }
}

namespace {
struct json_sender {
    void on_open(auto& conn) {
        conn.send_json(std::map<std::string, std::vector<int>>{{"primes", {2, 3, 5}}});
        std::error_code ec;
        conn.send_json(std::numeric_limits<double>::quiet_NaN(), ec);
        conn.send(ec == squall::error::json_encode_failed ? "nan refused" : "nan sent");
    }
    void on_message(auto&, squall::message_view) {}
};
} // namespace

TEST_CASE("connection: send_json encodes with the JSON policy and refuses what it cannot encode", "[server][json]") {
    squall::websocket_server server{squall::threads{1}};
    server.route<json_sender>("/");
    server.listen("127.0.0.1", 0);
    auto c = open_client(server);
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == R"({"primes":[2,3,5]})");
    fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == "nan refused");
}
