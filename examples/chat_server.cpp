// examples/chat_server.cpp: a chat room. Serves a page at / (a name field, a message box and a
// log) and a WebSocket route /chat?name=NAME. Every text message a member sends is broadcast
// to every member as {"event":"message","name":...,"text":...}; joins and leaves are broadcast
// as {"event":"join"|"leave","name":...}; the joiner also gets {"event":"welcome","name":...}.
// Flags: --host ADDR (default 127.0.0.1), --port N (default 9001, 0 = any free port).
// SIGINT/SIGTERM: graceful shutdown (1001 to all, 5 s), exit 0. SIGUSR1: prints
// "stats connections=N" (server.connection_count()) and keeps serving.
#include <squall/squall.hpp>

#include "example_cli.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

namespace {

constexpr const char* page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>squall chat</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  #log { border: 1px solid #ccc; border-radius: 4px; height: 18rem; overflow-y: auto; padding: .5rem; background: #fafafa; }
  .sys { color: #777; font-style: italic; } .who { font-weight: 600; }
  form { display: flex; gap: .5rem; margin: .5rem 0; } input { flex: 1; padding: .4rem; }
</style>
</head>
<body>
<h1>squall chat</h1>
<form id="join">
  <input id="name" autocomplete="nickname" maxlength="32" placeholder="Your name" value="guest">
  <button type="submit" id="join-button">Join</button>
</form>
<p id="status" class="sys">not connected</p>
<div id="log" aria-live="polite"></div>
<form id="say">
  <input id="text" autocomplete="off" placeholder="Type a message" disabled>
  <button type="submit" id="send" disabled>Send</button>
</form>
<script>
const log = document.getElementById('log');
const status = document.getElementById('status');
const text = document.getElementById('text');
const send = document.getElementById('send');
let ws = null;
function line(cls, who, what) {
  const p = document.createElement('div'); p.className = cls;
  if (who) { const b = document.createElement('span'); b.className = 'who'; b.textContent = who + ': '; p.appendChild(b); }
  p.appendChild(document.createTextNode(what));
  log.appendChild(p); log.scrollTop = log.scrollHeight;
}
function enable(on) { text.disabled = !on; send.disabled = !on; }
document.getElementById('join').onsubmit = (e) => {
  e.preventDefault();
  if (ws) ws.close(1000, 'rejoining');
  const name = document.getElementById('name').value;
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/chat?name=' + encodeURIComponent(name);
  const sock = new WebSocket(url);
  ws = sock;
  window.squallSocket = sock;
  sock.onopen = () => { status.textContent = 'connected to ' + location.host; enable(true); text.focus(); };
  sock.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.event === 'message') line('msg', m.name, m.text);
    else if (m.event === 'welcome') line('sys', '', 'you joined as ' + m.name);
    else if (m.event === 'join') line('sys', '', m.name + ' joined');
    else if (m.event === 'leave') line('sys', '', m.name + ' left');
  };
  sock.onclose = (ev) => {
    if (ws !== sock) return;
    ws = null; enable(false);
    status.textContent = 'closed: ' + ev.code + (ev.reason ? ' ' + ev.reason : '');
  };
};
document.getElementById('say').onsubmit = (e) => {
  e.preventDefault();
  if (ws && text.value) { ws.send(text.value); text.value = ''; }
};
</script>
</body>
</html>
)html";

constexpr std::size_t max_name_chars = 32;

// The query value as the browser sent it (encodeURIComponent): %XX and '+' decoded. Returns
// "" for a malformed escape so the caller falls back to the default name.
std::string percent_decode(std::string_view in) {
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') out += ' ';
        else if (in[i] != '%') out += in[i];
        else {
            if (i + 2 >= in.size()) return {}; // a '%' needs two hex digits
            const int hi = hex(in[i + 1]);
            const int lo = hex(in[i + 2]);
            if (hi < 0 || lo < 0) return {};
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        }
    }
    return out;
}

// The member's display name from `?name=`: decoded, at most 32 characters (code points, so a
// multi-byte character is never cut in half), "anonymous" when missing, empty or not UTF-8
// (the JSON encoder refuses invalid UTF-8, and so would the browser's WebSocket).
std::string member_name(const squall::request_view& req) {
    const auto raw = req.query_param("name");
    if (!raw) return "anonymous";
    std::string name = percent_decode(*raw);
    if (name.empty() || !squall::protocol::is_valid_utf8(name)) return "anonymous";
    std::size_t chars = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if ((c & 0xC0) == 0x80) continue; // a continuation byte belongs to the previous character
        if (chars++ == max_name_chars) {
            name.resize(i);
            break;
        }
    }
    return name;
}

// One object per connection: the name is per-connection state, copied out of the request in
// the route's factory (the request_view is gone after on_open).
struct chat_member {
    std::string name;

    void on_open(auto& conn) {
        // To the joiner only, through the server's JSON encoder policy.
        conn.send_json(std::map<std::string, std::string>{{"event", "welcome"}, {"name", name}});
        announce(conn, "join");
    }

    void on_message(auto& conn, squall::message_view msg) {
        if (!msg.is_text()) {
            conn.close(squall::close_code::unsupported_data, "text messages only");
            return;
        }
        broadcast(conn, {{"event", "message"}, {"name", name}, {"text", std::string(msg.text())}});
    }

    // The member is gone (closed by either side, or dropped): tell the others. This
    // connection is no longer open, so broadcast skips it.
    void on_close(auto& conn, squall::close_code, std::string_view) { announce(conn, "leave"); }

private:
    void announce(auto& conn, const char* event) { broadcast(conn, {{"event", event}, {"name", name}}); }

    // Encodes once with the server's own encoder (the same one send_json uses), then
    // broadcast() frames it once and queues the same octets on every open member of /chat.
    static void broadcast(auto& conn, const std::map<std::string, std::string>& event) {
        std::string line;
        if (conn.server().policies().json().encode(event, line)) return; // only for invalid UTF-8
        conn.server().broadcast("/chat", line);
    }
};

struct settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 9001;
};

settings parse(int argc, char** argv) {
    example::cli cli{argc, argv, "chat_server", "[--host ADDR] [--port N]"};
    settings s;
    for (std::string flag; cli.next(flag);) {
        if (flag == "--host") s.host = cli.value(flag);
        else if (flag == "--port") s.port = static_cast<std::uint16_t>(cli.number(flag, 0, 65535));
        else cli.fail("unknown flag " + flag);
    }
    return s;
}

int run(const settings& s) {
    // One thread of the server's own; the main thread waits for a signal.
    squall::basic_websocket_server server{squall::threads{1}, squall::message_size_limit{16 * 1024}};
    server.options().http_responder = [](const squall::request_view& req) {
        if (req.path() != "/") return squall::http_response{404, "Not found.\n", {}};
        return squall::http_response{200, page, {{"Content-Type", "text/html; charset=utf-8"}}};
    };
    server.route("/chat", [](const squall::request_view& req, const squall::accept&) {
        return chat_member{member_name(req)};
    });

    // listen, print "listening on HOST:PORT" and the page's URL, wait for SIGINT/SIGTERM, then
    // server.shutdown(5 s): 1001 to every member (example_cli.hpp).
    return example::serve_until_signal(server, s.host, s.port, "chat_server", /*print_open_url=*/true);
}

} // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    try {
        return run(s);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat_server: %s\n", e.what());
        return 1;
    }
}
