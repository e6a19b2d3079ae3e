// squall/version.hpp: the library version, as macros and as constants.
// Kept in step with project(VERSION) in CMakeLists.txt by a test.
#pragma once

#define SQUALL_VERSION_MAJOR 0
#define SQUALL_VERSION_MINOR 1
#define SQUALL_VERSION_PATCH 0
#define SQUALL_VERSION (SQUALL_VERSION_MAJOR * 10000 + SQUALL_VERSION_MINOR * 100 + SQUALL_VERSION_PATCH)

namespace squall::inline v0 {
inline constexpr int version_major = SQUALL_VERSION_MAJOR;
inline constexpr int version_minor = SQUALL_VERSION_MINOR;
inline constexpr int version_patch = SQUALL_VERSION_PATCH;
} // namespace squall::inline v0
