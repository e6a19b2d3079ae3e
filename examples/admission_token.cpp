// examples/admission_token.cpp: a user-written admission policy. An upgrade to / must carry
// ?token=T with a known token, else the server answers 401 with `WWW-Authenticate: Token`
// before any WebSocket exists. On success the policy picks the subprotocol (chat.v2 when the
// client offers it, else chat.v1 when offered, else none) and hands the token's user name to
// the handler through user_data. The handler greets "hello <user> (<subprotocol>)" (or
// "(none)") on open and then echoes.
// Flags: --host ADDR (default 127.0.0.1), --port N (default 9001, 0 = any free port),
// --token [USER:]TOKEN (repeatable; a bare token belongs to user "guest"; default: the single
// token "s3cret"). SIGINT/SIGTERM: graceful shutdown (1001 to all, 5 s), exit 0.
//
// Why a query parameter: browsers cannot set headers (Authorization) on a WebSocket
// handshake, so tokens travel in the URL, a cookie or a subprotocol. URLs end up in logs;
// use short-lived tokens and wss:// in production.
#include <squall/squall.hpp>

#include "example_cli.hpp"

#include <any>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// Equal strings of equal length take the same time whatever their content, so response
// timing does not reveal how much of a guess was right. (The length may still leak; tokens
// of a fixed length hide it.)
bool same_secret(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

// The admission role: runs after squall validated the handshake (route, method, headers,
// origin, version, key, connection cap) and before the 101. It names its role with
// policy_role, and its admit() is const because the server may call it from several
// threads at once: this policy is immutable after construction, so that is safe as it is.
class token_admission {
public:
    using policy_role = squall::admission_role;

    explicit token_admission(std::vector<std::pair<std::string, std::string>> tokens) : tokens_(std::move(tokens)) {}

    squall::admission admit(const squall::request_view& req) const {
        // Raw query value: not percent-decoded (see request_view::query_param).
        const auto token = req.query_param("token");
        const std::string* user = token ? find_user(*token) : nullptr;
        if (!user)
            return squall::reject{401, "missing or wrong token\n"}.header("WWW-Authenticate", "Token");

        squall::accept result;
        // Only a subprotocol the client offered may be chosen (RFC 6455 §4.2.2): squall
        // answers 500 otherwise, so ask req.offers() first.
        if (req.offers("chat.v2")) result.subprotocol("chat.v2");
        else if (req.offers("chat.v1")) result.subprotocol("chat.v1");
        // The request_view dies with this call: user data is how admission passes what it
        // learned (here a copy of the user name) to the route's handler factory.
        result.user_data(std::string(*user));
        return result;
    }

private:
    const std::string* find_user(std::string_view token) const noexcept {
        const std::string* found = nullptr;
        for (const auto& [user, secret] : tokens_) // every entry, matched or not: same time
            if (same_secret(token, secret) && !found) found = &user;
        return found;
    }

    std::vector<std::pair<std::string, std::string>> tokens_; // (user, token)
};

struct greeter {
    std::string user;

    void on_open(auto& conn) {
        const std::string_view sub = conn.subprotocol();
        conn.send("hello " + user + " (" + std::string(sub.empty() ? "none" : sub) + ")");
    }
    void on_message(auto& conn, squall::message_view msg) { conn.send(msg); }
};

struct settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 9001;
    std::vector<std::pair<std::string, std::string>> tokens;
};

settings parse(int argc, char** argv) {
    example::cli cli{argc, argv, "admission_token", "[--host ADDR] [--port N] [--token [USER:]TOKEN]..."};
    settings s;
    for (std::string flag; cli.next(flag);) {
        if (flag == "--host") s.host = cli.value(flag);
        else if (flag == "--port") s.port = static_cast<std::uint16_t>(cli.number(flag, 0, 65535));
        else if (flag == "--token") {
            const std::string t = cli.value(flag);
            const auto colon = t.find(':');
            std::string user = colon == std::string::npos ? "guest" : t.substr(0, colon);
            std::string token = colon == std::string::npos ? t : t.substr(colon + 1);
            if (user.empty() || token.empty()) cli.fail("--token needs a non-empty [USER:]TOKEN");
            s.tokens.emplace_back(std::move(user), std::move(token));
        } else cli.fail("unknown flag " + flag);
    }
    if (s.tokens.empty()) s.tokens.emplace_back("guest", "s3cret");
    return s;
}

int run(settings s) {
    squall::basic_websocket_server server{squall::threads{1}, token_admission{std::move(s.tokens)}};
    server.route("/", [](const squall::request_view&, const squall::accept& accepted) {
        // What the policy put in user_data; any_cast throws if it is something else, and the
        // client then gets 500 instead of a WebSocket.
        return greeter{std::any_cast<std::string>(accepted.user_data())};
    });

    // listen, print "listening on HOST:PORT", wait for SIGINT/SIGTERM, then
    // server.shutdown(5 s): 1001 to every client (example_cli.hpp).
    return example::serve_until_signal(server, s.host, s.port, "admission_token");
}

} // namespace

int main(int argc, char** argv) {
    settings s = parse(argc, argv);
    try {
        return run(std::move(s));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "admission_token: %s\n", e.what());
        return 1;
    }
}
