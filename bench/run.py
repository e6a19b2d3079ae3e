#!/usr/bin/python3
"""bench/run.py: runs the side-by-side benchmarks and writes bench/results/RESULTS.md, chart.png
and results.json. Started by bench/run.sh (which installs the packages and builds everything
first); Python standard library only. Settings come from the environment (bench/README.md):

  RUNS=3 DURATION=5 WARMUP=1     runs per measurement (the median is reported), seconds each
  QUICK=1                        smoke run: 1 run x 2 s, 1,000 idle connections, short strace
  CONNS=100 CONNECTORS=16 IDLE_CONNS=10000
  SERVERS=raw,squall,...         a subset of the servers (default: all that were built)
  SCENARIOS=p1,p16,...           a subset of the scenarios (default: all)
  STRACE=1 STRACE_DURATION=2     the separate strace -c run per server and scenario (0: skip)
  SERVER_CORE=0 LOADGEN_CORE=1   taskset pinning; NICE=0 (e.g. -10 as root for less noise)
  BUILD=build/bench OUT=bench/results MACHINE_KIND=cpp
"""
import datetime
import json
import os
import platform
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def env(name, default):
    return os.environ.get(name, default)


QUICK = env("QUICK", "0") == "1"
RUNS = int(env("RUNS", "1" if QUICK else "3"))
DURATION = float(env("DURATION", "2" if QUICK else "5"))
WARMUP = float(env("WARMUP", "0.5" if QUICK else "1"))
CONNS = int(env("CONNS", "100"))
CONNECTORS = int(env("CONNECTORS", "16"))
IDLE_CONNS = int(env("IDLE_CONNS", "1000" if QUICK else "10000"))
STRACE = env("STRACE", "1") == "1" and shutil.which("strace") is not None
STRACE_DURATION = float(env("STRACE_DURATION", "1" if QUICK else "2"))
SERVER_CORE = env("SERVER_CORE", "0")
LOADGEN_CORE = env("LOADGEN_CORE", "1")
NICE = int(env("NICE", "0"))
BUILD = os.path.join(ROOT, env("BUILD", "build/bench"))
OUT = os.path.join(ROOT, env("OUT", "bench/results"))
MACHINE_KIND = env("MACHINE_KIND", "cpp")
PY = "/usr/bin/python3"  # Debian's python3-websockets / python3-tornado import from here

LOADGEN = os.path.join(BUILD, "bench", "loadgen")
ALLOC_LIB = os.path.join(BUILD, "bench", "liballoc_count.so")
SERVERS_DIR = os.path.join(ROOT, "bench", "servers")

# name -> (label, command, protocol, C++ (allocation counting), scenarios it takes part in)
ALL = ["p1", "p16", "4k", "1m", "connect", "idle", "threads2"]
SERVERS = {
    "raw": ("raw TCP echo (epoll, 16 KiB)", [os.path.join(BUILD, "bench", "raw_echo")], "raw", True,
            ["p1", "p16", "4k", "1m", "connect", "idle"]),
    "squall": ("squall", [os.path.join(BUILD, "bench", "squall_echo")], "ws", True, ALL),
    "beast": ("Boost.Beast 1.81", [os.path.join(BUILD, "peers", "beast_echo")], "ws", True,
              ["p1", "p16", "4k", "1m", "connect", "idle"]),
    "websocketpp": ("websocketpp 0.8.2", [os.path.join(BUILD, "peers", "websocketpp_echo")], "ws", True,
                    ["p1", "p16", "4k", "1m", "connect", "idle"]),
    "pywebsockets": ("Python websockets 10.4", [PY, os.path.join(SERVERS_DIR, "python_websockets_echo.py")],
                     "ws", False, ["p1", "p16", "4k", "1m", "connect", "idle"]),
    "tornado": ("Tornado 6.2", [PY, os.path.join(SERVERS_DIR, "tornado_echo.py")], "ws", False,
                ["p1", "p16", "4k", "1m", "connect", "idle"]),
    "asio_idle": ("bare Asio 1.22 (accept + async_wait)", [os.path.join(BUILD, "bench", "asio_idle")], "raw",
                  True, ["idle"]),
}
ORDER = ["raw", "squall", "beast", "websocketpp", "pywebsockets", "tornado", "asio_idle"]

