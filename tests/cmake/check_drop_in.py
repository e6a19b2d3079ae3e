#!/usr/bin/env python3
"""The drop-in door (issue 7): a program built from the single header alone, then run.

usage: check_drop_in.py [--skip-if-missing] CXX SINGLE_INCLUDE SOURCE OUTDIR TEST_SCRIPT [FLAG...]

Compiles SOURCE with
    CXX -std=c++20 -Wall -Wextra -Wpedantic -Werror FLAG... -I SINGLE_INCLUDE SOURCE -pthread
(no other include directory: Asio must come from the compiler's default search path, as it does
for a user with Debian's libasio-dev), then runs `python3 TEST_SCRIPT OUTDIR/<program>`, which
starts the program on port 0, talks to it over WebSocket and stops it by process id.
Exit 0 when both pass; 77 (CTest SKIP_RETURN_CODE) when CXX is not installed and
--skip-if-missing is given; 1 otherwise. Standard library only.
"""
import os
import pathlib
import shutil
import subprocess
import sys


def main():
    args = sys.argv[1:]
    skip_if_missing = bool(args) and args[0] == "--skip-if-missing"
    if skip_if_missing:
        args = args[1:]
    if len(args) < 5:
        print(__doc__)
        return 2
    cxx, single_include, source, outdir, script, flags = args[0], args[1], args[2], args[3], args[4], args[5:]
    compiler = shutil.which(cxx)
    if compiler is None:
        if skip_if_missing:
            print(f"SKIP: {cxx} is not installed")
            return 77
        print(f"FAIL: {cxx} is not installed")
        return 1
    if not (pathlib.Path(single_include) / "squall" / "squall.hpp").is_file():
        print(f"FAIL: no squall/squall.hpp under {single_include}")
        return 1
    out = pathlib.Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    program = out / pathlib.Path(source).stem
    if program.exists():
        program.unlink()
    cmd = [compiler, "-std=c++20", "-Wall", "-Wextra", "-Wpedantic", "-Werror", *flags,
           "-I", single_include, source, "-pthread", "-o", str(program)]
    print("$ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    if r.returncode != 0 or r.stderr.strip():
        # -Werror turns warnings into errors; anything else on stderr (notes, warnings that are
        # not errors) also means the header is not clean.
        print(f"FAIL: compiling exited {r.returncode}:\n{r.stdout}{r.stderr[:20000]}")
        return 1
    print(f"built {program}", flush=True)
    r = subprocess.run([sys.executable, script, str(program)], stdin=subprocess.DEVNULL, timeout=300)
    return 0 if r.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
