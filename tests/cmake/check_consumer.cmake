# cmake -DHOW=<install|build_tree|add_subdirectory> -DSQUALL_BUILD_DIR=<dir> -DSQUALL_SOURCE_DIR=<dir>
#       -DWORK_DIR=<dir> -DCONSUMER_DIR=<dir> -DGENERATOR=<gen> -DCXX=<compiler> -P check_consumer.cmake
# Builds and runs tests/cmake/consumer against squall: found by find_package(squall CONFIG) in a
# scratch install prefix (install) or in the build tree (build_tree), or added as a subproject
# (add_subdirectory: squall's tests, examples and install rules must then stay off).
file(REMOVE_RECURSE "${WORK_DIR}")

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
    endif()
    set(out "${out}" PARENT_SCOPE)
endfunction()

if(HOW STREQUAL "install")
    set(prefix "${WORK_DIR}/prefix")
    run("${CMAKE_COMMAND}" --install "${SQUALL_BUILD_DIR}" --prefix "${prefix}")
    foreach(f include/squall/squall.hpp include/squall/version.hpp
              share/squall/cmake/squallConfig.cmake share/squall/cmake/squallConfigVersion.cmake
              share/squall/cmake/squallTargets.cmake share/squall/cmake/squallFindAsio.cmake
              share/pkgconfig/squall.pc share/doc/squall/LICENSE)
        if(NOT EXISTS "${prefix}/${f}")
            message(FATAL_ERROR "install did not produce ${f}")
        endif()
    endforeach()
    file(GLOB_RECURSE cmake_files "${prefix}/share/squall/cmake/*")
    foreach(f IN LISTS cmake_files)
        file(READ "${f}" text)
        string(FIND "${text}" "${SQUALL_BUILD_DIR}" at)
        if(NOT at EQUAL -1)
            message(FATAL_ERROR "${f} names the build directory: the package is not relocatable")
        endif()
    endforeach()
    set(locate "-DCMAKE_PREFIX_PATH=${prefix}")
elseif(HOW STREQUAL "build_tree")
    set(locate "-Dsquall_DIR=${SQUALL_BUILD_DIR}")
else()
    set(locate "-DSQUALL_SOURCE_DIR=${SQUALL_SOURCE_DIR}")
endif()

run("${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}" "${locate}")
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
if(HOW STREQUAL "add_subdirectory")
    foreach(d tests examples bench)
        if(EXISTS "${WORK_DIR}/build/squall/${d}")
            message(FATAL_ERROR "as a subproject, squall must not build its ${d}/")
        endif()
    endforeach()
    file(READ "${WORK_DIR}/build/squall/cmake_install.cmake" text)
    if(text MATCHES "file\\(INSTALL")
        message(FATAL_ERROR "as a subproject, squall must not add install rules (SQUALL_INSTALL)")
    endif()
endif()
run("${WORK_DIR}/build/squall_consumer")
message(STATUS "consumer (${HOW}): ${out}")