# name -> (title, loadgen arguments, server extra arguments, server cores)
SCENARIOS = {
    "p1": ("16 B x P1", ["--mode", "echo", "--size", "16", "--pipeline", "1"], [], SERVER_CORE),
    "p16": ("16 B x P16", ["--mode", "echo", "--size", "16", "--pipeline", "16"], [], SERVER_CORE),
    "4k": ("4 KiB x P4", ["--mode", "echo", "--size", "4096", "--pipeline", "4"], [], SERVER_CORE),
    "1m": ("1 MiB x P1", ["--mode", "echo", "--size", "1048576", "--pipeline", "1"], [], SERVER_CORE),
    "connect": ("handshakes", ["--mode", "connect"], [], SERVER_CORE),
    "idle": ("idle RSS", ["--mode", "idle", "--size", "16"], [], SERVER_CORE),
    "threads2": ("16 B x P16, 2 server threads", ["--mode", "echo", "--size", "16", "--pipeline", "16"],
                 ["--threads", "2"], f"{SERVER_CORE},{LOADGEN_CORE}"),
}
ECHO = ["p1", "p16", "4k", "1m"]


def log(*a):
    print(*a, flush=True)


def pinned(cores, cmd):
    pre = ["taskset", "-c", cores]
    if NICE:
        pre = ["nice", "-n", str(NICE)] + pre
    return pre + cmd


class Server:
    """One server process, pinned, optionally with the allocation counter preloaded."""

    def __init__(self, name, extra, cores):
        label, cmd, self.proto, self.cxx, _ = SERVERS[name]
        self.name = name
        self.alloc_file = None
        e = dict(os.environ)
        if self.cxx and os.path.exists(ALLOC_LIB):
            fd, self.alloc_file = tempfile.mkstemp(prefix=f"squall-bench-{name}-", suffix=".counts")
            os.write(fd, b"\0" * 4096)
            os.close(fd)
            e["LD_PRELOAD"] = ALLOC_LIB
            e["ALLOC_COUNT_FILE"] = self.alloc_file
        self.proc = subprocess.Popen(pinned(cores, cmd + ["--port", "0"] + extra), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=e, cwd=ROOT)
        self.pid = self.proc.pid  # nice and taskset exec the server: same pid
        self.port = self._wait_port()

    def _wait_port(self):
        deadline = time.time() + 20
        line = b""
        while time.time() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                line = self.proc.stdout.readline()
                m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", line)
                if m:
                    return int(m.group(1))
            if self.proc.poll() is not None:
                break
        err = self.proc.stderr.read().decode(errors="replace") if self.proc.poll() is not None else ""
        self.stop()
        raise RuntimeError(f"{self.name} did not start: {line!r} {err[-500:]}")

    def tids(self):
        try:
            return sorted(int(t) for t in os.listdir(f"/proc/{self.pid}/task"))
        except OSError:
            return [self.pid]

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=8)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.alloc_file:
            try:
                os.unlink(self.alloc_file)
            except OSError:
                pass
            self.alloc_file = None


