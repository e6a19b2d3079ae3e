// examples/echo_server.cpp: the README demo. Serves a small page at / whose text box talks to
// the server over WebSocket, and echoes every message on / upgrades (text as text, binary as
// binary). Flags (space-separated `--flag value`): --host, --port, --threads,
// --max-message-bytes, --no-ping, --allowed-origin (repeatable), --handshake-timeout-ms,
// --max-connections. SIGINT/SIGTERM: graceful shutdown (1001 to all, 5 s), exit 0. SIGUSR1:
// prints "stats connections=N" (server.connection_count()) and keeps serving.
#include <squall/squall.hpp>

#include "example_cli.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {

constexpr const char* page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>squall echo</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  #log { border: 1px solid #ccc; border-radius: 4px; height: 16rem; overflow-y: auto; padding: .5rem; background: #fafafa; }
  .out { color: #064; } .in { color: #024; } .sys { color: #777; font-style: italic; }
  form { display: flex; gap: .5rem; margin-top: .5rem; } input { flex: 1; padding: .4rem; }
</style>
</head>
<body>
<h1>squall echo</h1>
<p id="status" class="sys">connecting&hellip;</p>
<div id="log" aria-live="polite"></div>
<form id="form">
  <input id="text" autocomplete="off" placeholder="Type a message" value="Hello, squall!">
  <button type="submit" id="send">Send</button>
  <button type="button" id="send-binary">Send as binary</button>
</form>
<script>
const log = document.getElementById('log');
const status = document.getElementById('status');
function line(cls, text) {
  const p = document.createElement('div'); p.className = cls; p.textContent = text;
  log.appendChild(p); log.scrollTop = log.scrollHeight;
}
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/');
ws.binaryType = 'arraybuffer';
window.squallSocket = ws;
ws.onopen = () => { status.textContent = 'connected to ' + location.host; };
ws.onmessage = (e) => {
  if (typeof e.data === 'string') line('in', '\u2190 ' + e.data);
  else line('in', '\u2190 binary (' + e.data.byteLength + ' bytes): ' + new TextDecoder().decode(e.data));
};
ws.onclose = (e) => { status.textContent = 'closed: ' + e.code + (e.reason ? ' ' + e.reason : ''); };
ws.onerror = () => { line('sys', 'connection error'); };
document.getElementById('form').onsubmit = (e) => {
  e.preventDefault();
  const text = document.getElementById('text').value;
  ws.send(text); line('out', '\u2192 ' + text);
};
document.getElementById('send-binary').onclick = () => {
  const bytes = new TextEncoder().encode(document.getElementById('text').value);
  ws.send(bytes); line('out', '\u2192 binary (' + bytes.length + ' bytes)');
};
</script>
</body>
</html>
)html";

struct echo {
    void on_message(auto& conn, squall::message_view msg) { conn.send(msg); }
};

struct settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 9001;
    std::size_t threads = 1;
    std::uint64_t max_message_bytes = 10u * 1024 * 1024;
    bool no_ping = false;
    std::vector<std::string> allowed_origins;
    long handshake_timeout_ms = 10000;
    std::size_t max_connections = static_cast<std::size_t>(-1);
};

settings parse(int argc, char** argv) {
    example::cli cli{argc, argv, "echo_server",
                     "[--host ADDR] [--port N] [--threads N] [--max-message-bytes N] [--no-ping] "
                     "[--allowed-origin ORIGIN]... [--handshake-timeout-ms N] [--max-connections N]"};
    settings s;
    for (std::string flag; cli.next(flag);) {
        if (flag == "--host") s.host = cli.value(flag);
        else if (flag == "--port") {
            const auto p = cli.number(flag);
            if (p > 65535) cli.fail("--port must be at most 65535");
            s.port = static_cast<std::uint16_t>(p);
        } else if (flag == "--threads") {
            s.threads = cli.number(flag);
            if (s.threads == 0) cli.fail("--threads must be at least 1");
        } else if (flag == "--max-message-bytes") s.max_message_bytes = cli.number(flag);
        else if (flag == "--no-ping") s.no_ping = true;
        else if (flag == "--allowed-origin") s.allowed_origins.emplace_back(cli.value(flag));
        else if (flag == "--handshake-timeout-ms") {
            s.handshake_timeout_ms = static_cast<long>(cli.number(flag));
            if (s.handshake_timeout_ms == 0) cli.fail("--handshake-timeout-ms must be at least 1");
        } else if (flag == "--max-connections") s.max_connections = cli.number(flag);
        else cli.fail("unknown flag " + flag);
    }
    return s;
}

template <class Server> int serve(Server& server, const settings& s) {
    auto& o = server.options();
    o.handshake_timeout = std::chrono::milliseconds(s.handshake_timeout_ms);
    o.max_connections = s.max_connections;
    // Plain HTTP requests (not upgrades) get the page at / and 404 elsewhere.
    o.http_responder = [](const squall::request_view& req) {
        if (req.path() != "/") return squall::http_response{404, "Not found.\n", {}};
        return squall::http_response{200, page, {{"Content-Type", "text/html; charset=utf-8"}}};
    };
    server.template route<echo>("/");
    // listen, print "listening on HOST:PORT" and the page's URL, wait for SIGINT/SIGTERM, then
    // server.shutdown(5 s): 1001 to every client (example_cli.hpp).
    return example::serve_until_signal(server, s.host, s.port, "echo_server", /*print_open_url=*/true);
}

template <class Ping> int with_origin(const settings& s, Ping ping) {
    const squall::message_size_limit limit{s.max_message_bytes};
    if (s.allowed_origins.empty()) {
        squall::basic_websocket_server server{squall::threads{s.threads}, ping, limit};
        return serve(server, s);
    }
    squall::basic_websocket_server server{squall::threads{s.threads}, ping, limit,
                                          squall::allowed_origins(s.allowed_origins.begin(), s.allowed_origins.end())};
    return serve(server, s);
}

} // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    try {
        if (s.no_ping) return with_origin(s, squall::no_ping{});
        return with_origin(s, squall::interval_ping{});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_server: %s\n", e.what());
        return 1;
    }
}
