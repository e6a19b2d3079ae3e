// squall/endpoint.hpp: a squall-owned remote address, so that policies and handlers can see who
// connected without Asio types in their signatures. Standard library only.
#pragma once

#include <cstdint>
#include <string>

namespace squall::inline v0 {

struct endpoint {
    std::string address; ///< numeric IPv4 ("127.0.0.1") or IPv6 ("::1") address
    std::uint16_t port = 0;
    bool is_v6() const noexcept { return address.find(':') != std::string::npos; }
    /// "127.0.0.1:5000" or "[::1]:5000".
    std::string to_string() const {
        return (is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(port);
    }
    friend bool operator==(const endpoint&, const endpoint&) = default;
};

} // namespace squall::inline v0