def loadgen(server, scenario, duration, warmup):
    _, args, _, _ = SCENARIOS[scenario]
    cmd = [LOADGEN, "--port", str(server.port), "--proto", server.proto, "--server-pid", str(server.pid),
           "--duration", str(duration), "--warmup", str(warmup)] + args
    if scenario == "connect":
        cmd += ["--conns", str(CONNECTORS)]
    elif scenario == "idle":
        cmd += ["--conns", str(IDLE_CONNS), "--settle", "1"]
    else:
        cmd += ["--conns", str(CONNS)]
    if server.alloc_file:
        cmd += ["--alloc-file", server.alloc_file]
    timeout = warmup + duration + 120
    try:
        p = subprocess.run(pinned(LOADGEN_CORE, cmd), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"loadgen timed out after {timeout:.0f} s"
    result = None
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
    errs = "; ".join(l for l in p.stderr.splitlines() if not l.startswith("#"))
    if p.returncode != 0 or result is None:
        return result, f"loadgen exit {p.returncode}: {errs[-400:]}"
    if not server.alive():
        return result, "server exited during the run"
    return result, None


def strace_run(name, scenario):
    """A separate, shorter run under strace -c -f: syscalls per message (or per cycle)."""
    _, _, extra, cores = SCENARIOS[scenario]
    server = Server(name, extra, cores)
    out = tempfile.mktemp(prefix="squall-bench-strace-")
    try:
        cmd = ["strace", "-c", "-f", "-o", out]
        for t in server.tids():
            cmd += ["-p", str(t)]
        st = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)  # let strace attach to every thread
        result, err = loadgen(server, scenario, STRACE_DURATION, 0.2)
        st.send_signal(signal.SIGINT)
        try:
            st.wait(timeout=20)
        except subprocess.TimeoutExpired:
            st.kill()
            st.wait()
        if err or not result:
            return None, err or "no result"
        calls, top = parse_strace(out)
        if calls is None:
            return None, "no strace summary"
        total = result.get("total", 0)
        return {"calls": calls, "units": total, "per": calls / total if total else None, "top": top}, None
    finally:
        server.stop()
        if os.path.exists(out):
            os.unlink(out)


def parse_strace(path):
    try:
        text = open(path).read()
    except OSError:
        return None, []
    calls, top = None, []
    for line in text.splitlines():
        tok = line.split()
        if len(tok) >= 5 and tok[-1] == "total":
            calls = int(tok[3])
        elif len(tok) >= 5 and re.match(r"^[\d.]+$", tok[0]) and tok[3].isdigit():
            top.append((tok[-1], int(tok[3])))
    top.sort(key=lambda x: -x[1])
    return calls, top[:6]


def med(values):
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


def machine():
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    debian = ""
    try:
        debian = open("/etc/debian_version").read().strip()
    except OSError:
        pass

    def ver(pkg):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else "not installed"

    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "?"

    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "include"], capture_output=True,
                           text=True).stdout.strip()
    return {
        "kind": MACHINE_KIND,
        "cores": os.cpu_count(),
        "cpu": model,
        "debian": debian,
        "kernel": platform.release(),
        "gcc": first_line(["g++", "--version"]),
        "packages": {p: ver(p) for p in ["libasio-dev", "libboost1.81-dev", "libwebsocketpp-dev",
                                          "python3-websockets", "python3-tornado", "strace"]},
        "squall_commit": commit + (" + uncommitted changes in include/" if dirty else ""),
        "loadavg_start": open("/proc/loadavg").read().split()[:3],
    }


