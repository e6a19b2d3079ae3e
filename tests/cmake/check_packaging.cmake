# cmake -DSQUALL_SOURCE_DIR=<dir> -DWORK_DIR=<dir> -DCONSUMER_DIR=<dir> -DGENERATOR=<gen>
#       -DCXX=<compiler> -DASIO_HEADER_DIR=<dir> -DPROJECT_VERSION=<x.y.z> [-DPKG_CONFIG=<exe>]
#       -P check_packaging.cmake
# What packaging/ (the vcpkg port and the conan recipe) relies on, checked offline: neither
# registry nor tool is reachable here, so vcpkg and conan themselves never run. In order:
#  1. the portfile's vcpkg_cmake_configure OPTIONS and the recipe's cache_variables are the same
#     set, and turn tests and examples off and install rules on; vcpkg.json names the port
#     squall at the project's version and depends on asio; usage shows find_package + squall::squall;
#  2. a stand-in for the asio package of vcpkg/conan (share/asio/asio-config.cmake defining
#     asio::asio with a marker definition) in a fake vcpkg "installed" prefix;
#  3. squall configured with exactly those options against that prefix, traced: nothing calls
#     find_package for Catch2, nlohmann_json or Python3, asio::asio comes from the package
#     (asio_DIR set, no header search); the same configure with tests on must fail on Catch2
#     (CMAKE_DISABLE_FIND_PACKAGE_Catch2 has teeth, so step 3 proves something);
#  4. build + install; the recipe's package() (install, then drop share/) leaves include/ only;
#  5. the portfile's steps after install replayed by hand: vcpkg_cmake_config_fixup's move of
#     share/squall/cmake to share/squall with its _IMPORT_PREFIX / PACKAGE_PREFIX_DIR
#     correction, the .pc to lib/pkgconfig, usage and copyright;
#  6. a consumer made of the usage file's own lines builds against that tree and runs (one
#     handshake, one echo), and must get asio::asio from the asio package; pkg-config there;
#  7. packaging/conan/test_package (its CMakeLists.txt and .cpp) builds against it and runs.
cmake_minimum_required(VERSION 3.21) # IN_LIST, string(JSON)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(port_dir "${SQUALL_SOURCE_DIR}/packaging/vcpkg/ports/squall")
set(conan_dir "${SQUALL_SOURCE_DIR}/packaging/conan")
set(installed "${WORK_DIR}/vcpkg_installed") # what vcpkg's toolchain puts on CMAKE_PREFIX_PATH
set(pkg "${WORK_DIR}/install")               # the port's / recipe's `cmake --install` prefix

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
    endif()
    set(out "${out}" PARENT_SCOPE)
endfunction()

# --- 1. the recipes agree with each other and with the project -----------------------------
file(READ "${port_dir}/portfile.cmake" portfile)
if(NOT portfile MATCHES "vcpkg_cmake_configure\\(([^)]*)\\)")
    message(FATAL_ERROR "portfile.cmake has no vcpkg_cmake_configure(...)")
endif()
string(REGEX MATCHALL "-D[A-Za-z0-9_]+=[A-Za-z0-9_]+" port_options "${CMAKE_MATCH_1}")
file(STRINGS "${conan_dir}/conanfile.py" conan_lines REGEX "tc\\.cache_variables\\[")
set(conan_options "")
foreach(line IN LISTS conan_lines)
    if(NOT line MATCHES "tc\\.cache_variables\\[\"([A-Za-z0-9_]+)\"\\] = (True|False)$")
        message(FATAL_ERROR "conanfile.py: cannot read '${line}' (one `tc.cache_variables[\"X\"] = True|False` per line)")
    endif()
    if(CMAKE_MATCH_2 STREQUAL "True")
        list(APPEND conan_options "-D${CMAKE_MATCH_1}=ON")
    else()
        list(APPEND conan_options "-D${CMAKE_MATCH_1}=OFF")
    endif()
endforeach()
list(SORT port_options)
list(SORT conan_options)
if(NOT port_options STREQUAL conan_options)
    message(FATAL_ERROR "the vcpkg port and the conan recipe configure squall differently:\n"
                        "  portfile: ${port_options}\n  conanfile: ${conan_options}")
endif()
foreach(required -DSQUALL_BUILD_TESTS=OFF -DSQUALL_BUILD_EXAMPLES=OFF -DSQUALL_INSTALL=ON
                 -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON)
    if(NOT required IN_LIST port_options)
        message(FATAL_ERROR "the recipes must pass ${required} (they pass ${port_options})")
    endif()
endforeach()
message(STATUS "recipe options: ${port_options}")

