// The socket-free engine driven with byte vectors (DESIGN §2): policies, handler dispatch and
// the ordering rules of DESIGN §1.2, without a socket or an io_context.
#include "support.hpp"

#include <squall/engine.hpp>

#include <catch2/catch.hpp>

#include <deque>
#include <functional>

using namespace squall_test;
using squall::opcode;

namespace {

const std::string upgrade_head = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

struct test_conn;

// The engine's Server requirements, without sockets.
template <class... Policies> struct fake_server {
    using policies_type = squall::policy_pack<Policies...>;
    explicit fake_server(Policies... p) : policies_(std::move(p)...) {
        config_.ping_interval.reset();
    }
    const squall::protocol::core_config& core_config() const { return config_; }
    const policies_type& policies() const { return policies_; }
    const squall::server_options& options() const { return options_; }
    bool over_connection_limit() const { return over_limit; }
    template <class Conn>
    void make_handler(squall::detail::handler_holder<Conn>& into, std::size_t, const squall::request_view&,
                      const squall::accept&) {
        into.emplace(logging_handler{&log});
    }
    policies_type policies_;
    squall::protocol::core_config config_;
    squall::server_options options_;
    bool over_limit = false;
    event_log log;
};

template <class Server>
struct engine_conn : squall::detail::engine<engine_conn<Server>, Server>, std::enable_shared_from_this<engine_conn<Server>> {
    using base = squall::detail::engine<engine_conn<Server>, Server>;
    explicit engine_conn(Server& s) : base(s, squall::protocol::clock::now()) { this->core().set_remote(remote); }
    std::string wire;
    std::deque<std::function<void()>> posted;
    squall::endpoint remote{"127.0.0.1", 40000};
    squall::endpoint remote_endpoint() const { return remote; }
    // engine callbacks
    template <class F> void post(F&& f) { posted.emplace_back(std::forward<F>(f)); }
    void output_ready() { drain(); }
    void input_resumed() {}
    void spawn_handler(asio::awaitable<void>) {}
    void drain() {
        auto out = this->core().pending_output();
        wire.append(reinterpret_cast<const char*>(out.data()), out.size());
        this->core().consume_output(out.size());
    }
    void feed(std::string bytes) {
        this->receive({reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size()}, squall::protocol::clock::now());
        drain();
    }
    void run_posted() {
        while (!posted.empty()) {
            auto f = std::move(posted.front());
            posted.pop_front();
            f();
        }
        drain();
    }
};

std::string client_frame(opcode op, std::string_view payload) {
    std::string out;
    squall::protocol::append_masked_frame(out, op, squall::protocol::as_bytes(payload), {9, 8, 7, 6});
    return out;
}

} // namespace

TEST_CASE("engine: upgrade then echo through the handler without a socket", "[engine]") {
    fake_server<squall::any_origin> server{squall::any_origin{}};
    auto c = std::make_shared<engine_conn<decltype(server)>>(server);
    c->feed(upgrade_head + client_frame(opcode::text, "hi"));
    CHECK(c->wire.rfind("HTTP/1.1 101 ", 0) == 0);
    CHECK(c->wire.substr(c->wire.size() - 4) == std::string("\x81\x02hi", 4));
    const auto ev = server.log.events();
    REQUIRE(ev.size() == 2);
    CHECK(ev[0] == "open");
    CHECK(ev[1] == "message text hi");
}

TEST_CASE("engine: the connection cap answers 503 before admission", "[engine]") {
    fake_server<> server;
    server.over_limit = true;
    auto c = std::make_shared<engine_conn<fake_server<>>>(server);
    c->feed(upgrade_head);
    CHECK(c->wire.rfind("HTTP/1.1 503 ", 0) == 0);
    CHECK(server.log.events().empty());
}

TEST_CASE("engine: a throwing handler is closed with 1011 and hears on_error then on_close", "[engine]") {
    fake_server<> server;
    auto c = std::make_shared<engine_conn<fake_server<>>>(server);
    c->feed(upgrade_head);
    c->wire.clear();
    c->feed(client_frame(opcode::text, "throw"));
    CHECK(c->wire == std::string("\x88\x02\x03\xf3", 4)); // close 1011
    CHECK(c->last_exception() != nullptr);
    c->feed(client_frame(opcode::close, std::string("\x03\xf3", 2)));
    c->finish();
    const auto ev = server.log.events();
    REQUIRE(ev.size() == 4);
    CHECK(ev[2] == error_event(squall::error::handler_exception));
    CHECK(ev[3] == "close 1011 ");
}

namespace {
struct later_admission {
    using policy_role = squall::admission_role;
    std::shared_ptr<std::optional<squall::admission_callback>> pending = std::make_shared<std::optional<squall::admission_callback>>();
    void admit(const squall::request_view&, squall::admission_callback cb) const { *pending = std::move(cb); }
};
} // namespace

TEST_CASE("engine: input waits while an asynchronous admission is pending", "[engine][admission]") {
    later_admission policy;
    fake_server<later_admission> server{policy};
    auto c = std::make_shared<engine_conn<decltype(server)>>(server);
    c->feed(upgrade_head + client_frame(opcode::text, "early"));
    c->feed(client_frame(opcode::text, "second"));
    CHECK(c->wire.empty());
    CHECK(c->paused());
    REQUIRE(policy.pending->has_value());
    (**policy.pending)(squall::accept{});
    CHECK(c->wire.empty()); // the decision is applied on the connection's thread
    c->run_posted();
    CHECK(c->wire.rfind("HTTP/1.1 101 ", 0) == 0);
    const auto ev = server.log.events();
    REQUIRE(ev.size() == 3);
    CHECK(ev[1] == "message text early");
    CHECK(ev[2] == "message text second");
}

TEST_CASE("engine: a dropped admission callback rejects with 500", "[engine][admission]") {
    later_admission policy;
    fake_server<later_admission> server{policy};
    auto c = std::make_shared<engine_conn<decltype(server)>>(server);
    c->feed(upgrade_head);
    policy.pending->reset(); // every copy gone without an answer
    c->run_posted();
    CHECK(c->wire.rfind("HTTP/1.1 500 ", 0) == 0);
}

TEST_CASE("engine: the heartbeat is answered without the handler", "[engine][ping]") {
    fake_server<squall::no_ping> server{squall::no_ping{}.heartbeat("hb?", "hb!")};
    auto c = std::make_shared<engine_conn<decltype(server)>>(server);
    c->feed(upgrade_head);
    c->wire.clear();
    c->feed(client_frame(opcode::text, "hb?"));
    CHECK(c->wire == std::string("\x81\x03hb!", 5));
    CHECK(server.log.events().size() == 1); // only "open"
}