def fmt(x, digits=2):
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}f}"


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by servers and the load generator
    if hard < IDLE_CONNS + 100:
        log(f"note: RLIMIT_NOFILE hard limit {hard} < IDLE_CONNS + 100; idle runs may fail")
    want_servers = [s for s in env("SERVERS", ",".join(ORDER)).split(",") if s]
    want_scen = [s for s in env("SCENARIOS", ",".join(ALL)).split(",") if s]
    servers = []
    for s in want_servers:
        if s not in SERVERS:
            sys.exit(f"unknown server {s}; known: {', '.join(ORDER)}")
        cmd = SERVERS[s][1]
        exe = cmd[-1] if cmd[0] == PY else cmd[0]
        if not os.path.exists(exe):
            log(f"== {s}: not built ({exe} missing): skipped")
            continue
        servers.append(s)
    for s in want_scen:
        if s not in SCENARIOS:
            sys.exit(f"unknown scenario {s}; known: {', '.join(ALL)}")

    info = machine()
    started = time.time()
    log(f"== {len(servers)} servers, scenarios {','.join(want_scen)}; RUNS={RUNS} DURATION={DURATION} "
        f"WARMUP={WARMUP} CONNS={CONNS} IDLE_CONNS={IDLE_CONNS} STRACE={int(STRACE)} NICE={NICE}")
    results = {}  # (server, scenario) -> {"runs": [...], "errors": [...], "strace": {...}}
    for scen in want_scen:
        for s in servers:
            if scen not in SERVERS[s][4]:
                continue
            rec = results.setdefault(f"{s}/{scen}", {"runs": [], "errors": [], "strace": None})
            _, _, extra, cores = SCENARIOS[scen]
            for i in range(RUNS):
                try:
                    server = Server(s, extra, cores)
                except RuntimeError as e:
                    rec["errors"].append(str(e))
                    log(f"   {s:13} {scen:8} run {i + 1}: {e}")
                    break
                try:
                    r, err = loadgen(server, scen, DURATION, WARMUP)
                finally:
                    server.stop()
                if err:
                    rec["errors"].append(err)
                    log(f"   {s:13} {scen:8} run {i + 1}: FAILED: {err}")
                    continue
                rec["runs"].append(r)
                if scen == "idle":
                    heap = (f", live heap {r['live_heap_per_conn_b']:.0f} B in {r['live_blocks_per_conn']:.2f} blocks/conn"
                            if "live_heap_per_conn_b" in r else "")
                    log(f"   {s:13} {scen:8} run {i + 1}: {r['rss_per_conn_b']:.0f} B/conn "
                        f"({r['idle_conns']} conns, RSS {r['rss_before_kb']} -> {r['rss_after_kb']} KiB{heap})")
                else:
                    log(f"   {s:13} {scen:8} run {i + 1}: {r['rate']:>12,.0f}/s  cpu {r.get('server_cpu_us_per', 0):8.3f} "
                        f"us/op  allocs {r.get('allocs_per', float('nan')):7.3f}/op  p99 {r['p99_us']:,.0f} us  "
                        f"(server {r.get('server_cpu_pct', 0):.0f}% cpu, loadgen {r['loadgen_cpu_s']:.1f} s)")
            if STRACE and scen != "idle" and rec["runs"]:
                st, err = strace_run(s, scen)
                if err:
                    rec["errors"].append("strace: " + err)
                    log(f"   {s:13} {scen:8} strace: FAILED: {err}")
                else:
                    rec["strace"] = st
                    top = ", ".join(f"{n} {c}" for n, c in st["top"][:4])
                    log(f"   {s:13} {scen:8} strace: {st['per']:.3f} syscalls/op ({top})")
    elapsed = time.time() - started
    os.makedirs(OUT, exist_ok=True)
    summary = summarize(results)
    doc = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"), "machine": info,
           "elapsed_s": round(elapsed), "settings": {"RUNS": RUNS, "DURATION": DURATION, "WARMUP": WARMUP,
                                                   "CONNS": CONNS, "CONNECTORS": CONNECTORS,
                                                   "IDLE_CONNS": IDLE_CONNS, "STRACE": STRACE,
                                                   "STRACE_DURATION": STRACE_DURATION, "NICE": NICE,
                                                   "QUICK": QUICK},
           "summary": summary, "raw": results}
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    md = markdown(doc, servers)
    with open(os.path.join(OUT, "RESULTS.md"), "w") as f:
        f.write(md)
    chart(doc, servers)
    log(f"== done in {elapsed / 60:.1f} min: {os.path.relpath(OUT, ROOT)}/RESULTS.md, chart.png, results.json")
    failures = [k for k, v in results.items() if v["errors"]]
    if failures:
        log("== with errors: " + ", ".join(failures))
    return 0