file(READ "${port_dir}/vcpkg.json" manifest)
string(JSON name GET "${manifest}" name)
string(JSON version GET "${manifest}" version)
string(JSON ndeps LENGTH "${manifest}" dependencies)
set(deps "")
math(EXPR last "${ndeps} - 1")
foreach(i RANGE ${last})
    string(JSON type TYPE "${manifest}" dependencies ${i})
    if(type STREQUAL "STRING")
        string(JSON d GET "${manifest}" dependencies ${i})
    else()
        string(JSON d GET "${manifest}" dependencies ${i} name)
    endif()
    list(APPEND deps "${d}")
endforeach()
if(NOT name STREQUAL "squall" OR NOT version STREQUAL PROJECT_VERSION
   OR NOT "asio" IN_LIST deps OR NOT "vcpkg-cmake" IN_LIST deps OR NOT "vcpkg-cmake-config" IN_LIST deps)
    message(FATAL_ERROR "vcpkg.json: name '${name}' version '${version}' (project: ${PROJECT_VERSION}), "
                        "dependencies '${deps}': want squall, the project version, asio + vcpkg-cmake(-config)")
endif()
file(STRINGS "${port_dir}/usage" usage_cmake REGEX "^  (find_package|target_link_libraries)\\(")
if(NOT usage_cmake MATCHES "find_package\\(squall CONFIG REQUIRED\\)"
   OR NOT usage_cmake MATCHES "target_link_libraries\\(main PRIVATE squall::squall\\)")
    message(FATAL_ERROR "usage does not show find_package(squall CONFIG REQUIRED) and squall::squall: ${usage_cmake}")
endif()

