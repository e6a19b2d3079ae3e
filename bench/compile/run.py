#!/usr/bin/env python3
"""Compile time and peak compiler memory of a minimal echo server: squall vs Boost.Beast vs websocketpp.

usage: python3 bench/compile/run.py [--runs N] [--compilers g++,clang++-14] [--opts=-O0,-O2]
                                    [--output bench/compile/RESULTS.md]

Each translation unit is compiled to an object file (`-c`, no link) with /usr/bin/time
measuring the compiler's wall time, CPU time (user + sys) and peak RSS. Runs are interleaved
(round 1 compiles every unit once, then round 2, ...) so a load spike from another process
hits every unit alike; each cell is the median of the runs. Flags are the same for every unit
except the language standard: websocketpp 0.8 does not compile as C++20, so it gets
-std=c++17 and the others -std=c++20. With Clang, -DASIO_HAS_CO_AWAIT=1 is passed to every
unit (squall's net/io.hpp defines it anyway; it does not touch Boost.Asio).

Besides the three echo servers it measures headers alone (a file that only includes them):
`<squall/squall.hpp>`, `<asio.hpp>` and Beast's websocket headers, so the cost of squall's
own code can be told from the cost of Asio. Standard library only. Needs /usr/bin/time
(Debian: time), libasio-dev, libboost1.81-dev (or another Boost with Beast) and
libwebsocketpp-dev.
"""
import argparse
import datetime
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

HEADER_ONLY = {
    "squall.hpp alone": "#include <squall/squall.hpp>\n",
    "asio.hpp alone": "#include <asio.hpp>\n",
    "Beast websocket alone": "#include <boost/asio.hpp>\n#include <boost/beast/core.hpp>\n"
                             "#include <boost/beast/websocket.hpp>\n",
}
ECHO = {
    "squall echo": ("squall_echo.cpp", "-std=c++20"),
    "Beast echo": ("beast_echo.cpp", "-std=c++20"),
    "websocketpp echo": ("websocketpp_echo.cpp", "-std=c++17"),
}


def version_of(cmd):
    try:
        out = subprocess.run([cmd, "--version"], capture_output=True, text=True).stdout
        return out.splitlines()[0] if out else "?"
    except OSError:
        return "missing"


def header_macro(header, macro):
    try:
        text = pathlib.Path(header).read_text(errors="replace")
    except OSError:
        return "?"
    m = re.search(r"#\s*define\s+" + macro + r"\s+\"?([^\"\n]+)", text)
    return m.group(1).split("//")[0].strip() if m else "?"


def websocketpp_version():
    try:
        text = pathlib.Path("/usr/include/websocketpp/version.hpp").read_text(errors="replace")
    except OSError:
        return "?"
    m = re.search(r'user_agent\[\] = "WebSocket\+\+/([^"]+)"', text)
    return m.group(1) if m else "?"


