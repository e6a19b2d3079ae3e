// byte_buffer: holds no memory while empty, consumes from the front, and reuses the thread's
// pooled blocks (DESIGN §6: no buffers held by idle connections, no allocation per message).
#include <squall/protocol/byte_buffer.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <thread>

using squall::protocol::byte_buffer;

TEST_CASE("byte_buffer: empty holds nothing; appends, consumes and truncates", "[protocol][byte_buffer]") {
    byte_buffer b;
    CHECK(b.empty());
    CHECK(b.capacity() == 0);
    CHECK(b.data() == nullptr);
    b += std::string_view{"hello "};
    b += 'w';
    b.append("orld", 4);
    CHECK(b.text() == "hello world");
    CHECK(b.capacity() >= b.size());
    b.consume(6);
    CHECK(b.text() == "world");
    b.truncate(3);
    CHECK(b.text() == "wor");
    b.consume(100); // more than held: all of it, and the block goes back
    CHECK(b.empty());
    CHECK(b.capacity() == 0);
}

TEST_CASE("byte_buffer: growth keeps the readable octets in order", "[protocol][byte_buffer]") {
    byte_buffer b;
    std::string expect;
    for (int i = 0; i < 5000; ++i) {
        const std::string piece = std::to_string(i) + ",";
        b += piece;
        expect += piece;
        if (i % 7 == 0) { // consume from the front now and then
            b.consume(3);
            expect.erase(0, 3);
        }
    }
    CHECK(b.text() == expect);
    CHECK(b.capacity() >= expect.size());
}

TEST_CASE("byte_buffer: a released block is reused by the next buffer on the thread", "[protocol][byte_buffer]") {
    std::thread t{[] { // a fresh thread: a pool of its own
        const std::uint8_t* first = nullptr;
        {
            byte_buffer a;
            a += std::string_view{"abc"};
            first = a.data();
        } // released to the pool
        byte_buffer b;
        b += std::string_view{"xyz"};
        CHECK(b.data() == first);
        // Moves carry the block; the source is left empty.
        byte_buffer c{std::move(b)};
        CHECK(c.text() == "xyz");
        CHECK(b.capacity() == 0); // NOLINT(bugprone-use-after-move): documented moved-from state
        byte_buffer d;
        d.swap(c);
        CHECK(d.text() == "xyz");
        CHECK(c.empty());
    }};
    t.join();
}

TEST_CASE("byte_buffer: blocks above the pooling limit are freed, not kept", "[protocol][byte_buffer]") {
    std::thread t{[] {
        const std::uint8_t* big = nullptr;
        {
            byte_buffer a;
            a.extend(byte_buffer::pooled_capacity_limit * 2);
            big = a.data();
        }
        byte_buffer b;
        b += std::string_view{"small"};
        CHECK(b.capacity() < byte_buffer::pooled_capacity_limit); // not the freed large block
        (void)big;
    }};
    t.join();
}
