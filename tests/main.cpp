// The Catch2 v2 runner for squall_unit_tests: the test files under tests/unit/ have no main.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
