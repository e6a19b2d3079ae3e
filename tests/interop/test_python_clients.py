"""squall against real Python WebSocket clients: Debian's python3-websockets (asyncio API) and
python3-tornado (tornado.websocket.websocket_connect).

    /usr/bin/python3 test_python_clients.py ECHO_SERVER CLOSE_SERVER ADMISSION_TOKEN

ECHO_SERVER is examples/echo_server, CLOSE_SERVER tests/interop/close_server (echoes, and
closes with 4000 "bye now" on the text "please close"), ADMISSION_TOKEN examples/admission_token.
Each test starts its own server on 127.0.0.1 with --port 0 and stops it by process id
(SIGTERM, exit 0 checked). Every wait is bounded. Prints `N passed, M failed`; exits non-zero
on any failure. A missing client library fails its tests, naming the Debian package.

Debian's packages import from /usr/bin/python3 (not a pyenv python3 earlier on PATH).
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

import ws  # noqa: E402 - tests/examples/ws.py: process helpers
from ws import Example, Failure, check  # noqa: E402

TEST_TIMEOUT = 60.0  # seconds, per test (a whole test's coroutine)
STEP = 15.0  # seconds, per client operation
MAX_SIZE = 16 * 1024 * 1024
PORT0 = ["--port", "0"]
TOKEN = "s3cret"

MISSING = {}  # client name -> message
try:
    import websockets
    import websockets.exceptions
except ImportError as e:
    websockets = None
    MISSING["websockets"] = ("python module websockets not importable by %s (%s): install the Debian "
                             "package python3-websockets and run with /usr/bin/python3" % (sys.executable, e))
try:
    import tornado
    import tornado.httpclient
    import tornado.websocket
except ImportError as e:
    tornado = None
    MISSING["tornado"] = ("python module tornado not importable by %s (%s): install the Debian "
                          "package python3-tornado and run with /usr/bin/python3" % (sys.executable, e))


def usage():
    sys.stderr.write("usage: %s ECHO_SERVER CLOSE_SERVER ADMISSION_TOKEN\n" % sys.argv[0])
    sys.exit(2)


if len(sys.argv) != 4 or not all(os.access(p, os.X_OK) for p in sys.argv[1:]):
    usage()
ECHO_BIN, CLOSE_BIN, ADMISSION_BIN = (os.path.abspath(p) for p in sys.argv[1:])


def url(ex, path="/"):
    check(ex.host == "127.0.0.1", "loopback only, got %r" % ex.host)
    return "ws://%s:%d%s" % (ex.host, ex.port, path)


def payloads():
    text_1m = ("squall-" * ((1 << 20) // 7 + 1))[: 1 << 20]
    binary_4m = bytes(range(256)) * ((4 << 20) // 256)
    return text_1m, binary_4m


def short(x):
    r = repr(x)
    return r if len(r) < 120 else r[:100] + "...(%d)" % len(x)


async def bounded(awaitable, what, timeout=STEP):
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except asyncio.TimeoutError:
        raise Failure("timed out after %.0f s waiting for %s" % (timeout, what)) from None


# ---- the websockets client ---------------------------------------------------------------

def wsk_connect(uri, **kw):
    kw.setdefault("max_size", MAX_SIZE)
    kw.setdefault("open_timeout", STEP)
    kw.setdefault("close_timeout", STEP)
    kw.setdefault("ping_interval", None)  # pings are tested explicitly
    return websockets.connect(uri, **kw)


def wsk_closed_code(exc):
    """(code, reason) the client received in the server's close frame, from ConnectionClosed."""
    rcvd = getattr(exc, "rcvd", None)
    if rcvd is not None:
        return rcvd.code, rcvd.reason
    if hasattr(exc, "rcvd"):  # no close frame received
        return 1006, ""
    return exc.code, exc.reason  # websockets < 10


def wsk_conn_code(conn):
    """(code, reason) received from the server, from the protocol object."""
    rcvd = getattr(conn, "close_rcvd", None)
    if rcvd is not None:
        return rcvd.code, rcvd.reason
    return conn.close_code, conn.close_reason


