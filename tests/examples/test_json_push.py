"""Black-box tests of examples/json_push: python3 test_json_push.py PATH/TO/json_push"""

import json
import subprocess
import time

import ws
from ws import Example, check

BIN = ws.binary_from_argv()
PORT0 = ["--port", "0"]


def ticks(conn, count, within):
    """The first `count` ticks that arrive within `within` seconds (the hello is checked and skipped)."""
    deadline = time.monotonic() + within
    got = []
    while len(got) < count:
        left = deadline - time.monotonic()
        check(left > 0, "only %d of %d ticks within %.1f s: %r" % (len(got), count, within, got))
        try:
            f = conn.recv_message(left)
        except TimeoutError:
            continue
        check(f.opcode == ws.OP_TEXT, "expected JSON text, got %r" % f)
        msg = json.loads(f.text)
        if "interval_ms" in msg:
            continue
        check(set(msg) == {"seq", "time_ms"}, "unexpected tick %r" % msg)
        check(isinstance(msg["seq"], int) and isinstance(msg["time_ms"], int), "tick types %r" % msg)
        got.append(msg)
    return got


def test_hello_then_three_increasing_ticks_within_2s():
    with Example(BIN, PORT0) as ex:
        c = ex.ws("/ticks")
        f = c.recv_message(2.0)
        check(json.loads(f.text) == {"interval_ms": 100}, "first message %r" % f)
        got = ticks(c, 3, 2.0)
        seqs = [t["seq"] for t in got]
        check(all(b > a for a, b in zip(seqs, seqs[1:])), "seq not increasing: %r" % seqs)
        times = [t["time_ms"] for t in got]
        check(all(b >= a for a, b in zip(times, times[1:])), "time_ms going back: %r" % times)
        now_ms = int(time.time() * 1000)
        check(abs(now_ms - times[-1]) < 60_000, "time_ms %d is not the wall clock (%d)" % (times[-1], now_ms))
        c.close()


def test_every_client_gets_the_same_ticks():
    with Example(BIN, PORT0 + ["--interval-ms", "50"]) as ex:
        a = ex.ws("/ticks")
        b = ex.ws("/ticks")
        check(json.loads(a.recv_message(2.0).text) == {"interval_ms": 50}, "hello with --interval-ms 50")
        ta = ticks(a, 8, 3.0)
        tb = ticks(b, 8, 3.0)
        common = {t["seq"] for t in ta} & {t["seq"] for t in tb}
        check(len(common) >= 4, "clients share too few ticks: %r / %r" % (ta, tb))
        # A client that leaves does not disturb the others.
        a.close()
        ticks(b, 3, 2.0)
        b.close()


def test_interval_is_respected():
    with Example(BIN, PORT0 + ["--interval-ms", "300"]) as ex:
        c = ex.ws("/ticks")
        t0 = time.monotonic()
        got = ticks(c, 3, 3.0)
        took = time.monotonic() - t0
        check(0.3 <= took <= 2.0, "3 ticks at 300 ms took %.2f s" % took)
        check(got[2]["seq"] - got[0]["seq"] == 2, "ticks skipped: %r" % got)
        c.close()


def test_sigterm_sends_1001_and_exits_0():
    proc, host, port = ws.start_example(BIN, PORT0)
    c = ws.open_ws(host, port, "/ticks")
    ticks(c, 1, 2.0)
    proc.send_signal(ws.signal.SIGTERM)
    code, _ = c.expect_close(timeout=6.0)
    c.close()
    check(code == 1001, "close code %d on SIGTERM, expected 1001" % code)
    try:
        rc = proc.wait(timeout=6)
    except subprocess.TimeoutExpired:
        ws.kill(proc)
        raise ws.Failure("no exit within 6 s of SIGTERM")
    ws.kill(proc)
    check(rc == 0, "exit code %d after SIGTERM" % rc)


def test_sigint_without_clients_exits_0():
    proc, _, _ = ws.start_example(BIN, PORT0)
    proc.send_signal(ws.signal.SIGINT)
    try:
        rc = proc.wait(timeout=6)
    except subprocess.TimeoutExpired:
        ws.kill(proc)
        raise ws.Failure("no exit within 6 s of SIGINT")
    ws.kill(proc)
    check(rc == 0, "exit code %d after SIGINT" % rc)


def test_bad_flags_exit_2():
    for args in (["--bogus"], ["--interval-ms", "0"], ["--port", "70000"]):
        r = subprocess.run([BIN] + args, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        check(r.returncode == 2, "exit code %d for %r, expected 2" % (r.returncode, args))


ws.run_tests([
    test_hello_then_three_increasing_ticks_within_2s,
    test_every_client_gets_the_same_ticks,
    test_interval_is_respected,
    test_sigterm_sends_1001_and_exits_0,
    test_sigint_without_clients_exits_0,
    test_bad_flags_exit_2,
])