def measure(cmd):
    """(wall s, cpu s, peak RSS MiB) of one compiler run; raises on a failed compile."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-o", tf.name, "-f", "%e %U %S %M"] + cmd
        r = subprocess.run(full, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("compile failed: " + " ".join(cmd) + "\n" + r.stderr[-3000:])
        wall, user, sys_, rss = tf.read().split()[-4:]
    return float(wall), float(user) + float(sys_), int(rss) / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--compilers", default="g++,clang++-14")
    ap.add_argument("--opts", default="-O0,-O2")
    ap.add_argument("--output", default=str(HERE / "RESULTS.md"))
    args = ap.parse_args()
    compilers = args.compilers.split(",")
    opts = args.opts.split(",")

    work = pathlib.Path(tempfile.mkdtemp(prefix="squall-compile-bench-"))
    units = {}  # name -> (source path, std flag)
    for name, (file, std) in ECHO.items():
        units[name] = (HERE / file, std)
    for n, (name, text) in enumerate(HEADER_ONLY.items()):
        src = work / f"header_only_{n}.cpp"
        src.write_text(text)
        units[name] = (src, "-std=c++20")

    load_before = os.getloadavg()
    samples = {}  # (compiler, opt, unit) -> [(wall, cpu, rss)]
    for rnd in range(args.runs):
        for cxx in compilers:
            for opt in opts:
                for name, (src, std) in units.items():
                    cmd = [cxx, std, opt, "-I", str(ROOT / "include")]
                    if "clang" in cxx:
                        cmd.append("-DASIO_HAS_CO_AWAIT=1")
                    cmd += ["-c", str(src), "-o", str(work / "out.o")]
                    s = measure(cmd)
                    samples.setdefault((cxx, opt, name), []).append(s)
                    print(f"round {rnd + 1}/{args.runs} {cxx} {opt} {name}: "
                          f"{s[0]:.2f} s wall, {s[1]:.2f} s cpu, {s[2]:.0f} MiB", flush=True)
    load_after = os.getloadavg()

    def med(key, i):
        return statistics.median(x[i] for x in samples[key])

    lines = []
    w = lines.append
    w("# Compile time: squall vs Boost.Beast vs websocketpp")
    w("")
    w(f"Generated by `python3 bench/compile/run.py` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
      f"({platform.machine()}, {os.cpu_count()} cores; load average {load_before[0]:.1f} before, "
      f"{load_after[0]:.1f} after" + ("; other work shared the machine, so CPU time is the steadier column)."
                                     if max(load_before[0], load_after[0]) > 1.5 else ").")
    w("")
    w("Each cell is the median of " + str(args.runs) + " interleaved runs of the compiler producing an object file "
      "(`-c`, no link, no `-g`): wall time, CPU time (user + sys) and the compiler's peak RSS, from "
      "`/usr/bin/time`. Flags: the optimization level shown, `-I include`, `-std=c++20` "
      "(websocketpp: `-std=c++17`, it does not compile as C++20); with Clang also `-DASIO_HAS_CO_AWAIT=1` for every unit.")
    w("")
    w("- Compilers: " + "; ".join(f"`{c}`: {version_of(c)}" for c in compilers))
    w(f"- Standalone Asio {header_macro('/usr/include/asio/version.hpp', 'ASIO_VERSION')} (`ASIO_VERSION`), "
      f"Boost {header_macro('/usr/include/boost/version.hpp', 'BOOST_LIB_VERSION')}, "
      f"websocketpp {websocketpp_version()}")
    w("- Units: `squall_echo.cpp`, `beast_echo.cpp`, `websocketpp_echo.cpp` (the same echo server three ways), "
      "and files that only include `<squall/squall.hpp>`, `<asio.hpp>`, or Beast's websocket headers.")
    w("")
    for cxx in compilers:
        for opt in opts:
            w(f"## {cxx} {opt}")
            w("")
            w("| Unit | Wall (s) | CPU (s) | Peak RSS (MiB) | Wall vs Beast echo | CPU vs Beast echo | RSS vs Beast echo |")
            w("|---|---:|---:|---:|---:|---:|---:|")
            base = (cxx, opt, "Beast echo")
            for name in units:
                key = (cxx, opt, name)
                w(f"| {name} | {med(key, 0):.2f} | {med(key, 1):.2f} | {med(key, 2):.0f} | "
                  f"{med(key, 0) / med(base, 0):.2f}× | {med(key, 1) / med(base, 1):.2f}× | "
                  f"{med(key, 2) / med(base, 2):.2f}× |")
            w("")
    w("## Summary: squall echo / Beast echo (target: wall ≤ 0.5×)")
    w("")
    w("| Compiler | Flags | Wall | CPU | Peak RSS | squall echo / websocketpp echo: wall (CPU) |")
    w("|---|---|---:|---:|---:|---:|")
    for cxx in compilers:
        for opt in opts:
            s, b, p = (cxx, opt, "squall echo"), (cxx, opt, "Beast echo"), (cxx, opt, "websocketpp echo")
            w(f"| {cxx} | {opt} | {med(s, 0) / med(b, 0):.2f}× | {med(s, 1) / med(b, 1):.2f}× | "
              f"{med(s, 2) / med(b, 2):.2f}× | {med(s, 0) / med(p, 0):.2f}× ({med(s, 1) / med(p, 1):.2f}×) |")
    w("")
    w("Raw samples (wall s, cpu s, MiB) per cell, in run order:")
    w("")
    w("```text")
    for key, xs in samples.items():
        w(f"{key[0]:>12} {key[1]} {key[2]:<22} " + "  ".join(f"({a:.2f}, {c:.2f}, {r:.0f})" for a, c, r in xs))
    w("```")
    pathlib.Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("wrote", args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