async def wsk_expect_close(conn, what):
    try:
        msg = await bounded(conn.recv(), what)
    except websockets.exceptions.ConnectionClosed as e:
        return wsk_closed_code(e)
    raise Failure("%s: expected the connection to close, got a message %s" % (what, short(msg)))


async def wsk_echo(kind):
    text_1m, binary_4m = payloads()
    with Example(ECHO_BIN, PORT0) as ex:
        async with wsk_connect(url(ex)) as c:
            if kind == "text":
                cases = [("hello, squall", str), ("h\u00e9llo \U0001F600", str), ("", str)]
            elif kind == "binary":
                cases = [(b"\x00\x01\xfe\xff", bytes), (bytes(range(256)), bytes)]
            else:
                cases = [(text_1m, str), (binary_4m, bytes)]
            for data, typ in cases:
                await bounded(c.send(data), "send of %d units" % len(data), 60)
                got = await bounded(c.recv(), "echo of %d units" % len(data), 60)
                check(type(got) is typ, "sent %s %d units, got a %s back" % (typ.__name__, len(data), type(got).__name__))
                check(got == data, "sent %s, echo differs: %s" % (short(data), short(got)))
            await bounded(c.close(), "close")
            check(wsk_conn_code(c)[0] == 1000, "close handshake gave %r" % (wsk_conn_code(c),))


async def wsk_server_close():
    with Example(CLOSE_BIN, PORT0) as ex:
        async with wsk_connect(url(ex)) as c:
            await bounded(c.send("before"), "send")
            check(await bounded(c.recv(), "echo") == "before", "no echo before the close")
            await bounded(c.send("please close"), "send")
            code, reason = await wsk_expect_close(c, "the server's close")
            check((code, reason) == (4000, "bye now"),
                  "server closed with 4000 'bye now'; websockets saw (%r, %r)" % (code, reason))


async def wsk_client_close():
    with Example(ECHO_BIN, PORT0) as ex:
        async with wsk_connect(url(ex)) as c:
            await bounded(c.send("x"), "send")
            await bounded(c.recv(), "echo")
            await bounded(c.close(code=4001, reason="client bye"), "close handshake")
            code, reason = wsk_conn_code(c)
            print("    websockets: client closed 4001 'client bye'; server answered (%r, %r)" % (code, reason))
            check(code == 4001, "client closed with 4001; the server's close frame carried %r, expected the echo 4001" % code)


async def wsk_ping():
    with Example(ECHO_BIN, PORT0 + ["--no-ping"]) as ex:
        async with wsk_connect(url(ex)) as c:
            waiter = await bounded(c.ping(b"x"), "ping")
            await bounded(waiter, "the pong to ping b'x'")
            waiter = await bounded(c.ping(b"p" * 125), "ping")
            await bounded(waiter, "the pong to a 125-byte ping")
            await bounded(c.send("after ping"), "send")
            check(await bounded(c.recv(), "echo") == "after ping", "echo after ping")
            await bounded(c.close(), "close")


async def wsk_subprotocol():
    with Example(ADMISSION_BIN, PORT0) as ex:
        async with wsk_connect(url(ex, "/?token=" + TOKEN), subprotocols=["chat.v1", "chat.v2"]) as c:
            check(c.subprotocol == "chat.v2", "offered chat.v1, chat.v2; selected %r" % c.subprotocol)
            greeting = await bounded(c.recv(), "greeting")
            check(greeting == "hello guest (chat.v2)", "greeting %r" % greeting)
            await bounded(c.close(), "close")
        async with wsk_connect(url(ex, "/?token=" + TOKEN), subprotocols=["chat.v1"]) as c:
            check(c.subprotocol == "chat.v1", "offered chat.v1; selected %r" % c.subprotocol)
            check(await bounded(c.recv(), "greeting") == "hello guest (chat.v1)", "chat.v1 greeting")
            await bounded(c.close(), "close")


async def wsk_rejected():
    with Example(ADMISSION_BIN, PORT0) as ex:
        for path in ("/", "/?token=wrong"):
            try:
                async with wsk_connect(url(ex, path)):
                    pass
            except websockets.exceptions.InvalidStatusCode as e:  # websockets <= 13
                status = e.status_code
            except getattr(websockets.exceptions, "InvalidStatus", ()) as e:  # websockets >= 14
                status = e.response.status_code
            else:
                raise Failure("%s: the handshake succeeded, expected 401" % path)
            check(status == 401, "%s: rejected with %r, expected 401" % (path, status))


