"""Black-box tests of examples/custom_policies: python3 test_custom_policies.py PATH/TO/custom_policies"""

import subprocess
import time

import ws
from ws import Example, check

BIN = ws.binary_from_argv()
# A budget no test reaches, except the one that tests it.
ROOMY = ["--port", "0", "--max-per-second", "100000"]


def status_for(ex, origin):
    r = ex.connect("/", {"Origin": origin} if origin is not None else None)
    if r.conn:
        r.conn.close()
    return r.status


def test_allowed_origins():
    with Example(BIN, ROOMY) as ex:
        for origin in ("https://app.example.com", "http://a.b.example.com:8080", "https://example.com",
                       "HTTPS://APP.EXAMPLE.COM", None):
            check(status_for(ex, origin) == 101, "origin %r was refused" % origin)


def test_refused_origins():
    with Example(BIN, ROOMY) as ex:
        for origin in ("https://evilexample.com", "https://example.com.evil.net", "https://app.example.org",
                       "null", "app.example.com", "https://app.example.com/path", "ftp://app.example.com",
                       "https://user@app.example.com", "https://[::1]", "https://app.example.com:"):
            code = status_for(ex, origin)
            check(code == 403, "origin %r gave %d, expected 403" % (origin, code))


def test_origin_suffix_flag():
    with Example(BIN, ROOMY + ["--origin-suffix", ".test.org"]) as ex:
        check(status_for(ex, "https://x.test.org") == 101, ".test.org refused")
        check(status_for(ex, "https://x.example.com") == 403, ".example.com still allowed")


def test_rate_limit_gives_429():
    with Example(BIN, ["--port", "0", "--max-per-second", "3"]) as ex:
        statuses = []
        rejected = None
        t0 = time.monotonic()
        for _ in range(12):
            r = ex.connect("/")
            statuses.append(r.status)
            if r.conn:
                r.conn.close()
            elif rejected is None:
                rejected = r
        took = time.monotonic() - t0
        accepted = statuses.count(101)
        check(set(statuses) <= {101, 429}, "statuses %r" % statuses)
        check(rejected is not None, "no 429 in %r" % statuses)
        check(rejected.header("Retry-After") == "1", "429 without Retry-After: %r" % rejected)
        # 12 attempts span at most ceil(took) + 1 one-second windows of 3 each.
        check(1 <= accepted <= 3 * (int(took) + 2), "%d accepted in %.2f s: %r" % (accepted, took, statuses))
        check(statuses[0] == 101, "the first attempt was refused: %r" % statuses)
        # A new window admits again.
        time.sleep(1.1)
        r = ex.connect("/")
        check(r.status == 101, "after a second: %r" % r)
        r.conn.close()


def test_stock_policies_still_apply():
    with Example(BIN, ROOMY) as ex:
        c = ex.ws("/")
        c.send_binary(b"z" * (1 << 20))  # exactly 1 MiB: inclusive
        f = c.recv_message(10.0)
        check(f.opcode == ws.OP_BINARY and len(f.payload) == 1 << 20, "1 MiB echo gave %r" % f)
        c.send_binary(b"z" * ((1 << 20) + 1))
        f = c.recv_message(10.0)
        check(f.opcode == ws.OP_CLOSE and f.close_code()[0] == 1009, "1 MiB + 1 gave %r, expected close 1009" % f)
        c.close()


def test_sigterm_exits_0():
    proc, host, port = ws.start_example(BIN, ROOMY)
    c = ws.open_ws(host, port, "/")
    c.send_text("x")
    check(c.recv_message().text == "x", "no echo")
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


def test_bad_flags_exit_2():
    for args in (["--bogus"], ["--max-per-second", "0"], ["--origin-suffix", "example.com"]):
        r = subprocess.run([BIN] + args, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        check(r.returncode == 2, "exit code %d for %r, expected 2" % (r.returncode, args))


ws.run_tests([
    test_allowed_origins,
    test_refused_origins,
    test_origin_suffix_flag,
    test_rate_limit_gives_429,
    test_stock_policies_still_apply,
    test_sigterm_exits_0,
    test_bad_flags_exit_2,
])
