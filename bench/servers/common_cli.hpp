// bench/servers/common_cli.hpp: the flags every C++ benchmark server takes (--port N, --threads N)
// and its announcement line. Not squall API.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bench {

struct server_flags {
    unsigned short port = 0;
    unsigned threads = 1;
};

inline server_flags parse_flags(int argc, char** argv, const char* program) {
    server_flags f;
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        if (std::strcmp(argv[i], "--port") == 0 && has_value) f.port = static_cast<unsigned short>(std::atoi(argv[++i]));
        else if (std::strcmp(argv[i], "--threads") == 0 && has_value) f.threads = static_cast<unsigned>(std::atoi(argv[++i]));
        else {
            std::fprintf(stderr, "usage: %s [--port N] [--threads N]\n", program);
            std::exit(2);
        }
    }
    if (f.threads == 0) f.threads = 1;
    return f;
}

// The line bench/run.py waits for.
inline void announce(const char* program, unsigned port) {
    std::printf("%s listening on 127.0.0.1:%u\n", program, port);
    std::fflush(stdout);
}

} // namespace bench