async def wsk_sigterm():
    with Example(ECHO_BIN, PORT0) as ex:
        async with wsk_connect(url(ex)) as c:
            await bounded(c.send("hi"), "send")
            check(await bounded(c.recv(), "echo") == "hi", "echo before SIGTERM")
            loop = asyncio.get_running_loop()
            stopping = loop.run_in_executor(None, ws.stop, ex.proc)  # SIGTERM, exit 0 within 10 s
            code, reason = await wsk_expect_close(c, "the close after SIGTERM")
            await bounded(stopping, "the server's exit", 15)
            check(code == 1001, "SIGTERM: websockets saw close (%r, %r), expected 1001" % (code, reason))


# ---- the Tornado client --------------------------------------------------------------------

async def tor_connect(uri, **kw):
    kw.setdefault("max_message_size", MAX_SIZE)
    return await bounded(tornado.websocket.websocket_connect(uri, connect_timeout=STEP, **kw), "connect to " + uri)


async def tor_expect_close(c, what):
    """Reads until read_message() gives None; (close_code, close_reason)."""
    msg = await bounded(c.read_message(), what)
    check(msg is None, "%s: expected the connection to close, got a message %s" % (what, short(msg)))
    return c.close_code, c.close_reason


async def tor_close(c):
    c.close(1000)
    code, _ = await tor_expect_close(c, "the close handshake")
    check(code == 1000, "close 1000 answered with %r" % code)


async def tor_echo(kind):
    text_1m, binary_4m = payloads()
    with Example(ECHO_BIN, PORT0) as ex:
        c = await tor_connect(url(ex))
        if kind == "text":
            cases = [("hello, squall", str), ("h\u00e9llo \U0001F600", str), ("", str)]
        elif kind == "binary":
            cases = [(b"\x00\x01\xfe\xff", bytes), (bytes(range(256)), bytes)]
        else:
            cases = [(text_1m, str), (binary_4m, bytes)]
        for data, typ in cases:
            await bounded(c.write_message(data, binary=typ is bytes), "send of %d units" % len(data), 60)
            got = await bounded(c.read_message(), "echo of %d units" % len(data), 60)
            check(got is not None, "connection closed (%r, %r) instead of echoing %d units" % (c.close_code, c.close_reason, len(data)))
            check(type(got) is typ, "sent %s %d units, got a %s back" % (typ.__name__, len(data), type(got).__name__))
            check(got == data, "sent %s, echo differs: %s" % (short(data), short(got)))
        await tor_close(c)


async def tor_server_close():
    with Example(CLOSE_BIN, PORT0) as ex:
        c = await tor_connect(url(ex))
        await bounded(c.write_message("before"), "send")
        check(await bounded(c.read_message(), "echo") == "before", "no echo before the close")
        await bounded(c.write_message("please close"), "send")
        code, reason = await tor_expect_close(c, "the server's close")
        check((code, reason) == (4000, "bye now"),
              "server closed with 4000 'bye now'; Tornado saw (%r, %r)" % (code, reason))


async def tor_client_close():
    with Example(ECHO_BIN, PORT0) as ex:
        c = await tor_connect(url(ex))
        await bounded(c.write_message("x"), "send")
        await bounded(c.read_message(), "echo")
        c.close(4001, "client bye")
        code, reason = await tor_expect_close(c, "the server's answer to close 4001")
        print("    tornado: client closed 4001 'client bye'; server answered (%r, %r)" % (code, reason))
        check(code == 4001, "client closed with 4001; the server's close frame carried %r, expected the echo 4001" % code)


