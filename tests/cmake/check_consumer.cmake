# cmake -DHOW=<way> -DSQUALL_BUILD_DIR=<dir> -DSQUALL_SOURCE_DIR=<dir> -DWORK_DIR=<dir>
#       -DCONSUMER_DIR=<dir> -DGENERATOR=<gen> -DCXX=<compiler> [-DPKG_CONFIG=<pkg-config>]
#       -P check_consumer.cmake
# Builds tests/cmake/consumer against squall and runs it (it serves one handshake and one echo
# on 127.0.0.1 and exits 0). The ways (issue 7):
#   install           find_package(squall CONFIG) in a scratch `cmake --install` prefix
#   build_tree        find_package(squall CONFIG) with squall_DIR=<build dir>
#   relocatable       install into WORK_DIR, build and run; move the prefix; build and run again
#                     (CMake package and pkg-config file both found at the new place)
#   add_subdirectory  squall as a subproject (its tests, examples and install rules stay off)
#   fetchcontent      FetchContent_Declare(URL file://...) of a source archive made from
#                     SQUALL_SOURCE_DIR (CMakeLists.txt, cmake/, include/, single_include/,
#                     LICENSE, README.md): what a release archive holds
#   pkg_config        `pkg-config --cflags --libs squall` (PKG_CONFIG_PATH into an install
#                     prefix), then a plain compiler command: no CMake on the consumer side
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
    endif()
    set(out "${out}" PARENT_SCOPE)
endfunction()

# cmake --install into <prefix>, check the layout and that no file names the build directory.
function(install_to prefix)
    run("${CMAKE_COMMAND}" --install "${SQUALL_BUILD_DIR}" --prefix "${prefix}")
    foreach(f include/squall/squall.hpp include/squall/version.hpp
              share/squall/cmake/squallConfig.cmake share/squall/cmake/squallConfigVersion.cmake
              share/squall/cmake/squallTargets.cmake share/squall/cmake/squallFindAsio.cmake
              share/pkgconfig/squall.pc share/doc/squall/LICENSE)
        if(NOT EXISTS "${prefix}/${f}")
            message(FATAL_ERROR "install did not produce ${f}")
        endif()
    endforeach()
    file(GLOB_RECURSE cmake_files "${prefix}/share/squall/cmake/*" "${prefix}/share/pkgconfig/*")
    foreach(f IN LISTS cmake_files)
        file(READ "${f}" text)
        foreach(absolute IN ITEMS "${SQUALL_BUILD_DIR}" "${prefix}")
            string(FIND "${text}" "${absolute}" at)
            if(NOT at EQUAL -1)
                message(FATAL_ERROR "${f} names ${absolute}: the package is not relocatable")
            endif()
        endforeach()
    endforeach()
endfunction()

# Configure, build and run the consumer in <build> with extra cmake arguments.
function(build_and_run build)
    file(REMOVE_RECURSE "${build}")
    run("${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${build}" -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}" ${ARGN})
    run("${CMAKE_COMMAND}" --build "${build}")
    run("${build}/squall_consumer")
    message(STATUS "consumer (${HOW}): ${out}")
endfunction()

# As a subproject, squall builds none of its tests/examples/bench and adds no install rules.
function(check_subproject dir)
    foreach(d tests examples bench)
        if(EXISTS "${dir}/${d}")
            message(FATAL_ERROR "as a subproject, squall must not build its ${d}/ (${dir}/${d} exists)")
        endif()
    endforeach()
    if(NOT EXISTS "${dir}/cmake_install.cmake")
        message(FATAL_ERROR "no ${dir}/cmake_install.cmake: squall was not configured as a subproject there")
    endif()
    file(READ "${dir}/cmake_install.cmake" text)
    if(text MATCHES "file\\(INSTALL")
        message(FATAL_ERROR "as a subproject, squall must not add install rules (SQUALL_INSTALL)")
    endif()
endfunction()

