# squallTargetOptions.cmake: compile options for squall's own tests, examples, benchmarks and
# fuzzers. Not installed: nothing here reaches squall::squall or its consumers.

include_guard(GLOBAL)

set(SQUALL_SANITIZE_CHOICES "" "address,undefined" "thread")
if(NOT SQUALL_SANITIZE IN_LIST SQUALL_SANITIZE_CHOICES)
    message(FATAL_ERROR "squall: SQUALL_SANITIZE='${SQUALL_SANITIZE}' is not one of: \"\" (none), "
                        "\"address,undefined\", \"thread\".")
endif()
if(SQUALL_SANITIZE STREQUAL "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # DESIGN §7: GCC 12's TSan does not support atomic_thread_fence (Asio uses it).
    message(WARNING "squall: run SQUALL_SANITIZE=thread with Clang; GCC's TSan reports false races "
                    "around atomic_thread_fence.")
endif()

# Flags shared by sanitized builds and fuzzers (DESIGN §7): frame pointers for useful stacks;
# every UBSan report is fatal so a test fails on it; Clang's -fsanitize=function misfires on
# coroutine frames.
function(_squall_sanitizer_flags out sanitizers)
    set(flags "-fsanitize=${sanitizers}" "-fno-omit-frame-pointer")
    if(sanitizers MATCHES "undefined")
        list(APPEND flags "-fno-sanitize-recover=all")
    endif()
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        list(APPEND flags "-fno-sanitize=function")
    endif()
    set(${out} "${flags}" PARENT_SCOPE)
endfunction()

# Warnings as errors, ASIO_NO_DEPRECATED, and the SQUALL_SANITIZE instrumentation.
function(squall_project_options target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
    target_compile_definitions(${target} PRIVATE ASIO_NO_DEPRECATED)
    if(SQUALL_SANITIZE)
        _squall_sanitizer_flags(flags "${SQUALL_SANITIZE}")
        target_compile_options(${target} PRIVATE ${flags})
        target_link_options(${target} PRIVATE ${flags})
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
            # DESIGN §7: GCC 12 with ASan/TSan warns mismatched-new-delete inside Asio's
            # awaitable frames (a false positive of its allocator bookkeeping).
            target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
            if(SQUALL_SANITIZE MATCHES "address")
                # GCC 12 + ASan reports -Wmaybe-uninitialized inside libstdc++'s <regex>
                # (std::function moves; Catch2's runner hits it). Unsanitized builds keep it.
                target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
            endif()
        endif()
    endif()
endfunction()

# A libFuzzer target: always ASan+UBSan, whatever SQUALL_SANITIZE says.
function(squall_fuzzer_options target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
    _squall_sanitizer_flags(flags "fuzzer,address,undefined")
    target_compile_options(${target} PRIVATE ${flags})
    target_link_options(${target} PRIVATE ${flags})
endfunction()