def summarize(results):
    out = {}
    for key, rec in results.items():
        runs = rec["runs"]
        if not runs:
            out[key] = {"ok": False, "errors": rec["errors"]}
            continue
        m = {"ok": True, "n": len(runs), "errors": rec["errors"]}
        if "rss_per_conn_b" in runs[0]:
            m["rss_per_conn_b"] = med(r["rss_per_conn_b"] for r in runs)
            m["rss_min"] = min(r["rss_per_conn_b"] for r in runs)
            m["rss_max"] = max(r["rss_per_conn_b"] for r in runs)
            m["live_heap_per_conn_b"] = med(r.get("live_heap_per_conn_b") for r in runs)
            m["live_blocks_per_conn"] = med(r.get("live_blocks_per_conn") for r in runs)
        else:
            for f in ["rate", "server_cpu_us_per", "allocs_per", "p50_us", "p99_us", "p999_us", "server_cpu_pct"]:
                m[f] = med(r.get(f) for r in runs)
            m["rate_min"] = min(r["rate"] for r in runs)
            m["rate_max"] = max(r["rate"] for r in runs)
        if rec["strace"]:
            m["syscalls_per"] = rec["strace"]["per"]
            m["strace_top"] = rec["strace"]["top"]
        out[key] = m
    return out


def ratio(a, b):
    return a / b if a is not None and b else None