# pkg-config --cflags / --libs squall from <prefix>/share/pkgconfig; the -I must point into
# <prefix>/include.
# Compiles main.cpp with them alone and runs it.
function(pkg_config_build_and_run prefix exe)
    if(NOT PKG_CONFIG)
        message(FATAL_ERROR "pkg-config is not installed (Debian: apt-get install pkg-config)")
    endif()
    foreach(what cflags libs)
        run("${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${prefix}/share/pkgconfig" "${PKG_CONFIG}" --${what} squall)
        string(STRIP "${out}" ${what}_text)
        separate_arguments(${what} UNIX_COMMAND "${${what}_text}")
    endforeach()
    set(flags_text "${cflags_text} ${libs_text}")
    set(include_ok FALSE)
    foreach(f IN LISTS cflags)
        if(f MATCHES "^-I(.+)$")
            get_filename_component(dir "${CMAKE_MATCH_1}" REALPATH)
            get_filename_component(want "${prefix}/include" REALPATH)
            if(dir STREQUAL want AND EXISTS "${dir}/squall/squall.hpp")
                set(include_ok TRUE)
            endif()
        endif()
    endforeach()
    if(NOT include_ok)
        message(FATAL_ERROR "pkg-config --cflags squall gave '${cflags_text}': no -I${prefix}/include")
    endif()
    set(extra "")
    if(CXX MATCHES "clang")
        list(APPEND extra -DASIO_HAS_CO_AWAIT=1) # what squall.pc tells Clang users to add
    endif()
    get_filename_component(exe_dir "${exe}" DIRECTORY)
    file(MAKE_DIRECTORY "${exe_dir}")
    run("${CXX}" ${cflags} ${extra} "${CONSUMER_DIR}/main.cpp" ${libs} -o "${exe}")
    run("${exe}")
    message(STATUS "consumer (${HOW}, pkg-config '${flags_text}'): ${out}")
endfunction()

if(HOW STREQUAL "install")
    install_to("${WORK_DIR}/prefix")
    build_and_run("${WORK_DIR}/build" "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")
elseif(HOW STREQUAL "build_tree")
    build_and_run("${WORK_DIR}/build" "-Dsquall_DIR=${SQUALL_BUILD_DIR}")
elseif(HOW STREQUAL "relocatable")
    install_to("${WORK_DIR}/prefix")
    build_and_run("${WORK_DIR}/build" "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")
    file(MAKE_DIRECTORY "${WORK_DIR}/moved")
    file(RENAME "${WORK_DIR}/prefix" "${WORK_DIR}/moved/elsewhere")
    if(EXISTS "${WORK_DIR}/prefix")
        message(FATAL_ERROR "the prefix was not moved")
    endif()
    build_and_run("${WORK_DIR}/build-moved" "-DCMAKE_PREFIX_PATH=${WORK_DIR}/moved/elsewhere")
    file(READ "${WORK_DIR}/build-moved/CMakeCache.txt" cache)
    if(NOT cache MATCHES "squall_DIR:PATH=${WORK_DIR}/moved/elsewhere/share/squall/cmake")
        message(FATAL_ERROR "after the move, squall was not found in the moved prefix")
    endif()
    if(PKG_CONFIG)
        pkg_config_build_and_run("${WORK_DIR}/moved/elsewhere" "${WORK_DIR}/pc-moved/squall_consumer")
    endif()
elseif(HOW STREQUAL "add_subdirectory")
    build_and_run("${WORK_DIR}/build" "-DSQUALL_SOURCE_DIR=${SQUALL_SOURCE_DIR}")
    check_subproject("${WORK_DIR}/build/squall")
elseif(HOW STREQUAL "fetchcontent")
    set(stage "${WORK_DIR}/archive/squall-src")
    foreach(item CMakeLists.txt cmake include single_include LICENSE README.md)
        file(COPY "${SQUALL_SOURCE_DIR}/${item}" DESTINATION "${stage}")
    endforeach()
    set(archive "${WORK_DIR}/archive/squall-src.tar.gz")
    execute_process(COMMAND "${CMAKE_COMMAND}" -E tar czf "${archive}" squall-src
                    WORKING_DIRECTORY "${WORK_DIR}/archive" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "could not make ${archive}")
    endif()
    file(REMOVE_RECURSE "${stage}") # only the archive is left to fetch from
    file(SHA256 "${archive}" sha256)
    build_and_run("${WORK_DIR}/build" "-DSQUALL_FETCH_URL=file://${archive}" "-DSQUALL_FETCH_SHA256=${sha256}")
    if(NOT EXISTS "${WORK_DIR}/build/_deps/squall-src/include/squall/squall.hpp")
        message(FATAL_ERROR "FetchContent did not unpack squall into _deps/squall-src")
    endif()
    check_subproject("${WORK_DIR}/build/_deps/squall-build")
elseif(HOW STREQUAL "pkg_config")
    install_to("${WORK_DIR}/prefix")
    pkg_config_build_and_run("${WORK_DIR}/prefix" "${WORK_DIR}/build/squall_consumer")
else()
    message(FATAL_ERROR "unknown HOW=${HOW}")
endif()
