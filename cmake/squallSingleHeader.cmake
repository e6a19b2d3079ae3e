# squallSingleHeader.cmake: SQUALL_TEST_SINGLE_HEADER=ON (issue 7). Not installed.
#
# squall_single_header_mirror(<out_var>)
#   Writes <build>/single_header_mirror/, a copy of include/'s layout in which every header
#   forwards to single_include/squall/squall.hpp, and sets <out_var> to that directory. Put
#   first (alone) on the include path, it makes every `#include <squall/...>` of the tests,
#   examples and benchmarks land in the generated header, so the whole suite runs against it.
#   - contrib/ adapters are not amalgamated (tools/amalgamate.py refuses them): their forwarder
#     includes the real file, whose own squall includes then land in the single header, as for
#     a user who drops the single header and an adapter next to each other;
#   - a header of include/ that the single header lacks (not reachable from squall.hpp, or the
#     single header is stale) gets a forwarder that is an #error naming the fix.
# The forwarders are rewritten only when their text changes, and the glob re-runs at build
# time, so adding a header or regenerating the single header needs no manual re-configure.

include_guard(GLOBAL)

function(squall_single_header_mirror out)
    set(root "${PROJECT_SOURCE_DIR}/include")
    set(single "${PROJECT_SOURCE_DIR}/single_include/squall/squall.hpp")
    set(mirror "${PROJECT_BINARY_DIR}/single_header_mirror")
    if(NOT EXISTS "${single}")
        message(FATAL_ERROR "squall: SQUALL_TEST_SINGLE_HEADER=ON needs ${single}: run python3 tools/amalgamate.py")
    endif()
    # Which headers the single header holds is read from its "// ---- begin <name> ----" lines.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${single}")
    file(STRINGS "${single}" begins REGEX "^// ---- begin squall/.*\\.hpp ----$")
    file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE "${root}" "${root}/squall/*.hpp")
    file(GLOB_RECURSE stale RELATIVE "${mirror}" "${mirror}/*.hpp")
    foreach(h IN LISTS headers)
        list(REMOVE_ITEM stale "${h}")
        if(h MATCHES "^squall/contrib/")
            set(text "#pragma once\n// contrib/ is not amalgamated: the real adapter, on top of the single header.\n#include \"${root}/${h}\"\n")
        elseif("// ---- begin ${h} ----" IN_LIST begins)
            set(text "#pragma once\n// SQUALL_TEST_SINGLE_HEADER=ON: <${h}> is part of the single header.\n#include \"${single}\"\n")
        else()
            set(text "#error \"squall: <${h}> is in include/ but not in single_include/squall/squall.hpp: run python3 tools/amalgamate.py\"\n")
        endif()
        file(CONFIGURE OUTPUT "${mirror}/${h}" CONTENT "${text}" @ONLY)
    endforeach()
    foreach(h IN LISTS stale)
        file(REMOVE "${mirror}/${h}")
    endforeach()
    set(${out} "${mirror}" PARENT_SCOPE)
endfunction()
