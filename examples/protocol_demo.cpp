// examples/protocol_demo.cpp: squall's sans-IO core at work, without a socket. A scripted
// client upgrades, sends a message, a ping and a close; the demo prints every event the core
// reports and every byte it wants written. (The echo server replaces it as the README demo
// once the server lands.)
#include <squall/squall.hpp>

#include <cstdio>
#include <string>

using namespace squall;
using namespace squall::protocol;

namespace {

void print_output(connection_core& core) {
    const auto out = core.pending_output();
    if (out.empty()) return;
    const auto text = as_text(out);
    if (text.rfind("HTTP/", 0) == 0) {
        std::printf("  server writes an HTTP response:\n");
        std::size_t pos = 0;
        while (pos < text.size()) {
            const auto eol = text.find("\r\n", pos);
            if (eol == pos || eol == std::string_view::npos) break;
            std::printf("    | %.*s\n", static_cast<int>(eol - pos), text.data() + pos);
            pos = eol + 2;
        }
    } else {
        std::printf("  server writes %zu octets:", out.size());
        for (auto b : out) std::printf(" %02x", b);
        std::printf("\n");
    }
    core.consume_output(out.size());
}

void print_event(const core_event& ev) {
    switch (ev.kind) {
    case core_event_kind::upgrade_request: std::printf("  event: upgrade request\n"); break;
    case core_event_kind::http_request: std::printf("  event: plain HTTP request\n"); break;
    case core_event_kind::message:
        std::printf("  event: %s message \"%.*s\"\n", ev.op == opcode::text ? "text" : "binary",
                    static_cast<int>(ev.text().size()), ev.text().data());
        break;
    case core_event_kind::ping: std::printf("  event: ping (pong queued)\n"); break;
    case core_event_kind::pong: std::printf("  event: pong\n"); break;
    case core_event_kind::close:
        std::printf("  event: close %u \"%.*s\"\n", to_underlying(ev.code), static_cast<int>(ev.reason.size()),
                    ev.reason.data());
        break;
    case core_event_kind::error: std::printf("  event: error: %s\n", ev.error.message().c_str()); break;
    case core_event_kind::none: break;
    }
}

// Feeds octets to the core, echoing every message back, and prints what happens.
void feed(connection_core& core, std::string bytes, const char* what) {
    std::printf("client sends %s (%zu octets)\n", what, bytes.size());
    std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size()};
    for (auto ev = core.receive(in, clock::now()); ev.kind != core_event_kind::none; ev = core.receive(in, clock::now())) {
        print_event(ev);
        if (ev.kind == core_event_kind::upgrade_request) {
            accept_options options;
            options.subprotocol = core.request().offers("chat") ? "chat" : "";
            if (auto ec = core.accept(options, clock::now())) std::printf("  accept failed: %s\n", ec.message().c_str());
            core.release_request();
        } else if (ev.kind == core_event_kind::message) {
            (void)core.send(ev.op, ev.payload); // echo
        }
    }
    print_output(core);
}

std::string frame(opcode op, std::string_view payload) {
    std::string out;
    append_masked_frame(out, op, as_bytes(payload), {0x12, 0x34, 0x56, 0x78});
    return out;
}

} // namespace

int main() {
    std::printf("squall %d.%d.%d protocol demo: a connection_core driven by byte vectors\n\n", version_major,
                version_minor, version_patch);
    const core_config config; // defaults: 10 MiB messages, 8 KiB heads, 30 s pings
    connection_core core{config, clock::now()};

    feed(core,
         "GET /chat HTTP/1.1\r\nHost: localhost:9001\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
         "Sec-WebSocket-Protocol: chat\r\n\r\n",
         "an upgrade request");
    feed(core, frame(opcode::text, "Hello, squall!"), "a masked text frame");
    feed(core, frame(opcode::ping, "are you there?"), "a ping");
    std::string close_body{"\x03\xe8" "done", 6};
    feed(core, frame(opcode::close, close_body), "a close frame (1000, \"done\")");
    std::printf("\nstate: %s; the driver closes TCP now\n", core.should_close_transport() ? "closed" : "open");

    std::printf("\nA second client sends a frame that is not masked:\n");
    connection_core bad{config, clock::now()};
    feed(bad,
         "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
         "an upgrade request");
    feed(bad, std::string("\x81\x02hi", 4), "an unmasked frame");

    std::printf("\nA third client speaks an old protocol version:\n");
    connection_core old{config, clock::now()};
    feed(old,
         "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
         "an upgrade request for version 8");
    return 0;
}