# --- 2. the asio package of vcpkg/conan, stood in for ----------------------------------------
file(WRITE "${installed}/share/asio/asio-config.cmake" "\
# Stand-in for vcpkg's/conan's asio: find_package(asio CONFIG) defines asio::asio.
if(NOT TARGET asio::asio)
    add_library(asio::asio INTERFACE IMPORTED)
    set_target_properties(asio::asio PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES \"${ASIO_HEADER_DIR}\"
        INTERFACE_COMPILE_DEFINITIONS \"ASIO_STANDALONE;SQUALL_FAKE_ASIO_PACKAGE=1\")
endif()
")

# --- 3. configure with the recipes' options: nothing asks for test-only packages -------------
set(configure "${CMAKE_COMMAND}" -S "${SQUALL_SOURCE_DIR}" -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}"
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${installed}" "-DCMAKE_INSTALL_PREFIX=${pkg}")
run(${configure} -B "${WORK_DIR}/build" ${port_options}
    --trace-expand "--trace-redirect=${WORK_DIR}/trace.txt")
file(STRINGS "${WORK_DIR}/trace.txt" finds REGEX "find_package\\(")
set(asked "")
foreach(line IN LISTS finds)
    if(line MATCHES "find_package\\((Catch2|nlohmann_json|Python3?|Python)[ )]")
        list(APPEND asked "${line}")
    endif()
endforeach()
if(asked)
    message(FATAL_ERROR "configured as the recipes do, squall still asks for test-only packages:\n${asked}")
endif()
if(NOT finds MATCHES "find_package\\(asio CONFIG")
    message(FATAL_ERROR "the trace shows no find_package(asio CONFIG ...): it does not record what it should")
endif()
file(STRINGS "${WORK_DIR}/build/CMakeCache.txt" asio_dir REGEX "^asio_DIR:")
file(STRINGS "${WORK_DIR}/build/CMakeCache.txt" header_dir REGEX "^SQUALL_ASIO_INCLUDE_DIR:")
if(NOT asio_dir STREQUAL "asio_DIR:PATH=${installed}/share/asio" OR header_dir)
    message(FATAL_ERROR "squall's build did not take asio::asio from the asio package "
                        "('${asio_dir}', header search '${header_dir}')")
endif()
execute_process(COMMAND ${configure} -B "${WORK_DIR}/build-tests-on" ${port_options} -DSQUALL_BUILD_TESTS=ON
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0 OR NOT out MATCHES "Catch2")
    message(FATAL_ERROR "with tests on and CMAKE_DISABLE_FIND_PACKAGE_Catch2=ON, configure should fail on "
                        "Catch2 (else step 3 proves nothing); it gave ${rc}:\n${out}")
endif()

# --- 4. build and install; the conan recipe's package() keeps include/ only -----------------
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run("${CMAKE_COMMAND}" --install "${WORK_DIR}/build")
file(GLOB top RELATIVE "${pkg}" "${pkg}/*")
list(SORT top)
if(NOT top STREQUAL "include;share")
    message(FATAL_ERROR "a header-only install should hold include/ and share/ only, not: ${top}")
endif()
foreach(f include/squall/squall.hpp share/squall/cmake/squallConfig.cmake share/squall/cmake/squallTargets.cmake
          share/squall/cmake/squallConfigVersion.cmake share/squall/cmake/squallFindAsio.cmake
          share/pkgconfig/squall.pc share/doc/squall/LICENSE)
    if(NOT EXISTS "${pkg}/${f}")
        message(FATAL_ERROR "the install tree lacks ${f}, which the port's fixup or the recipe expects")
    endif()
endforeach()

# --- 5. the portfile's steps after vcpkg_cmake_install, replayed -----------------------------
file(COPY "${pkg}/include" DESTINATION "${installed}")
file(GLOB config_files "${pkg}/share/squall/cmake/*")
set(corrected FALSE)
foreach(f IN LISTS config_files)
    get_filename_component(fname "${f}" NAME)
    file(READ "${f}" text)
    # vcpkg_cmake_config_fixup's prefix correction: share/<port>/ is two levels under the prefix.
    set(chain_line "get_filename_component\\(_IMPORT_PREFIX \"\\\${_IMPORT_PREFIX}\" PATH\\)")
    set(chain "get_filename_component\\(_IMPORT_PREFIX \"\\\${CMAKE_CURRENT_LIST_FILE}\" PATH\\)(\n${chain_line})*")
    set(two "get_filename_component(_IMPORT_PREFIX \"\${CMAKE_CURRENT_LIST_FILE}\" PATH)\nget_filename_component(_IMPORT_PREFIX \"\${_IMPORT_PREFIX}\" PATH)\nget_filename_component(_IMPORT_PREFIX \"\${_IMPORT_PREFIX}\" PATH)")
    string(REGEX REPLACE "${chain}" "${two}" fixed "${text}")
    string(REGEX REPLACE "get_filename_component\\(PACKAGE_PREFIX_DIR \"\\\${CMAKE_CURRENT_LIST_DIR}/\\.\\./(\\.\\./)*\" ABSOLUTE\\)"
           "get_filename_component(PACKAGE_PREFIX_DIR \"\${CMAKE_CURRENT_LIST_DIR}/../../\" ABSOLUTE)" fixed "${fixed}")
    if(NOT fixed STREQUAL text)
        set(corrected TRUE)
    endif()
    file(WRITE "${installed}/share/squall/${fname}" "${fixed}")
endforeach()
if(NOT corrected)
    message(FATAL_ERROR "vcpkg_cmake_config_fixup's prefix correction matched nothing in share/squall/cmake/")
endif()
file(COPY "${pkg}/share/pkgconfig/squall.pc" DESTINATION "${installed}/lib/pkgconfig")
file(COPY "${port_dir}/usage" DESTINATION "${installed}/share/squall")
file(COPY_FILE "${SQUALL_SOURCE_DIR}/LICENSE" "${installed}/share/squall/copyright")

# --- 6. a consumer written from the usage file ----------------------------------------------
list(GET usage_cmake 0 usage_find)
list(GET usage_cmake 1 usage_link)
file(WRITE "${WORK_DIR}/usage_consumer/CMakeLists.txt" "\
cmake_minimum_required(VERSION 3.21)
project(usage_consumer LANGUAGES CXX)
${usage_find}
add_executable(main \"${CONSUMER_DIR}/main.cpp\")
${usage_link}
# main.cpp fails to compile unless asio::asio came from the asio package.
target_compile_definitions(main PRIVATE SQUALL_CONSUMER_EXPECT_ASIO_PACKAGE)
")
run("${CMAKE_COMMAND}" -S "${WORK_DIR}/usage_consumer" -B "${WORK_DIR}/usage_consumer/build" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_PREFIX_PATH=${installed}")
file(STRINGS "${WORK_DIR}/usage_consumer/build/CMakeCache.txt" squall_dir REGEX "^squall_DIR:")
if(NOT squall_dir STREQUAL "squall_DIR:PATH=${installed}/share/squall")
    message(FATAL_ERROR "the usage consumer found squall at '${squall_dir}', not in ${installed}/share/squall")
endif()
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/usage_consumer/build")
run("${WORK_DIR}/usage_consumer/build/main")
message(STATUS "vcpkg usage consumer: ${out}")
if(PKG_CONFIG)
    run("${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${installed}/lib/pkgconfig" "${PKG_CONFIG}" --cflags squall)
    string(STRIP "${out}" cflags)
    if(NOT cflags MATCHES "-I${installed}/lib/pkgconfig/\\.\\./\\.\\./include( |$)"
       AND NOT cflags MATCHES "-I${installed}/include( |$)")
        message(FATAL_ERROR "pkg-config from lib/pkgconfig gave '${cflags}': not ${installed}/include")
    endif()
endif()

# --- 7. conan's test_package against the same tree -------------------------------------------
run("${CMAKE_COMMAND}" -S "${conan_dir}/test_package" -B "${WORK_DIR}/test_package" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_PREFIX_PATH=${installed}")
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/test_package")
run("${WORK_DIR}/test_package/test_package")
message(STATUS "conan test_package: ${out}")