def markdown(doc, servers):
    s = doc["summary"]
    info = doc["machine"]
    st = doc["settings"]
    L = []
    L.append("# Side-by-side benchmark results")
    L.append("")
    L.append(f"Generated by `bench/run.sh` on **{doc['date']}**, machine kind **`{info['kind']}`**: "
             f"{info['cores']} cores, {info['cpu']}, Debian {info['debian']}, Linux {info['kernel']}, "
             f"{info['gcc']}. squall at `{info['squall_commit']}`. Load average at start: "
             f"{' '.join(info['loadavg_start'])} (a shared machine: read ratios, not absolute numbers).")
    L.append("")
    L.append("Packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()) + ".")
    L.append("")
    L.append(f"Settings: {st['RUNS']} run(s) per cell (median shown; msgs/s min–max in brackets), "
             f"{st['WARMUP']} s warm-up + {st['DURATION']} s window, {st['CONNS']} connections for echo, "
             f"{st['CONNECTORS']} concurrent connectors for handshakes, {st['IDLE_CONNS']:,} idle connections. "
             f"Server pinned to core {SERVER_CORE}, load generator to core {LOADGEN_CORE} (taskset); "
             f"nice {st['NICE']}. Whole run: {doc['elapsed_s'] / 60:.1f} min."
             + (" **QUICK smoke run: not for comparison.**" if st["QUICK"] else ""))
    L.append("")
    L.append("Columns: msgs/s = echoed messages per second seen by the load generator; × raw = that over the raw "
             "TCP echo's; CPU = server user+system CPU per message over the same window (`/proc/PID/stat`, all "
             "threads); syscalls = `strace -c -f` calls per message in a separate shorter run; allocs = heap "
             "allocations per message (LD_PRELOAD counter, every thread; Python servers: –); latency = "
             "round trip per message at the load generator.")
    L.append("")
    for scen in ECHO + ["threads2"]:
        rows = [x for x in servers if f"{x}/{scen}" in s]
        if not rows:
            continue
        raw = s.get(f"raw/{'p16' if scen == 'threads2' else scen}", {})
        L.append(f"## {SCENARIOS[scen][0]}" + (" (informational: the load generator competes for the 2 cores)"
                                                if scen == "threads2" else ""))
        L.append("")
        L.append("| server | msgs/s | × raw | CPU µs/msg | CPU × raw | syscalls/msg | allocs/msg | p50 µs | p99 µs | p99.9 µs |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for x in rows:
            m = s[f"{x}/{scen}"]
            if not m["ok"]:
                L.append(f"| {SERVERS[x][0]} | failed: {m['errors'][0][:80] if m['errors'] else '?'} |||||||||")
                continue
            L.append(f"| {SERVERS[x][0]} | {fmt(m['rate'])} [{fmt(m['rate_min'])}–{fmt(m['rate_max'])}] | "
                     f"{fmt(ratio(m['rate'], raw.get('rate')), 3)} | {fmt(m['server_cpu_us_per'], 3)} | "
                     f"{fmt(ratio(m['server_cpu_us_per'], raw.get('server_cpu_us_per')), 2)} | "
                     f"{fmt(m.get('syscalls_per'), 3)} | {fmt(m['allocs_per'], 3)} | {fmt(m['p50_us'])} | "
                     f"{fmt(m['p99_us'])} | {fmt(m['p999_us'])} |")
        L.append("")
    if any(f"{x}/connect" in s for x in servers):
        beast = s.get("beast/connect", {})
        L.append("## Handshakes: open + upgrade + close handshake cycles")
        L.append("")
        L.append("The raw row is the TCP floor: connect, 16 octets echoed, FIN both ways.")
        L.append("")
        L.append("| server | cycles/s | × Beast | CPU µs/cycle | CPU × Beast | syscalls/cycle | allocs/cycle | p50 µs | p99 µs |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for x in servers:
            m = s.get(f"{x}/connect")
            if not m:
                continue
            if not m["ok"]:
                L.append(f"| {SERVERS[x][0]} | failed: {m['errors'][0][:80] if m['errors'] else '?'} ||||||||")
                continue
            L.append(f"| {SERVERS[x][0]} | {fmt(m['rate'])} [{fmt(m['rate_min'])}–{fmt(m['rate_max'])}] | "
                     f"{fmt(ratio(m['rate'], beast.get('rate')), 3)} | {fmt(m['server_cpu_us_per'])} | "
                     f"{fmt(ratio(m['server_cpu_us_per'], beast.get('server_cpu_us_per')), 2)} | "
                     f"{fmt(m.get('syscalls_per'))} | {fmt(m['allocs_per'])} | {fmt(m['p50_us'])} | {fmt(m['p99_us'])} |")
        L.append("")
    if any(f"{x}/idle" in s for x in servers):
        L.append(f"## RSS per idle connection ({st['IDLE_CONNS']:,} connections, each echoed one 16 B message)")
        L.append("")
        L.append("Server RSS growth (`VmRSS`, after the last echo + 1 s) over RSS before the first connection, "
                 "divided by the connections. Live heap: growth of the `malloc_usable_size` sum of live blocks "
                 "(allocation counter; C++ servers only), and how many more blocks are live, per connection.")
        L.append("")
        L.append("| server | RSS bytes/connection | min–max | live heap bytes/connection | heap blocks/connection |")
        L.append("|---|---:|---:|---:|---:|")
        for x in servers:
            m = s.get(f"{x}/idle")
            if not m:
                continue
            if not m["ok"]:
                L.append(f"| {SERVERS[x][0]} | failed: {m['errors'][0][:80] if m['errors'] else '?'} ||||")
                continue
            L.append(f"| {SERVERS[x][0]} | {fmt(m['rss_per_conn_b'])} | {fmt(m['rss_min'])}–{fmt(m['rss_max'])} | "
                     f"{fmt(m.get('live_heap_per_conn_b'))} | {fmt(m.get('live_blocks_per_conn'))} |")
        sq, asio = s.get("squall/idle", {}), s.get("asio_idle/idle", {})
        if sq.get("ok") and asio.get("ok"):
            L.append("")
            L.append(f"squall's split: Asio's share (the bare Asio server: socket, reactor state, one pending "
                     f"wait) {fmt(asio['rss_per_conn_b'])} B, squall's own {fmt(sq['rss_per_conn_b'] - asio['rss_per_conn_b'])} B "
                     f"of {fmt(sq['rss_per_conn_b'])} B.")
            if sq.get("live_heap_per_conn_b") is not None and asio.get("live_heap_per_conn_b") is not None:
                L.append(f"In live heap: Asio {fmt(asio['live_heap_per_conn_b'])} B in {fmt(asio['live_blocks_per_conn'])} "
                         f"blocks, squall {fmt(sq['live_heap_per_conn_b'])} B in {fmt(sq['live_blocks_per_conn'])} blocks "
                         f"(its own: {fmt(sq['live_heap_per_conn_b'] - asio['live_heap_per_conn_b'])} B).")
        L.append("")
    L.append("## Syscall mix (strace -c, calls per message or cycle, top 4)")
    L.append("")
    L.append("| server | " + " | ".join(SCENARIOS[x][0] for x in ECHO + ["connect"]) + " |")
    L.append("|---|" + "---|" * (len(ECHO) + 1))
    for x in servers:
        cells = []
        for scen in ECHO + ["connect"]:
            m = s.get(f"{x}/{scen}", {})
            units = doc["raw"].get(f"{x}/{scen}", {}).get("strace") or {}
            if not units.get("units"):
                cells.append("–")
                continue
            cells.append(", ".join(f"{n} {c / units['units']:.3g}" for n, c in units["top"][:4]))
        if any(c != "–" for c in cells):
            L.append(f"| {SERVERS[x][0]} | " + " | ".join(cells) + " |")
    L.append("")
    L.append("## Targets (issue 6)")
    L.append("")
    L.extend(targets(s))
    L.append("")
    L.append("## Method")
    L.append("")
    L.append("`bench/loadgen.cpp` (epoll, one thread) opens the connections with a real RFC 6455 upgrade "
             "(Sec-WebSocket-Accept checked), sends masked binary frames with a fresh mask key each, keeps P "
             "messages in flight per connection and checks every echoed octet and length; any error fails the "
             "run. Raw TCP: the same octets unframed, counted in message-size units. Each run starts a fresh "
             "server. The load generator reads the server's CPU time, RSS and allocation counters at the exact "
             "start and end of its measured window. See `bench/README.md`.")
    L.append("")
    return "\n".join(L)


def targets(s):
    def get(k, f):
        m = s.get(k, {})
        return m.get(f) if m.get("ok") else None

    def line(name, ok, detail):
        mark = "–" if ok is None else ("PASS" if ok else "MISS")
        return f"| {name} | {mark} | {detail} |"

    rows = ["| target | result | measured |", "|---|---|---|"]
    for scen, lo_raw, lo_beast in [("p16", 0.97, 10), ("4k", 0.97, 3), ("1m", 1.0, None), ("p1", 0.97, None)]:
        r = ratio(get(f"squall/{scen}", "rate"), get(f"raw/{scen}", "rate"))
        rows.append(line(f"{SCENARIOS[scen][0]}: ≥ {lo_raw}× raw msgs/s", None if r is None else r >= lo_raw,
                         f"{fmt(r, 3)}×"))
        if lo_beast:
            b = ratio(get(f"squall/{scen}", "rate"), get(f"beast/{scen}", "rate"))
            rows.append(line(f"{SCENARIOS[scen][0]}: ≥ {lo_beast}× Beast", None if b is None else b >= lo_beast,
                             f"{fmt(b, 2)}×"))
    c = ratio(get("squall/p16", "server_cpu_us_per"), get("raw/p16", "server_cpu_us_per"))
    rows.append(line("16 B x P16: server CPU/msg ≤ 1.1× raw", None if c is None else c <= 1.1, f"{fmt(c, 2)}×"))
    h = ratio(get("squall/connect", "rate"), get("beast/connect", "rate"))
    rows.append(line("handshakes/s ≥ 1.1× Beast", None if h is None else h >= 1.1, f"{fmt(h, 3)}×"))
    hc = ratio(get("squall/connect", "server_cpu_us_per"), get("beast/connect", "server_cpu_us_per"))
    rows.append(line("handshake: less server CPU per cycle than Beast", None if hc is None else hc < 1,
                     f"{fmt(hc, 2)}× Beast's"))
    rss = get("squall/idle", "rss_per_conn_b")
    rows.append(line("RSS per idle connection ≤ 512 B", None if rss is None else rss <= 512, f"{fmt(rss)} B"))
    # One row per echo scenario: 16 B and 4 KiB messages live in the receive buffer and pooled
    # output blocks; 1 MiB x P1 with 100 connections keeps 100 partial 1 MiB messages at once,
    # more than a thread's buffer pool holds (8 blocks, 8 MiB), so it is reported on its own.
    for scen in ECHO:
        a = get(f"squall/{scen}", "allocs_per")
        rows.append(line(f"{SCENARIOS[scen][0]}: 0 allocations per message", None if a is None else a < 0.001,
                         f"{fmt(a, 4)}/msg"))
    return rows


def chart(doc, servers):
    gp = shutil.which("gnuplot")
    if not gp:
        log("note: gnuplot not found: no chart.png")
        return
    s = doc["summary"]
    ws = [x for x in servers if x not in ("asio_idle",)]
    tmp = tempfile.mkdtemp(prefix="squall-bench-chart-")
    dat = os.path.join(tmp, "echo.dat")
    with open(dat, "w") as f:
        f.write("scenario " + " ".join(f'"{SERVERS[x][0]}"' for x in ws) + "\n")
        for scen in ECHO:
            raw = s.get(f"raw/{scen}", {}).get("rate")
            vals = []
            for x in ws:
                r = ratio(s.get(f"{x}/{scen}", {}).get("rate"), raw)
                vals.append(f"{r:.4f}" if r else "NaN")
            f.write(f'"{SCENARIOS[scen][0]}" ' + " ".join(vals) + "\n")
    hs = os.path.join(tmp, "hs.dat")
    with open(hs, "w") as f:
        for x in ws:
            m = s.get(f"{x}/connect", {})
            if m.get("ok"):
                f.write(f'"{SERVERS[x][0]}" {m["rate"]:.1f} {m["server_cpu_us_per"]:.2f}\n')
    png = os.path.join(OUT, "chart.png")
    script = f"""
set terminal pngcairo size 1400,620 font ",10"
set output "{png}"
set multiplot layout 1,2 title "squall side-by-side, {doc['date']}, machine kind {doc['machine']['kind']} ({doc['machine']['cores']} cores, {doc['machine']['cpu']}); medians of {doc['settings']['RUNS']} run(s)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside bottom center horizontal font ",9" maxrows 2
set grid ytics
set logscale y
set yrange [0.01:3]
set ylabel "echoed msgs/s relative to the raw TCP echo (log)"
set title "Echo, {CONNS} connections, server on one core"
plot for [i=2:{len(ws) + 1}] "{dat}" using i:xtic(1) title columnheader(i)
unset logscale y
set yrange [0:*]
set style data boxes
set ylabel "server CPU µs per cycle (lower is better)"
set title "Handshakes (open + upgrade + close), {CONNECTORS} concurrent connectors: server CPU per cycle"
set xtics rotate by -25
set offsets 0, 0, graph 0.08, 0
unset key
plot "{hs}" using 0:3:xtic(1) with boxes lc rgb "#4477aa", "" using 0:3:(sprintf("%.0f µs, %.0f/s", $3, $2)) with labels offset 0,0.7 font ",8" notitle
unset multiplot
"""
    gpfile = os.path.join(tmp, "chart.gp")
    with open(gpfile, "w") as f:
        f.write(script)
    r = subprocess.run([gp, gpfile], capture_output=True, text=True)
    if r.returncode != 0:
        log("note: gnuplot failed: " + r.stderr[-400:])
    shutil.rmtree(tmp, ignore_errors=True)


def report_only(path):
    """python3 bench/run.py --report results.json: rewrite RESULTS.md and chart.png from saved results."""
    with open(path) as f:
        doc = json.load(f)
    servers = [x for x in ORDER if any(k.startswith(x + "/") for k in doc["summary"])]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "RESULTS.md"), "w") as f:
        f.write(markdown(doc, servers))
    chart(doc, servers)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        sys.exit(report_only(sys.argv[2]))
    if len(sys.argv) > 1:
        sys.exit(__doc__)
    sys.exit(main())
