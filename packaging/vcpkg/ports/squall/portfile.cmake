# vcpkg port of squall: header-only, depends on the port `asio`, exports squall::squall.
#
# As an overlay port from a squall checkout (this file then builds that checkout):
#   vcpkg install squall --overlay-ports=<squall>/packaging/vcpkg/ports
# For a registry, set SQUALL_PORT_FROM_GITHUB (or drop the checkout branch), point REPO at the
# published repository and put the release archive's SHA512 below (vcpkg prints it on a mismatch).
set(VCPKG_BUILD_TYPE release) # header-only: no debug tree

get_filename_component(squall_checkout "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
if(NOT SQUALL_PORT_FROM_GITHUB AND EXISTS "${squall_checkout}/include/squall/squall.hpp")
    set(SOURCE_PATH "${squall_checkout}")
else()
    vcpkg_from_github(
        OUT_SOURCE_PATH SOURCE_PATH
        REPO squall-websocket/squall
        REF "v${VERSION}"
        SHA512 0
        HEAD_REF main
    )
endif()

# tests/cmake/check_packaging.cmake configures squall with exactly these options (it reads them
# from here) and proves that nothing asks for Catch2, nlohmann_json or Python then.
vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DSQUALL_BUILD_TESTS=OFF
        -DSQUALL_BUILD_EXAMPLES=OFF
        -DSQUALL_BUILD_BENCH=OFF
        -DSQUALL_BUILD_FUZZ=OFF
        -DSQUALL_INSTALL=ON
        -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON
    MAYBE_UNUSED_VARIABLES
        CMAKE_DISABLE_FIND_PACKAGE_Catch2
)
vcpkg_cmake_install()

# squall installs its CMake package to share/squall/cmake; vcpkg wants it in share/squall.
vcpkg_cmake_config_fixup(PACKAGE_NAME squall CONFIG_PATH share/squall/cmake)

# squall.pc has `Libs: -pthread`: vcpkg keeps .pc files with Libs under lib/pkgconfig. Its
# prefix is ${pcfiledir}/../.., right from either place.
file(MAKE_DIRECTORY "${CURRENT_PACKAGES_DIR}/lib/pkgconfig")
file(RENAME "${CURRENT_PACKAGES_DIR}/share/pkgconfig/squall.pc" "${CURRENT_PACKAGES_DIR}/lib/pkgconfig/squall.pc")
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/pkgconfig" "${CURRENT_PACKAGES_DIR}/share/doc")
vcpkg_fixup_pkgconfig()

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
