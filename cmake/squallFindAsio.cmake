# squallFindAsio.cmake: provides the imported target asio::asio for squall.
# Used by the build (CMakeLists.txt) and installed next to squallConfig.cmake, so consumers run
# the same lookup. Order: an Asio CMake config package (vcpkg and conan provide asio::asio),
# else a header search with a version check: Debian ships libasio-dev as headers only, with no
# CMake config and no asio.pc.
#
# squall_find_asio(<REQUIRED|OPTIONAL>)
#   Defines asio::asio if it can, and sets in the caller's scope:
#     SQUALL_ASIO_FOUND        TRUE/FALSE
#     SQUALL_ASIO_HEADER_DIR   the directory holding asio.hpp (empty when unknown)
#     SQUALL_ASIO_MESSAGE      why it was not found (OPTIONAL mode)
#   REQUIRED stops configuration with a FATAL_ERROR naming the packages to install.

include_guard(GLOBAL)

# 1.22 is what Debian 12 ships and what squall is tested on (DESIGN §7).
set(SQUALL_ASIO_MIN_VERSION 102200)

function(squall_find_asio mode)
    set(found FALSE)
    set(include_dir "")
    set(why "")

    if(TARGET asio::asio)
        set(found TRUE)
    else()
        find_package(asio CONFIG QUIET)
        if(TARGET asio::asio)
            set(found TRUE)
        endif()
    endif()

    if(found)
        get_target_property(dirs asio::asio INTERFACE_INCLUDE_DIRECTORIES)
        if(dirs)
            foreach(d IN LISTS dirs)
                if(NOT d MATCHES "\\$<" AND EXISTS "${d}/asio.hpp")
                    set(include_dir "${d}")
                    break()
                endif()
            endforeach()
        endif()
    else()
        find_path(SQUALL_ASIO_INCLUDE_DIR NAMES asio.hpp
                  DOC "Directory holding the standalone Asio header asio.hpp")
        if(NOT SQUALL_ASIO_INCLUDE_DIR)
            set(why "standalone Asio (asio.hpp) was not found.")
        elseif(NOT EXISTS "${SQUALL_ASIO_INCLUDE_DIR}/asio.hpp")
            set(why "SQUALL_ASIO_INCLUDE_DIR=${SQUALL_ASIO_INCLUDE_DIR} holds no asio.hpp.")
        elseif(NOT EXISTS "${SQUALL_ASIO_INCLUDE_DIR}/asio/version.hpp")
            set(why "${SQUALL_ASIO_INCLUDE_DIR}/asio.hpp exists but asio/version.hpp does not.")
        else()
            file(STRINGS "${SQUALL_ASIO_INCLUDE_DIR}/asio/version.hpp" line
                 REGEX "^#define[ \t]+ASIO_VERSION[ \t]+[0-9]+")
            string(REGEX REPLACE "^#define[ \t]+ASIO_VERSION[ \t]+([0-9]+).*" "\\1" version "${line}")
            if(NOT version MATCHES "^[0-9]+$")
                set(why "could not read ASIO_VERSION from ${SQUALL_ASIO_INCLUDE_DIR}/asio/version.hpp.")
            elseif(version LESS SQUALL_ASIO_MIN_VERSION)
                math(EXPR major "${version} / 100000")
                math(EXPR minor "${version} / 100 % 1000")
                math(EXPR patch "${version} % 100")
                set(why "Asio ${major}.${minor}.${patch} in ${SQUALL_ASIO_INCLUDE_DIR} is too old: squall needs 1.22 or later.")
            else()
                set(found TRUE)
                set(include_dir "${SQUALL_ASIO_INCLUDE_DIR}")
                add_library(asio::asio INTERFACE IMPORTED)
                # CMake drops implicit directories such as /usr/include from the command line.
                set_target_properties(asio::asio PROPERTIES
                    INTERFACE_INCLUDE_DIRECTORIES "${include_dir}"
                    INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE")
            endif()
        endif()
    endif()

    if(NOT found)
        string(APPEND why " Install it: on Debian/Ubuntu `apt-get install --no-install-recommends libasio-dev`;"
               " with vcpkg or conan, the package `asio`. Or set SQUALL_ASIO_INCLUDE_DIR to the directory"
               " holding asio.hpp.")
        if(mode STREQUAL "REQUIRED")
            message(FATAL_ERROR "squall: ${why}")
        endif()
    endif()

    set(SQUALL_ASIO_FOUND ${found} PARENT_SCOPE)
    set(SQUALL_ASIO_HEADER_DIR "${include_dir}" PARENT_SCOPE)
    set(SQUALL_ASIO_MESSAGE "${why}" PARENT_SCOPE)
endfunction()