async def tor_ping():
    with Example(ECHO_BIN, PORT0 + ["--no-ping"]) as ex:
        c = await tor_connect(url(ex))
        loop = asyncio.get_running_loop()
        pongs = asyncio.Queue()

        def on_pong(data):  # must return None: Tornado awaits any other result
            loop.call_soon(pongs.put_nowait, bytes(data))

        # The protocol calls handler.on_pong(data) for each pong: an instance attribute wins.
        c.on_pong = on_pong
        for payload in (b"x", b"p" * 125):
            c.ping(payload)
            got = await bounded(pongs.get(), "the pong to ping %s" % short(payload))
            check(got == payload, "ping %s answered with pong %s" % (short(payload), short(got)))
        await bounded(c.write_message("after ping"), "send")
        check(await bounded(c.read_message(), "echo") == "after ping", "echo after ping")
        await tor_close(c)


async def tor_subprotocol():
    with Example(ADMISSION_BIN, PORT0) as ex:
        c = await tor_connect(url(ex, "/?token=" + TOKEN), subprotocols=["chat.v1", "chat.v2"])
        check(c.selected_subprotocol == "chat.v2", "offered chat.v1, chat.v2; selected %r" % c.selected_subprotocol)
        greeting = await bounded(c.read_message(), "greeting")
        check(greeting == "hello guest (chat.v2)", "greeting %r" % greeting)
        await tor_close(c)
        c = await tor_connect(url(ex, "/?token=" + TOKEN), subprotocols=["chat.v1"])
        check(c.selected_subprotocol == "chat.v1", "offered chat.v1; selected %r" % c.selected_subprotocol)
        check(await bounded(c.read_message(), "greeting") == "hello guest (chat.v1)", "chat.v1 greeting")
        await tor_close(c)


async def tor_rejected():
    with Example(ADMISSION_BIN, PORT0) as ex:
        for path in ("/", "/?token=wrong"):
            try:
                c = await tor_connect(url(ex, path))
            except tornado.httpclient.HTTPClientError as e:
                check(e.code == 401, "%s: rejected with %r, expected 401" % (path, e.code))
            else:
                c.close()
                raise Failure("%s: the handshake succeeded, expected 401" % path)


async def tor_sigterm():
    with Example(ECHO_BIN, PORT0) as ex:
        c = await tor_connect(url(ex))
        await bounded(c.write_message("hi"), "send")
        check(await bounded(c.read_message(), "echo") == "hi", "echo before SIGTERM")
        loop = asyncio.get_running_loop()
        stopping = loop.run_in_executor(None, ws.stop, ex.proc)  # SIGTERM, exit 0 within 10 s
        code, reason = await tor_expect_close(c, "the close after SIGTERM")
        await bounded(stopping, "the server's exit", 15)
        check(code == 1001, "SIGTERM: Tornado saw close (%r, %r), expected 1001" % (code, reason))


# ---- the matrix ----------------------------------------------------------------------------

FEATURES = [
    ("echo_text", wsk_echo, tor_echo, ("text",)),
    ("echo_binary", wsk_echo, tor_echo, ("binary",)),
    ("echo_large_1MiB_text_4MiB_binary", wsk_echo, tor_echo, ("large",)),
    ("server_close_4000_reason", wsk_server_close, tor_server_close, ()),
    ("client_close_4001_echoed", wsk_client_close, tor_client_close, ()),
    ("ping_pong", wsk_ping, tor_ping, ()),
    ("subprotocol_chat_v2", wsk_subprotocol, tor_subprotocol, ()),
    ("admission_401", wsk_rejected, tor_rejected, ()),
    ("sigterm_close_1001", wsk_sigterm, tor_sigterm, ()),
]


def make_test(client, feature, fn, args):
    def test():
        if client in MISSING:
            raise Failure(MISSING[client])
        asyncio.run(asyncio.wait_for(fn(*args), TEST_TIMEOUT))
    test.__name__ = "%s.%s" % (client, feature)
    return test


def main():
    print("python %s (%s)" % (sys.version.split()[0], sys.executable))
    print("websockets %s" % (websockets.__version__ if websockets else "MISSING (python3-websockets)"))
    print("tornado %s" % (tornado.version if tornado else "MISSING (python3-tornado)"))
    tests = []
    for client, pick in (("websockets", 1), ("tornado", 2)):
        for f in FEATURES:
            tests.append(make_test(client, f[0], f[pick], f[3]))
    ws.run_tests(tests)  # prints `N passed, M failed` last, exits 1 on any failure


if __name__ == "__main__":
    main()
