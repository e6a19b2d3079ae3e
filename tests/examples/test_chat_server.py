"""Black-box tests of examples/chat_server: python3 test_chat_server.py PATH/TO/chat_server"""

import json
import subprocess

import ws
from ws import Example, check

BIN = ws.binary_from_argv()
PORT0 = ["--port", "0"]


def next_event(conn, timeout=3.0):
    f = conn.recv_message(timeout)
    check(f.opcode == ws.OP_TEXT, "expected a JSON text message, got %r" % f)
    return json.loads(f.text)


def expect_event(conn, expected, timeout=3.0):
    ev = next_event(conn, timeout)
    check(ev == expected, "got %r, expected %r" % (ev, expected))


def test_page_at_root_is_html():
    with Example(BIN, PORT0) as ex:
        r = ws.http_get(ex.host, ex.port, "/")
        check(r.status == 200, "GET / gave %r" % r)
        check(b"<title>squall chat" in r.body and b"/chat?name=" in r.body, "not the chat page: %r" % r.body[:300])
        check((r.header("Content-Type") or "").startswith("text/html"), "Content-Type %r" % r.header("Content-Type"))


def test_two_members_see_each_other():
    with Example(BIN, PORT0) as ex:
        alice = ex.ws("/chat?name=alice")
        expect_event(alice, {"event": "welcome", "name": "alice"})
        expect_event(alice, {"event": "join", "name": "alice"})

        bob = ex.ws("/chat?name=bob")
        expect_event(bob, {"event": "welcome", "name": "bob"})
        expect_event(bob, {"event": "join", "name": "bob"})
        expect_event(alice, {"event": "join", "name": "bob"})

        alice.send_text("hi bob")
        for c in (alice, bob):
            expect_event(c, {"event": "message", "name": "alice", "text": "hi bob"})
        bob.send_text("hi alice \u263a \"quoted\"")
        for c in (alice, bob):
            expect_event(c, {"event": "message", "name": "bob", "text": "hi alice \u263a \"quoted\""})

        bob.send_close(1000, "bye")
        code, _ = bob.expect_close(answer=False)
        check(code == 1000, "bob's close answered with %d" % code)
        bob.close()
        expect_event(alice, {"event": "leave", "name": "bob"})
        alice.close()


def test_names_from_the_query():
    with Example(BIN, PORT0) as ex:
        cases = [
            ("/chat", "anonymous"),
            ("/chat?name=", "anonymous"),
            ("/chat?room=1&name=J%C3%B6rg+M", "J\u00f6rg M"),
            ("/chat?name=%FF", "anonymous"),  # not UTF-8
            ("/chat?name=" + "x" * 40, "x" * 32),
            ("/chat?name=" + "%C3%A9" * 40, "\u00e9" * 32),  # 32 characters, not 32 octets
        ]
        for path, name in cases:
            c = ex.ws(path)
            expect_event(c, {"event": "welcome", "name": name})
            c.close()


def test_binary_is_refused_with_1003():
    with Example(BIN, PORT0) as ex:
        c = ex.ws("/chat?name=bin")
        expect_event(c, {"event": "welcome", "name": "bin"})
        expect_event(c, {"event": "join", "name": "bin"})
        c.send_binary(b"\x00\x01")
        code, reason = c.expect_close()
        check(code == 1003, "binary message gave close %d %r, expected 1003" % (code, reason))
        c.close()


def test_sigterm_sends_1001_and_exits_0():
    proc, host, port = ws.start_example(BIN, PORT0)
    c = ws.open_ws(host, port, "/chat?name=last")
    expect_event(c, {"event": "welcome", "name": "last"})
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


def test_unknown_flag_exits_2():
    r = subprocess.run([BIN, "--bogus"], stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    check(r.returncode == 2, "exit code %d for an unknown flag, expected 2" % r.returncode)


ws.run_tests([
    test_page_at_root_is_html,
    test_two_members_see_each_other,
    test_names_from_the_query,
    test_binary_is_refused_with_1003,
    test_sigterm_sends_1001_and_exits_0,
    test_unknown_flag_exits_2,
])
