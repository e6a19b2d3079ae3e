// Consumer check: squall's headers, its Asio and its compile definitions arrive through the way
// the consumer found squall alone (squall::squall, or pkg-config's flags). It then serves one
// WebSocket handshake and one echoed frame on 127.0.0.1 (port 0) to a client of its own, and
// exits 0 only if both went as RFC 6455 says.
#include <squall/squall.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/version.hpp>
#include <asio/write.hpp>

#include <array>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <unistd.h> // alarm: the whole check is bounded, a hang fails by SIGALRM

#if defined(__clang__) && !defined(ASIO_HAS_CO_AWAIT)
#error "squall::squall must define ASIO_HAS_CO_AWAIT=1 for Clang (DESIGN section 7)"
#endif
#if defined(SQUALL_CONSUMER_EXPECT_ASIO_PACKAGE) && !defined(SQUALL_FAKE_ASIO_PACKAGE)
#error "asio::asio did not come from the asio CMake config package (vcpkg/conan style)"
#endif

namespace {

struct echo {
    void on_message(auto& conn, squall::message_view msg) { conn.send(msg); }
};

int fail(const char* what) {
    std::fprintf(stderr, "squall_consumer: %s\n", what);
    return 1;
}

int run() {
    squall::websocket_server server{squall::threads{1}};
    server.route<echo>("/");
    server.listen("127.0.0.1", 0);

    asio::io_context ioc;
    asio::ip::tcp::socket sock{ioc};
    sock.connect({asio::ip::make_address("127.0.0.1"), server.port()});
    const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                "Sec-WebSocket-Version: 13\r\n\r\n";
    asio::write(sock, asio::buffer(request));
    std::string head;
    const auto n = asio::read_until(sock, asio::dynamic_buffer(head), "\r\n\r\n");
    head.resize(n); // nothing follows the 101 until we send a frame
    if (head.rfind("HTTP/1.1 101", 0) != 0) return fail(("no 101: " + head).c_str());
    // RFC 6455 section 1.3's example key and its accept value.
    if (head.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == std::string::npos)
        return fail(("wrong Sec-WebSocket-Accept: " + head).c_str());

    // A masked text frame "hi"; the echo comes back unmasked.
    const std::array<unsigned char, 8> frame{0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2};
    asio::write(sock, asio::buffer(frame));
    std::array<unsigned char, 4> echoed{};
    asio::read(sock, asio::buffer(echoed));
    if (echoed != std::array<unsigned char, 4>{0x81, 0x02, 'h', 'i'}) return fail("wrong echo");

    sock.close();
    server.stop();
    std::printf("squall %d.%d.%d with Asio %d: handshake and echo on port %u ok\n", squall::version_major,
                squall::version_minor, squall::version_patch, ASIO_VERSION, static_cast<unsigned>(server.port()));
    return 0;
}

} // namespace

int main() {
    ::alarm(20);
    try {
        return run();
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}
