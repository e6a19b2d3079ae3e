"""Conan 2 recipe for squall: header-only, requires asio, exports squall::squall.

From a squall checkout:
    conan create packaging/conan --build=missing
The recipe exports the checkout it sits in (CMakeLists.txt, cmake/, include/, LICENSE) and
installs it with squall's own CMake install rules, with exactly the options that
tests/cmake/check_packaging.cmake checks (no tests, no examples: nothing needs Catch2).
"""
import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir

required_conan_version = ">=2.0"


class SquallConan(ConanFile):
    name = "squall"
    description = "Header-only C++20 WebSocket server library on standalone Asio"
    license = "BSL-1.0"
    topics = ("websocket", "asio", "server", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    no_copy_source = True

    def _root(self):
        return os.path.join(self.recipe_folder, "..", "..")

    def set_version(self):
        # One version, project(VERSION) in CMakeLists.txt (a test keeps version.hpp in step).
        text = load(self, os.path.join(self._root(), "CMakeLists.txt"))
        self.version = re.search(r"project\(squall VERSION ([0-9]+\.[0-9]+\.[0-9]+)", text).group(1)

    def export_sources(self):
        for pattern in ("CMakeLists.txt", "LICENSE", "cmake/*", "include/*"):
            copy(self, pattern, self._root(), self.export_sources_folder)

    def layout(self):
        cmake_layout(self, src_folder=".")

    def requirements(self):
        # Debian 12's 1.22 is the oldest squall is tested on (DESIGN section 7).
        self.requires("asio/[>=1.22.1 <2]")

    def package_id(self):
        self.info.clear()

    def validate(self):
        if self.settings.get_safe("compiler.cppstd"):
            check_min_cppstd(self, 20)

    def generate(self):
        tc = CMakeToolchain(self)
        # tests/cmake/check_packaging.cmake reads these lines: keep one option per line.
        tc.cache_variables["SQUALL_BUILD_TESTS"] = False
        tc.cache_variables["SQUALL_BUILD_EXAMPLES"] = False
        tc.cache_variables["SQUALL_BUILD_BENCH"] = False
        tc.cache_variables["SQUALL_BUILD_FUZZ"] = False
        tc.cache_variables["SQUALL_INSTALL"] = True
        tc.cache_variables["CMAKE_DISABLE_FIND_PACKAGE_Catch2"] = True
        tc.generate()
        CMakeDeps(self).generate()  # asio-config.cmake: squall's Asio lookup finds asio::asio

    def build(self):
        cmake = CMake(self)
        cmake.configure()

    def package(self):
        cmake = CMake(self)
        cmake.install()
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        # Conan generates the CMake and pkg-config files from package_info() below.
        rmdir(self, os.path.join(self.package_folder, "share"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "squall")
        self.cpp_info.set_property("cmake_target_name", "squall::squall")
        self.cpp_info.set_property("pkg_config_name", "squall")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.requires = ["asio::asio"]
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
            self.cpp_info.cxxflags = ["-pthread"]
        # DESIGN section 7: Asio 1.22 enables co_await on Clang with libstdc++ only when told to;
        # squall::squall from squall's own CMake package does the same.
        if str(self.settings.get_safe("compiler")) in ("clang", "apple-clang"):
            self.cpp_info.defines = ["ASIO_HAS_CO_AWAIT=1"]
