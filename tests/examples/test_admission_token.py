"""Black-box tests of examples/admission_token: python3 test_admission_token.py PATH/TO/admission_token"""

import subprocess
import threading

import ws
from ws import Example, check

BIN = ws.binary_from_argv()
PORT0 = ["--port", "0"]


def expect_401(r, what):
    check(r.status == 401, "%s gave %r, expected 401" % (what, r))
    check(r.header("WWW-Authenticate") == "Token", "%s: WWW-Authenticate %r" % (what, r.header("WWW-Authenticate")))
    check(r.body == b"missing or wrong token\n", "%s: body %r" % (what, r.body))


def greeting(conn):
    f = conn.recv_message(3.0)
    check(f.opcode == ws.OP_TEXT, "expected the greeting, got %r" % f)
    return f.text


def test_401_without_or_with_a_wrong_token():
    with Example(BIN, PORT0) as ex:
        expect_401(ex.connect("/"), "no token")
        expect_401(ex.connect("/?token="), "empty token")
        expect_401(ex.connect("/?token=wrong"), "wrong token")
        expect_401(ex.connect("/?token=s3cre"), "a prefix of the token")
        expect_401(ex.connect("/?token=s3cretX"), "the token plus one")
        expect_401(ex.connect("/?tok=s3cret"), "another parameter")


def test_chat_v2_preferred_and_greeting():
    with Example(BIN, PORT0) as ex:
        r = ex.connect("/?token=s3cret", {"Sec-WebSocket-Protocol": "chat.v1, chat.v2"})
        check(r.status == 101, "valid token gave %r" % r)
        check(r.header("Sec-WebSocket-Protocol") == "chat.v2", "subprotocol %r" % r.header("Sec-WebSocket-Protocol"))
        c = r.conn
        text = greeting(c)
        check(text == "hello guest (chat.v2)", "greeting %r" % text)
        c.send_text("echo me")
        check(c.recv_message().text == "echo me", "no echo")
        c.send_binary(b"\x00\xff")
        f = c.recv_message()
        check(f.opcode == ws.OP_BINARY and f.payload == b"\x00\xff", "binary echo %r" % f)
        c.close()


def test_chat_v1_or_none():
    with Example(BIN, PORT0) as ex:
        r = ex.connect("/?token=s3cret", {"Sec-WebSocket-Protocol": "chat.v1"})
        check(r.status == 101 and r.header("Sec-WebSocket-Protocol") == "chat.v1", "chat.v1 offer gave %r" % r)
        check(greeting(r.conn) == "hello guest (chat.v1)", "chat.v1 greeting")
        r.conn.close()
        r = ex.connect("/?token=s3cret", {"Sec-WebSocket-Protocol": "other"})
        check(r.status == 101 and r.header("Sec-WebSocket-Protocol") is None, "unknown offer gave %r" % r)
        check(greeting(r.conn) == "hello guest (none)", "no-subprotocol greeting")
        r.conn.close()
        r = ex.connect("/?token=s3cret")
        check(r.status == 101 and r.header("Sec-WebSocket-Protocol") is None, "no offer gave %r" % r)
        check(greeting(r.conn) == "hello guest (none)", "no-offer greeting")
        r.conn.close()


def test_tokens_from_flags_name_users():
    with Example(BIN, PORT0 + ["--token", "alice:a-token", "--token", "bob:b-token", "--token", "anon"]) as ex:
        for token, user in (("a-token", "alice"), ("b-token", "bob"), ("anon", "guest")):
            r = ex.connect("/?token=" + token, {"Sec-WebSocket-Protocol": "chat.v2"})
            check(r.status == 101, "token %s gave %r" % (token, r))
            text = greeting(r.conn)
            check(text == "hello %s (chat.v2)" % user, "token %s: greeting %r" % (token, text))
            r.conn.close()
        expect_401(ex.connect("/?token=s3cret"), "the default token when --token is given")


def test_origin_is_checked_before_admission():
    with Example(BIN, PORT0) as ex:
        r = ex.connect("/?token=s3cret", {"Origin": "http://elsewhere.example"})
        check(r.status == 403, "foreign origin with a valid token gave %r" % r)


def test_sigterm_exits_0():
    proc, host, port = ws.start_example(BIN, PORT0)
    r = ws.connect(host, port, "/?token=s3cret")
    check(r.status == 101, "upgrade gave %r" % r)
    greeting(r.conn)
    result = {}

    def closer():
        try:
            result["code"] = r.conn.expect_close(timeout=6.0)[0]
        except BaseException as e:  # noqa: BLE001
            result["error"] = e

    t = threading.Thread(target=closer)
    t.start()
    ws.stop(proc, timeout=6.0)
    t.join(10)
    r.conn.close()
    check(result.get("code") == 1001, "close on SIGTERM: %r" % result)


def test_unknown_flag_exits_2():
    r = subprocess.run([BIN, "--bogus"], stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    check(r.returncode == 2, "exit code %d for an unknown flag, expected 2" % r.returncode)


ws.run_tests([
    test_401_without_or_with_a_wrong_token,
    test_chat_v2_preferred_and_greeting,
    test_chat_v1_or_none,
    test_tokens_from_flags_name_users,
    test_origin_is_checked_before_admission,
    test_sigterm_exits_0,
    test_unknown_flag_exits_2,
])
