"""Black-box tests of examples/echo_server: python3 test_echo_server.py PATH/TO/echo_server"""

import socket
import subprocess
import time

import ws
from ws import check

BIN = ws.binary_from_argv()
PORT0 = ["--port", "0"]

# echo_server prints "listening on ..." before it creates its signal_set, so a SIGTERM sent
# right after that line can kill it with the default action (exit -15 instead of 0). Give it
# a moment; the other examples register their signals first and need no such wait.
SETTLE = 0.2


def Example(binary, args=()):
    return ws.Example(binary, args, settle=SETTLE)


def start_example(binary, args):
    return ws.start_example(binary, args, settle=SETTLE)


def test_page_at_root_is_html():
    with Example(BIN, PORT0) as ex:
        r = ws.http_get(ex.host, ex.port, "/")
        check(r.status == 200, "GET / gave %r" % r)
        check(b"<title>squall echo" in r.body, "no <title>squall echo in the page: %r" % r.body[:300])
        check((r.header("Content-Type") or "").startswith("text/html"), "Content-Type %r" % r.header("Content-Type"))
        r = ws.http_get(ex.host, ex.port, "/nothing-here")
        check(r.status == 404, "GET /nothing-here gave %r" % r)


def test_echo_text_and_binary():
    with Example(BIN, PORT0) as ex:
        check(ex.port != 0, "--port 0 printed port 0")
        c = ex.ws("/")
        c.send_text("hello, squall \u2713")
        f = c.recv_message()
        check(f.opcode == ws.OP_TEXT and f.text == "hello, squall \u2713", "text echo gave %r" % f)
        blob = bytes(range(256)) * 300  # 76,800 octets: a 64-bit length
        c.send_binary(blob)
        f = c.recv_message()
        check(f.opcode == ws.OP_BINARY and f.payload == blob, "binary echo gave %r" % f)
        c.send_frame(ws.OP_TEXT, "frag", fin=False)
        c.send_frame(ws.OP_CONT, "mented", fin=True)
        f = c.recv_message()
        check(f.opcode == ws.OP_TEXT and f.text == "fragmented", "fragmented echo gave %r" % f)
        c.send_close(1000, "done")
        code, _ = c.expect_close(answer=False)
        check(code == 1000, "close answer %r" % code)
        c.close()


def test_port_zero_picks_a_free_port():
    with Example(BIN, PORT0) as a, Example(BIN, PORT0) as b:
        check(a.port > 0 and b.port > 0 and a.port != b.port, "ports %d and %d" % (a.port, b.port))


def test_ipv6_host():
    proc, host, port = start_example(BIN, ["--host", "::1", "--port", "0"])
    try:
        check(host == "::1", "printed host %r" % host)
        c = ws.open_ws(host, port, "/")
        c.send_text("over v6")
        f = c.recv_message()
        check(f.text == "over v6", "v6 echo gave %r" % f)
        c.close()
        # It listens on ::1 only.
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            refused = s.connect_ex(("127.0.0.1", port)) != 0
        finally:
            s.close()
        check(refused, "--host ::1 also accepted on 127.0.0.1")
    finally:
        ws.stop(proc)


def test_max_message_bytes_is_inclusive_then_1009():
    with Example(BIN, PORT0 + ["--max-message-bytes", "100"]) as ex:
        c = ex.ws("/")
        c.send_text("x" * 100)
        f = c.recv_message()
        check(f.opcode == ws.OP_TEXT and f.text == "x" * 100, "a 100-octet message gave %r" % f)
        c.send_text("y" * 101)
        f = c.recv_message()
        check(f.opcode == ws.OP_CLOSE, "a 101-octet message gave %r, expected close" % f)
        code, _ = f.close_code()
        check(code == 1009, "close code %d, expected 1009" % code)
        c.close()


def test_allowed_origin():
    with Example(BIN, PORT0 + ["--allowed-origin", "http://a.example"]) as ex:
        r = ex.connect("/", {"Origin": "http://a.example"})
        check(r.status == 101, "allowed origin gave %r" % r)
        r.conn.close()
        r = ex.connect("/", {"Origin": "http://b.example"})
        check(r.status == 403, "other origin gave %r" % r)
        r = ex.connect("/")
        check(r.status == 101, "no Origin (non-browser) gave %r" % r)
        r.conn.close()


def test_foreign_origin_refused_by_default():
    with Example(BIN, PORT0) as ex:
        r = ex.connect("/", {"Origin": "http://evil.example"})
        check(r.status == 403, "foreign origin gave %r" % r)
        r = ex.connect("/", {"Origin": "http://127.0.0.1:%d" % ex.port})
        check(r.status == 101, "same-host origin gave %r" % r)
        r.conn.close()


def test_max_connections():
    with Example(BIN, PORT0 + ["--max-connections", "1"]) as ex:
        first = ex.ws("/")
        r = ex.connect("/")
        check(r.status == 503, "second upgrade gave %r, expected 503" % r)
        first.send_close(1000)
        first.expect_close(answer=False)
        first.close()
        # Once the first connection is gone, there is room again.
        deadline = time.monotonic() + 3
        while True:
            r = ex.connect("/")
            if r.status == 101:
                r.conn.close()
                break
            check(time.monotonic() < deadline, "no room after the first connection closed: %r" % r)
            time.sleep(0.05)


def test_handshake_timeout_drops_half_a_head():
    with Example(BIN, PORT0 + ["--handshake-timeout-ms", "200"]) as ex:
        s = ws.open_socket(ex.host, ex.port)
        conn = ws.Connection(s)
        t0 = time.monotonic()
        conn.send_raw(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
        dropped = conn.wait_eof(timeout=2.0)
        took = time.monotonic() - t0
        conn.close()
        check(dropped, "a half request head was not dropped within 2 s")
        check(took >= 0.1, "dropped after %.3f s, before the 200 ms deadline" % took)


def test_sigterm_sends_1001_and_exits_0():
    proc, host, port = start_example(BIN, PORT0)
    c = ws.open_ws(host, port, "/")
    c.send_text("ping?")
    check(c.recv_message().text == "ping?", "no echo before shutdown")
    code, took, error = ws.stop_while_open(proc, c, timeout=6.0)
    check(code == 1001, "close code %d on SIGTERM, expected 1001" % code)
    if error is not None:
        raise error
    check(took is not None and took < 6.0, "exit took %r s" % took)


def test_sigterm_with_a_silent_client_still_exits_within_6s():
    # The client never answers the 1001: the 5 s shutdown deadline aborts it.
    proc, host, port = start_example(BIN, PORT0)
    c = ws.open_ws(host, port, "/")
    took = ws.stop(proc, timeout=6.0)
    c.close()
    check(took < 6.0, "exit took %.2f s" % took)


def test_unknown_flag_exits_2():
    r = subprocess.run([BIN, "--no-such-flag"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10)
    check(r.returncode == 2, "exit code %d for an unknown flag, expected 2" % r.returncode)
    check(b"unknown flag" in r.stderr, "stderr %r" % r.stderr)


ws.run_tests([
    test_page_at_root_is_html,
    test_echo_text_and_binary,
    test_port_zero_picks_a_free_port,
    test_ipv6_host,
    test_max_message_bytes_is_inclusive_then_1009,
    test_allowed_origin,
    test_foreign_origin_refused_by_default,
    test_max_connections,
    test_handshake_timeout_drops_half_a_head,
    test_sigterm_sends_1001_and_exits_0,
    test_sigterm_with_a_silent_client_still_exits_within_6s,
    test_unknown_flag_exits_2,
])
