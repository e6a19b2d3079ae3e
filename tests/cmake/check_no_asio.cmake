# cmake -DCXX=<compiler> -DINCLUDE_DIR=<include/> -DSCAN=<header or folder> -P check_no_asio.cmake
# DESIGN §2: protocol/ (and policy/) never include Asio. Asks the compiler for each header's full
# dependency list on the REAL include path (no poison) and fails if any path has an asio/ folder
# component or ends in asio.hpp. Uses -M, not -MM: -MM leaves out headers found in system
# directories, which is exactly where Debian's Asio lives (/usr/include/asio).
foreach(v CXX INCLUDE_DIR SCAN)
    if(NOT DEFINED ${v})
        message(FATAL_ERROR "check_no_asio.cmake: -D${v}=... is required")
    endif()
endforeach()

if(IS_DIRECTORY "${SCAN}")
    file(GLOB_RECURSE headers "${SCAN}/*.hpp")
    list(SORT headers)
elseif(EXISTS "${SCAN}")
    set(headers "${SCAN}")
endif()
if(NOT headers)
    # An empty list would pass without checking anything.
    message(FATAL_ERROR "no headers found at ${SCAN}: nothing to check, refusing to pass")
endif()

set(failed "")
foreach(h IN LISTS headers)
    execute_process(COMMAND "${CXX}" -std=c++20 -x c++ -M "-I${INCLUDE_DIR}" "${h}"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE deps ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${CXX} -M failed on ${h}:\n${err}")
    endif()
    string(REPLACE "\\\n" " " deps "${deps}")   # line continuations
    string(REPLACE "\\ " "<sp>" deps "${deps}")  # escaped spaces inside a path
    string(REGEX REPLACE "^[^:]*:" "" deps "${deps}") # the target
    string(REGEX REPLACE "[ \t\r\n]+" ";" deps "${deps}")
    set(bad "")
    foreach(d IN LISTS deps)
        if(d MATCHES "(^|/)asio/" OR d MATCHES "(^|/)asio\\.hpp$")
            string(REPLACE "<sp>" " " d "${d}")
            list(APPEND bad "${d}")
        endif()
    endforeach()
    list(LENGTH deps n)
    if(bad)
        list(GET bad 0 first)
        list(LENGTH bad nbad)
        string(APPEND failed "  ${h} reaches Asio through ${nbad} header(s), first ${first}\n")
    else()
        message(STATUS "ok: ${h} (${n} dependencies, none in Asio)")
    endif()
endforeach()
if(failed)
    message(FATAL_ERROR "Asio-free headers must not include Asio (DESIGN §2):\n${failed}")
endif()
list(LENGTH headers n)
message(STATUS "${n} header(s) checked: none reaches Asio")
