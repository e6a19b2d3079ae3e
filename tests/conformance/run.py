#!/usr/bin/env python3
"""squall's Autobahn|Testsuite-style conformance suite (Python 3 standard library only).

    run.py ECHO_SERVER_BINARY [--filter PREFIX]... [--report FILE.md|FILE.json] [--jobs N]

Starts the echo server (`--port 0 --no-ping --max-message-bytes 16777216`; a second one with
the default limits for the 9.8 cases), runs every case on its own connection, stops the
servers with SIGTERM (exit 0 checked), writes a per-case report and prints one summary line
per category and `N passed, M failed` (NON-STRICT counts as passed and is listed). Exits 1 if a
case FAILED.

Outcomes: OK; NON-STRICT when RFC 6455 allows the behaviour seen but prefers another (e.g.
the server keeps TCP open after the closing handshake until the client closes it, where
§7.1.1 says the server SHOULD close first); FAILED otherwise, including a server that drops
TCP without the close frame it owed.

Case ids follow Autobahn|Testsuite where a category maps (1 framing, 2 ping/pong, 3 reserved
bits, 4 opcodes, 5 fragmentation, 6 UTF-8, 7 close, 9 limits and performance, 10
auto-fragmentation, 12 handshake; squall's cases 12.x are not Autobahn's compression cases).
squall's documented choices (docs/protocol-core.md) are checked too: frame-level faults get
close 1002, invalid UTF-8 gets 1007 as soon as the bad octet arrives, non-minimal lengths are
violations, a close is echoed with the peer's code and no reason.
"""

import argparse
import concurrent.futures
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wsproto import (  # noqa: E402
    OP_BINARY, OP_CLOSE, OP_CONT, OP_NAMES, OP_PING, OP_PONG, OP_TEXT, Conn, Eof, Failure, Timeout,
    accept_for, check, close_frame, fragments, fragments_by_sizes, frame, header, mask_bytes,
    upgrade_request,
)

MAIN_ARGS = ["--port", "0", "--no-ping", "--max-message-bytes", "16777216"]
DEFAULT_ARGS = ["--port", "0", "--no-ping"]  # the library's default limits (10 MiB)
LISTENING = re.compile(r"^listening on (127\.0\.0\.1):([0-9]+)$")

READ_TIMEOUT = 5.0  # default bound of one read
LINGER = 1.0  # how long the server may take to close TCP after the closing handshake
FIN_WAIT = 6.0  # after our FIN, the server must close TCP within this (its closing deadline is 5 s)

CATEGORIES = {
    0: "server process",
    1: "framing and text/binary echo",
    2: "pings and pongs",
    3: "reserved bits",
    4: "reserved opcodes",
    5: "fragmentation",
    6: "UTF-8",
    7: "close handshake",
    9: "limits and performance",
    10: "auto-fragmentation",
    12: "opening handshake",
}

KiB, MiB = 1024, 1024 * 1024


# --- payloads ------------------------------------------------------------------------------

def ascii_payload(n):
    base = b"Hello, squall! *0123456789abcdefghijklmnopqrstuvwxyz* "
    return (base * (n // len(base) + 1))[:n]


def binary_payload(n):
    return (bytes(range(256)) * (n // 256 + 1))[:n]


def utf8_payload(n):
    """Exactly n octets of valid UTF-8 mixing 1-, 2-, 3- and 4-octet characters."""
    unit = "aé€𝄞".encode("utf-8")  # 1 + 2 + 3 + 4 = 10 octets
    whole = unit * (n // len(unit))
    return whole + b"z" * (n - len(whole))


# --- the per-case context ------------------------------------------------------------------

class NonStrict(Exception):
    pass


class Result:
    def __init__(self, case):
        self.id = case.id
        self.description = case.description
        self.outcome = "OK"
        self.close_code = None  # the code of the server's close frame ("empty" for an empty one)
        self.closed_by = "-"  # who sent the first close frame
        self.tcp_closed_by = "-"  # who closed TCP first
        self.duration = 0.0
        self.notes = []
        self.non_strict = []

    def as_dict(self):
        return {"id": self.id, "description": self.description, "outcome": self.outcome,
                "close_code": self.close_code, "closed_by": self.closed_by,
                "tcp_closed_by": self.tcp_closed_by, "duration_s": round(self.duration, 3),
                "notes": "; ".join(self.non_strict + self.notes)}


class T:
    """What a case function gets: the server address, the result to fill, and helpers."""

    def __init__(self, case, servers):
        self.case = case
        self.r = Result(case)
        self.server = servers[case.server]
        self.host, self.port = self.server.host, self.server.port
        self.conns = []

    def note(self, text):
        self.r.notes.append(text)

    def non_strict(self, text):
        self.r.non_strict.append(text)

    # -- connections --
    def connect(self, **kw):
        c = Conn.open(self.host, self.port, **kw)
        self.conns.append(c)
        return c

    def raw(self):
        c = Conn.raw(self.host, self.port)
        self.conns.append(c)
        return c

    def cleanup(self):
        for c in self.conns:
            c.close()

    # -- expectations --
    def expect_echo(self, c, opcode, payload, timeout=READ_TIMEOUT, what="echo"):
        try:
            m = c.recv_message(timeout)
        except Eof:
            raise Failure("server closed TCP instead of sending the %s (%s, %d octets)"
                          % (what, OP_NAMES[opcode], len(payload)))
        except Timeout:
            raise Failure("no %s (%s, %d octets) within %.0f s" % (what, OP_NAMES[opcode], len(payload), timeout))
        if m.opcode == OP_CLOSE:
            self._record_close(m, "server")
        check(m.opcode == opcode and m.payload == payload,
              "expected %s of %s %s, got %s" % (what, OP_NAMES[opcode], _show(payload), m.describe()))
        return m

    def expect_pong(self, c, payload, timeout=READ_TIMEOUT):
        return self.expect_echo(c, OP_PONG, payload, timeout, what="pong")

    def _record_close(self, f, by):
        code, _ = f.close_code()
        self.r.close_code = "empty" if code is None else code
        if self.r.closed_by == "-":
            self.r.closed_by = by

    def expect_server_close(self, c, code, timeout=READ_TIMEOUT, reply=True, allow_echo_of=None):
        """The server must fail the connection with a close frame carrying `code` (RFC 6455
        §7.1.7: SHOULD send a close frame first; squall always does). Then we answer with a
        close (unless reply=False) and wait for the server to close TCP."""
        try:
            f = c.recv_frame(timeout)
            if allow_echo_of is not None and f.opcode != OP_CLOSE:
                check(f.opcode == allow_echo_of[0] and f.payload == allow_echo_of[1],
                      "expected close %d, got %s" % (code, f.describe()))
                f = c.recv_frame(timeout)
        except Eof:
            self.r.tcp_closed_by = "server"
            raise Failure("server dropped TCP without a close frame; close %d was due (RFC 6455 §7.1.7)" % code)
        except Timeout:
            raise Failure("no close %d from the server within %.1f s" % (code, timeout))
        if f.opcode != OP_CLOSE:
            raise Failure("expected close %d, got %s" % (code, f.describe()))
        self._record_close(f, "server")
        got, reason = f.close_code()
        check(got == code, "expected close %d, got %s" % (code, f.describe()))
        if reply:
            c.send(close_frame(code))
        self.await_tcp_close(c)
        return f

    def client_close(self, c, code=1000, reason=b"", expect="echo", payload=None, chop=None):
        """We start the closing handshake; the server must answer with a close frame: the same
        code without a reason (expect="echo"), an empty close (expect="empty"), or the given
        code (an int, e.g. 1002 for an invalid close). Then the server must close TCP."""
        data = frame(OP_CLOSE, payload) if payload is not None else close_frame(code, reason)
        if self.r.closed_by == "-":
            self.r.closed_by = "client"
        c.send(data, chop=chop)
        want = code if expect == "echo" else expect
        try:
            f = c.recv_frame(READ_TIMEOUT)
        except Eof:
            self.r.tcp_closed_by = "server"
            raise Failure("server dropped TCP without answering our close (expected %s)" % _code_str(want))
        except Timeout:
            raise Failure("no close frame answered our close within %.0f s" % READ_TIMEOUT)
        if f.opcode != OP_CLOSE:
            raise Failure("expected close %s after our close, got %s" % (_code_str(want), f.describe()))
        self._record_close(f, "client")
        got, got_reason = f.close_code()
        if want == "empty":
            check(got is None, "an empty close was answered with %s, expected an empty close" % f.describe())
        else:
            check(got == want, "expected close %s, got %s" % (_code_str(want), f.describe()))
            if expect == "echo":
                check(got_reason == b"", "squall echoes a close without its reason; got reason %r" % got_reason)
        self.await_tcp_close(c)
        return f

    def await_tcp_close(self, c):
        """After both close frames (or after a failure close) the server should close TCP
        first (RFC 6455 §7.1.1 SHOULD). Nothing else may arrive after its close (§5.5.1)."""
        closed = c.wait_eof(LINGER)
        _no_more_frames(c)
        if closed:
            if self.r.tcp_closed_by == "-":
                self.r.tcp_closed_by = "server"
            return
        c.shutdown_write()
        if self.r.tcp_closed_by == "-":
            self.r.tcp_closed_by = "client"
        t0 = time.monotonic()
        closed = c.wait_eof(FIN_WAIT)
        _no_more_frames(c)
        check(closed, "server kept TCP open %.0f s after the closing handshake and the client's FIN" % FIN_WAIT)
        self.non_strict("server did not close TCP within %.0f s of its close frame and ours; it closed %.2f s "
                        "after the client's FIN (RFC 6455 §7.1.1: the server SHOULD close TCP first)"
                        % (LINGER, time.monotonic() - t0))


def _no_more_frames(c):
    f = c.peek_frame()
    if f is not None:
        raise Failure("server sent %s after its close frame (RFC 6455 §5.5.1)" % f.describe())
    check(not c.buf, "server sent %d stray octets after its close frame" % len(c.buf))


def _show(payload):
    return "%r%s" % (payload[:40], "...(%d octets)" % len(payload) if len(payload) > 40 else "")


def _code_str(want):
    return "(empty)" if want == "empty" else str(want)


# --- the registry --------------------------------------------------------------------------

class Case:
    def __init__(self, cid, description, fn, timeout=30.0, serial=False, server="main"):
        self.id = cid
        self.description = description
        self.fn = fn
        self.timeout = timeout
        self.serial = serial
        self.server = server
        self.category = int(cid.split(".")[0])


CASES = []


def add(cid, description, fn, **kw):
    CASES.append(Case(cid, description, fn, **kw))


# --- reusable case bodies ------------------------------------------------------------------

def echo_case(opcode, payload, chop=None, delay=0.0, read_timeout=READ_TIMEOUT, fragment=None):
    def body(t):
        c = t.connect()
        data = fragments(opcode, payload, fragment) if fragment else frame(opcode, payload)
        t0 = time.monotonic()
        c.send(data, chop=chop, delay=delay, timeout=read_timeout)
        t.expect_echo(c, opcode, payload, timeout=read_timeout)
        if len(payload) >= MiB or (fragment and len(payload) // fragment > 1000):
            dt = time.monotonic() - t0
            t.note("round trip %.2f s (%.1f MiB/s)" % (dt, len(payload) / MiB / dt if dt else 0))
        t.client_close(c)
    return body


def fail_case(data, code, echoes=(), chop=None, delay=0.0, reply=True, stop_on_close=False):
    """Send `data`; the server answers the listed echoes (opcode, payload) in order, then fails
    the connection with close `code`; anything else (a pong after the fault, for example) fails."""
    def body(t):
        c = t.connect()
        stop = (lambda conn: conn.has_close()) if stop_on_close else None
        c.send(data, chop=chop, delay=delay, stop_when=stop)
        for op, payload in echoes:
            t.expect_echo(c, op, payload)
        t.expect_server_close(c, code, reply=reply)
    return body


def close_case(expect, code=None, reason=b"", payload=None, then=b"", chop=None):
    def body(t):
        c = t.connect()
        if then:
            # the close and what follows it in one write
            data = (frame(OP_CLOSE, payload) if payload is not None else close_frame(code, reason)) + then
            t.r.closed_by = "client"
            c.send(data)
            want = code if expect == "echo" else expect
            try:
                f = c.recv_frame()
            except Eof:
                raise Failure("server dropped TCP without answering our close")
            check(f.opcode == OP_CLOSE, "expected close %s, got %s (data after a close must be ignored)"
                  % (_code_str(want), f.describe()))
            t._record_close(f, "client")
            got, _ = f.close_code()
            check((got is None) if want == "empty" else got == want,
                  "expected close %s, got %s" % (_code_str(want), f.describe()))
            t.await_tcp_close(c)
        else:
            t.client_close(c, code=code, reason=reason, expect=expect, payload=payload, chop=chop)
    return body


# --- 1 framing and echo --------------------------------------------------------------------

LENGTHS = [0, 125, 126, 127, 128, 65535, 65536]
for sub, op, make in ((1, OP_TEXT, ascii_payload), (2, OP_BINARY, binary_payload)):
    kind = OP_NAMES[op]
    for i, n in enumerate(LENGTHS, 1):
        add("1.%d.%d" % (sub, i), "%s message of %d octets, one write" % (kind, n), echo_case(op, make(n)))
    add("1.%d.8" % sub, "%s message of 65536 octets in chops of 997 octets" % kind,
        echo_case(op, make(65536), chop=997))
    for i, n in enumerate(LENGTHS, 9):
        add("1.%d.%d" % (sub, i), "%s message of %d octets written one octet per write" % (kind, n),
            echo_case(op, make(n), chop=1), timeout=60.0)

add("1.3.1", "unmasked text frame -> 1002 (RFC 6455 §5.1)",
    fail_case(frame(OP_TEXT, b"Hello", masked=False), 1002))
add("1.3.2", "text frame with a non-minimal 16-bit length (5) -> 1002",
    fail_case(frame(OP_TEXT, b"Hello", length_form=16), 1002))
add("1.3.3", "binary frame with a non-minimal 64-bit length (200) -> 1002",
    fail_case(frame(OP_BINARY, binary_payload(200), length_form=64), 1002))
add("1.3.4", "binary frame with a 64-bit length whose top bit is set -> 1002",
    fail_case(bytes([0x82, 0xFF]) + struct.pack("!Q", 1 << 63 | 5) + b"\0\0\0\0hello", 1002))
add("1.3.5", "valid echo, then an unmasked binary frame in the same write -> echo, 1002",
    fail_case(frame(OP_TEXT, b"first") + frame(OP_BINARY, b"\1\2", masked=False), 1002,
              echoes=[(OP_TEXT, b"first")]))

# --- 2 pings and pongs ---------------------------------------------------------------------


def ping_case(payloads, chop=None, pong_first=None, then_text=None):
    def body(t):
        c = t.connect()
        data = b""
        if pong_first is not None:
            data += frame(OP_PONG, pong_first)
        data += b"".join(frame(OP_PING, p) for p in payloads)
        if then_text is not None:
            data += frame(OP_TEXT, then_text)
        c.send(data, chop=chop)
        for p in payloads:
            t.expect_pong(c, p)
        if then_text is not None:
            t.expect_echo(c, OP_TEXT, then_text)
        t.client_close(c)
    return body


add("2.1", "ping with an empty payload -> empty pong", ping_case([b""]))
add("2.2", "ping with a short text payload -> pong echoes it", ping_case([b"Hello, world!"]))
add("2.3", "ping with a short binary payload -> pong echoes it", ping_case([b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff"]))
add("2.4", "ping with a 125-octet payload -> pong echoes it", ping_case([binary_payload(125)]))
add("2.5", "ping with a 126-octet payload -> 1002", fail_case(frame(OP_PING, binary_payload(126)), 1002))
add("2.6", "ping with a 125-octet payload written one octet per write -> pong", ping_case([binary_payload(125)], chop=1))
add("2.7", "unsolicited empty pong is ignored, then echo works", ping_case([], pong_first=b"", then_text=b"after pong"))
add("2.8", "unsolicited 125-octet pong is ignored, then echo works",
    ping_case([], pong_first=binary_payload(125), then_text=b"after pong"))
add("2.9", "unsolicited pong, then ping -> one pong with the ping's payload",
    ping_case([b"ping payload"], pong_first=b"unsolicited"))
add("2.10", "10 pings in one write -> 10 pongs in order", ping_case([b"ping %d" % i for i in range(10)]))
add("2.11", "10 pings written one octet per write -> 10 pongs in order",
    ping_case([b"ping %d" % i for i in range(10)], chop=1))
add("2.12", "ping with a non-minimal 16-bit length -> 1002", fail_case(frame(OP_PING, b"ping", length_form=16), 1002))
add("2.13", "unmasked ping -> 1002", fail_case(frame(OP_PING, b"ping", masked=False), 1002))
add("2.14", "ping in the middle of a text message written octet-wise -> pong then echo",
    lambda t: _ping_inside(t, chop=1))


def _ping_inside(t, chop):
    c = t.connect()
    c.send(frame(OP_TEXT, b"frag-1 ", fin=False) + frame(OP_PING, b"inside") + frame(OP_CONT, b"frag-2"), chop=chop)
    t.expect_pong(c, b"inside")
    t.expect_echo(c, OP_TEXT, b"frag-1 frag-2")
    t.client_close(c)


# --- 3 reserved bits -----------------------------------------------------------------------

for rsv in range(1, 8):
    add("3.1.%d" % rsv, "text frame with RSV=%d -> 1002" % rsv, fail_case(frame(OP_TEXT, b"Hello", rsv=rsv), 1002))
    add("3.2.%d" % rsv, "binary frame with RSV=%d -> 1002" % rsv,
        fail_case(frame(OP_BINARY, b"\0\1\2", rsv=rsv), 1002))
    add("3.3.%d" % rsv, "ping with RSV=%d -> 1002, no pong" % rsv, fail_case(frame(OP_PING, b"ping", rsv=rsv), 1002))
add("3.4.1", "pong with RSV=1 -> 1002", fail_case(frame(OP_PONG, b"pong", rsv=1), 1002))
add("3.4.2", "close with RSV=6 -> 1002", fail_case(close_frame(1000, rsv=6), 1002))
add("3.4.3", "continuation with RSV=4 inside a fragmented text -> 1002",
    fail_case(frame(OP_TEXT, b"a", fin=False) + frame(OP_CONT, b"b", rsv=4), 1002))
_rsv_after = frame(OP_TEXT, b"Hello") + frame(OP_TEXT, b"Hello", rsv=2) + frame(OP_PING, b"never answered")
add("3.5.1", "valid text, text with RSV=2, ping in one write -> echo, 1002, no pong",
    fail_case(_rsv_after, 1002, echoes=[(OP_TEXT, b"Hello")]))
add("3.5.2", "same as 3.5.1 written one frame per write",
    fail_case(_rsv_after, 1002, echoes=[(OP_TEXT, b"Hello")], chop=[11, 11, 20], delay=0.05))
add("3.5.3", "same as 3.5.1 written one octet per write",
    fail_case(_rsv_after, 1002, echoes=[(OP_TEXT, b"Hello")], chop=1))
add("3.5.4", "valid binary, binary with RSV=7, in one write -> echo, 1002",
    fail_case(frame(OP_BINARY, b"\xff\x00") + frame(OP_BINARY, b"\xff\x00", rsv=7), 1002,
              echoes=[(OP_BINARY, b"\xff\x00")]))

# --- 4 reserved opcodes --------------------------------------------------------------------

for sub, opcodes in ((1, (3, 4, 5, 6, 7)), (2, (11, 12, 13, 14, 15))):
    kind = "data" if sub == 1 else "control"
    for i, op in enumerate(opcodes):
        add("4.%d.%d" % (sub, i + 1), "reserved %s opcode %d, empty -> 1002" % (kind, op), fail_case(frame(op), 1002))
        add("4.%d.%d" % (sub, i + 6), "reserved %s opcode %d with payload -> 1002" % (kind, op),
            fail_case(frame(op, b"reserved opcode"), 1002))
        add("4.%d.%d" % (sub, i + 11), "valid text, reserved opcode %d, ping in one write -> echo, 1002, no pong" % op,
            fail_case(frame(OP_TEXT, b"Hello") + frame(op, b"x") + frame(OP_PING, b"never"), 1002,
                      echoes=[(OP_TEXT, b"Hello")]))

# --- 5 fragmentation -----------------------------------------------------------------------


def frag_case(frames, echoes, chop=None, delay=0.0):
    """Send the frames; expect the (opcode, payload) answers in order, then close normally."""
    def body(t):
        c = t.connect()
        c.send(b"".join(frames), chop=chop, delay=delay)
        for op, payload in echoes:
            t.expect_echo(c, op, payload, what="pong" if op == OP_PONG else "echo")
        t.client_close(c)
    return body


F = frame
two_text = [F(OP_TEXT, b"fragment1", fin=False), F(OP_CONT, b"fragment2")]
with_ping = [F(OP_TEXT, b"fragment1", fin=False), F(OP_PING, b"ping"), F(OP_CONT, b"fragment2")]
add("5.1", "ping in 2 fragments -> 1002", fail_case(F(OP_PING, b"fragment1", fin=False) + F(OP_CONT, b"fragment2"), 1002))
add("5.2", "pong in 2 fragments -> 1002", fail_case(F(OP_PONG, b"fragment1", fin=False) + F(OP_CONT, b"fragment2"), 1002))
add("5.3", "text in 2 fragments -> echo", frag_case(two_text, [(OP_TEXT, b"fragment1fragment2")]))
add("5.4", "text in 2 fragments, one write per frame, 100 ms apart",
    frag_case(two_text, [(OP_TEXT, b"fragment1fragment2")], chop=[len(two_text[0]), len(two_text[1])], delay=0.1))
add("5.5", "text in 2 fragments written one octet per write",
    frag_case(two_text, [(OP_TEXT, b"fragment1fragment2")], chop=1))
add("5.6", "text in 2 fragments with a ping between -> pong, echo",
    frag_case(with_ping, [(OP_PONG, b"ping"), (OP_TEXT, b"fragment1fragment2")]))
add("5.7", "same as 5.6 written one octet per write",
    frag_case(with_ping, [(OP_PONG, b"ping"), (OP_TEXT, b"fragment1fragment2")], chop=1))
add("5.8", "same as 5.6 one write per frame, 100 ms apart",
    frag_case(with_ping, [(OP_PONG, b"ping"), (OP_TEXT, b"fragment1fragment2")],
              chop=[len(f) for f in with_ping], delay=0.1))
add("5.9", "continuation (fin=1) with nothing to continue -> 1002", fail_case(F(OP_CONT, b"non-continuation payload"), 1002))
add("5.10", "same as 5.9 written one octet per write",
    fail_case(F(OP_CONT, b"non-continuation payload"), 1002, chop=1))
add("5.11", "continuation (fin=0) with nothing to continue -> 1002",
    fail_case(F(OP_CONT, b"fragment1", fin=False), 1002))
add("5.12", "continuation (fin=0) then continuation (fin=1), nothing to continue -> 1002",
    fail_case(F(OP_CONT, b"fragment1", fin=False) + F(OP_CONT, b"fragment2"), 1002))
add("5.13", "text in 2 fragments, stray continuation, then text in one write -> echo, 1002",
    fail_case(b"".join(two_text) + F(OP_CONT, b"stray", fin=False) + F(OP_TEXT, b"never echoed"), 1002,
              echoes=[(OP_TEXT, b"fragment1fragment2")]))
add("5.14", "a new text frame inside a fragmented text -> 1002",
    fail_case(F(OP_TEXT, b"fragment1", fin=False) + F(OP_TEXT, b"fragment2"), 1002))
add("5.15", "a new binary frame inside a fragmented text -> 1002",
    fail_case(F(OP_TEXT, b"fragment1", fin=False) + F(OP_BINARY, b"fragment2"), 1002))
add("5.16", "a new text frame (fin=0) inside a fragmented binary -> 1002",
    fail_case(F(OP_BINARY, b"fragment1", fin=False) + F(OP_TEXT, b"fragment2", fin=False), 1002))
_five = [F(OP_TEXT, b"f1", fin=False), F(OP_PING, b"p1"), F(OP_CONT, b"f2", fin=False), F(OP_CONT, b"f3", fin=False),
         F(OP_PING, b"p2"), F(OP_CONT, b"f4", fin=False), F(OP_CONT, b"f5")]
add("5.17", "text in 5 fragments with 2 pings between -> 2 pongs in order, echo",
    frag_case(_five, [(OP_PONG, b"p1"), (OP_PONG, b"p2"), (OP_TEXT, b"f1f2f3f4f5")], chop=[len(f) for f in _five],
              delay=0.02))
_five_pong = [F(OP_PONG, b"unsolicited") if i in (1, 4) else f for i, f in enumerate(_five)]
add("5.18", "text in 5 fragments with 2 unsolicited pongs between -> echo only",
    frag_case(_five_pong, [(OP_TEXT, b"f1f2f3f4f5")]))
add("5.19", "binary in 2 fragments -> echo",
    frag_case([F(OP_BINARY, b"\x00\x01", fin=False), F(OP_CONT, b"\xfe\xff")], [(OP_BINARY, b"\x00\x01\xfe\xff")]))
for i, count in enumerate((3, 10, 100, 1000), 20):
    payload = ascii_payload(count * 7)
    add("5.%d" % i, "text in %d fragments of 7 octets -> echo" % count,
        frag_case([fragments(OP_TEXT, payload, 7)], [(OP_TEXT, payload)]))
add("5.24", "binary in 100 fragments of 13 octets -> echo",
    frag_case([fragments(OP_BINARY, binary_payload(1300), 13)], [(OP_BINARY, binary_payload(1300))]))
add("5.25", "close in 2 fragments -> 1002",
    fail_case(F(OP_CLOSE, struct.pack("!H", 1000), fin=False) + F(OP_CONT, b"bye"), 1002))
add("5.26", "text of 1-octet fragments (\"Hello, squall\") -> echo",
    frag_case([fragments(OP_TEXT, b"Hello, squall", 1)], [(OP_TEXT, b"Hello, squall")]))
add("5.27", "text of 1-octet fragments written one octet per write -> echo",
    frag_case([fragments(OP_TEXT, b"Hello, squall", 1)], [(OP_TEXT, b"Hello, squall")], chop=1))
add("5.28", "text of 3 empty fragments -> empty text",
    frag_case([F(OP_TEXT, b"", fin=False), F(OP_CONT, b"", fin=False), F(OP_CONT, b"")], [(OP_TEXT, b"")]))
add("5.29", "empty first and last fragments around \"abc\" -> \"abc\"",
    frag_case([F(OP_TEXT, b"", fin=False), F(OP_CONT, b"abc", fin=False), F(OP_CONT, b"")], [(OP_TEXT, b"abc")]))
add("5.30", "binary of empty fragments and one ping between -> pong, empty binary",
    frag_case([F(OP_BINARY, b"", fin=False), F(OP_PING, b""), F(OP_CONT, b"")], [(OP_PONG, b""), (OP_BINARY, b"")]))


def _close_inside_fragmented(t):
    c = t.connect()
    c.send(F(OP_TEXT, b"fragment1", fin=False))
    t.client_close(c, 1000)


add("5.31", "close inside a fragmented text -> close echoed, no data", _close_inside_fragmented)


# --- 6 UTF-8 -------------------------------------------------------------------------------

add("6.1.1", "empty text message -> echo", echo_case(OP_TEXT, b""))
add("6.1.2", "text of 3 empty fragments -> empty echo",
    frag_case([F(OP_TEXT, b"", fin=False), F(OP_CONT, b"", fin=False), F(OP_CONT, b"")], [(OP_TEXT, b"")]))
add("6.1.3", "empty, \"middle\", empty fragments -> \"middle\"",
    frag_case([F(OP_TEXT, b"", fin=False), F(OP_CONT, b"middle", fin=False), F(OP_CONT, b"")], [(OP_TEXT, b"middle")]))

SPLIT_TEXT = "Hello-µ@ßöä-€-𝄞-κόσμε".encode("utf-8")
for k in range(1, len(SPLIT_TEXT)):
    add("6.2.%d" % k, "valid multi-octet text in 2 fragments split after octet %d of %d" % (k, len(SPLIT_TEXT)),
        frag_case([F(OP_TEXT, SPLIT_TEXT[:k], fin=False), F(OP_CONT, SPLIT_TEXT[k:])], [(OP_TEXT, SPLIT_TEXT)]))
_n = len(SPLIT_TEXT)
add("6.2.%d" % _n, "valid multi-octet text, every octet its own fragment",
    frag_case([fragments(OP_TEXT, SPLIT_TEXT, 1)], [(OP_TEXT, SPLIT_TEXT)]))
add("6.2.%d" % (_n + 1), "valid multi-octet text in one frame written one octet per write",
    frag_case([F(OP_TEXT, SPLIT_TEXT)], [(OP_TEXT, SPLIT_TEXT)], chop=1))

INVALID = [
    ("overlong '/' (C0 AF)", b"\xc0\xaf"),
    ("overlong '/' in 3 octets (E0 80 AF)", b"\xe0\x80\xaf"),
    ("overlong '/' in 4 octets (F0 80 80 AF)", b"\xf0\x80\x80\xaf"),
    ("overlong '/' in 5 octets (F8 80 80 80 AF)", b"\xf8\x80\x80\x80\xaf"),
    ("overlong '/' in 6 octets (FC 80 80 80 80 AF)", b"\xfc\x80\x80\x80\x80\xaf"),
    ("overlong U+007F (C1 BF)", b"\xc1\xbf"),
    ("overlong U+07FF (E0 9F BF)", b"\xe0\x9f\xbf"),
    ("overlong U+FFFF (F0 8F BF BF)", b"\xf0\x8f\xbf\xbf"),
    ("overlong NUL (C0 80)", b"\xc0\x80"),
    ("overlong NUL (E0 80 80)", b"\xe0\x80\x80"),
    ("surrogate U+D800 (ED A0 80)", b"\xed\xa0\x80"),
    ("surrogate U+DB7F (ED AD BF)", b"\xed\xad\xbf"),
    ("surrogate U+DBFF (ED AF BF)", b"\xed\xaf\xbf"),
    ("surrogate U+DC00 (ED B0 80)", b"\xed\xb0\x80"),
    ("surrogate U+DFFF (ED BF BF)", b"\xed\xbf\xbf"),
    ("surrogate pair U+D800 U+DC00 (CESU-8)", b"\xed\xa0\x80\xed\xb0\x80"),
    ("U+110000 (F4 90 80 80)", b"\xf4\x90\x80\x80"),
    ("beyond U+10FFFF (F5 80 80 80)", b"\xf5\x80\x80\x80"),
    ("beyond U+10FFFF (F7 BF BF BF)", b"\xf7\xbf\xbf\xbf"),
    ("truncated 2-octet sequence at message end", b"kappa \xce"),
    ("truncated 3-octet sequence at message end", b"euro \xe2\x82"),
    ("truncated 4-octet sequence at message end", b"clef \xf0\x9d\x84"),
    ("truncated 3-octet sequence before ASCII", b"\xe2\x82A"),
    ("lone continuation octet 0x80", b"\x80"),
    ("lone continuation octet 0xBF", b"\xbf"),
    ("3 continuation octets", b"a\x80\xbf\x80b"),
    ("start octet followed by a space (C0 20)", b"\xc2 "),
    ("octet 0xFE", b"\xfe"),
    ("octet 0xFF", b"\xff"),
    ("FE FE FF FF", b"\xfe\xfe\xff\xff"),
    ("valid text then an invalid octet", "κόσμε".encode("utf-8") + b"\xed\xa0\x80" + b"edited"),
]
for i, (name, payload) in enumerate(INVALID, 1):
    add("6.3.%d" % i, "invalid UTF-8 in one frame: %s -> 1007" % name, fail_case(F(OP_TEXT, payload), 1007))

# invalid sequences split over fragments, and a truncated sequence at the end of a fragmented message
INVALID_FRAGMENTED = [
    ("U+110000 split F4 | 90 80 80", [b"\xf4", b"\x90\x80\x80"]),
    ("surrogate split ED | A0 80", [b"ab\xed", b"\xa0\x80"]),
    ("overlong split E0 | 80 AF", [b"\xe0", b"\x80\xaf"]),
    ("truncated 3-octet sequence at the end of the last fragment", [b"abc", b"\xe2\x82"]),
    ("truncated sequence before an empty last fragment", [b"abc\xe2\x82", b""]),
    ("invalid octet in the middle fragment", [b"abc", b"\xff", b"def"]),
]
for i, (name, parts) in enumerate(INVALID_FRAGMENTED, 1):
    frames = [F(OP_TEXT if j == 0 else OP_CONT, p, fin=(j == len(parts) - 1)) for j, p in enumerate(parts)]
    add("6.6.%d" % i, "invalid UTF-8 over fragments: %s -> 1007" % name, fail_case(b"".join(frames), 1007))

VALID = [
    ("κόσμε (Kuhn's test word)", "κόσμε".encode("utf-8")),
    ("U+0000", b"\x00"),
    ("U+007F", b"\x7f"),
    ("U+0080", b"\xc2\x80"),
    ("U+07FF", b"\xdf\xbf"),
    ("U+0800", b"\xe0\xa0\x80"),
    ("U+D7FF (just below the surrogates)", b"\xed\x9f\xbf"),
    ("U+E000 (just above the surrogates)", b"\xee\x80\x80"),
    ("U+FFFD", b"\xef\xbf\xbd"),
    ("U+FFFE and U+FFFF (noncharacters are valid UTF-8)", b"\xef\xbf\xbe\xef\xbf\xbf"),
    ("U+10000", b"\xf0\x90\x80\x80"),
    ("U+10FFFF (the last code point)", b"\xf4\x8f\xbf\xbf"),
    ("mixed scripts and emoji", "Ünïcödé ✓ 漢字 😀 עברית".encode("utf-8")),
]
for i, (name, payload) in enumerate(VALID, 1):
    add("6.5.%d" % i, "valid UTF-8 echoed exactly: %s" % name, echo_case(OP_TEXT, payload))
add("6.7.1", "ping with invalid UTF-8 payload -> pong (control payloads are not text)", ping_case([b"\xff\xfe\xc0\xaf"]))
add("6.7.2", "binary message with invalid UTF-8 -> echoed", echo_case(OP_BINARY, b"\xff\xfe\xc0\xaf\xed\xa0\x80"))


def failfast_case(first, rest, fragmented=False):
    """Send the start of a text message whose first part holds an invalid octet and withhold
    the rest: close 1007 must come within 2 s (squall validates as octets arrive)."""
    def body(t):
        c = t.connect()
        if fragmented:
            c.send(F(OP_TEXT, first, fin=False))
            tail = F(OP_CONT, rest)
        else:
            key = os.urandom(4)
            whole = first + rest
            data = header(OP_TEXT, len(whole), key=key) + mask_bytes(whole, key)
            cut = len(data) - len(rest)
            c.send(data[:cut])
            tail = data[cut:]
        t0 = time.monotonic()
        try:
            f = c.recv_frame(2.0)
        except Timeout:
            raise Failure("no close 1007 within 2 s of the invalid octet (the rest of the message withheld)")
        except Eof:
            raise Failure("server dropped TCP without a close frame; close 1007 was due")
        check(f.opcode == OP_CLOSE, "expected close 1007, got %s" % f.describe())
        t._record_close(f, "server")
        check(f.close_code()[0] == 1007, "expected close 1007, got %s" % f.describe())
        t.note("close 1007 after %.0f ms" % ((time.monotonic() - t0) * 1000))
        # The framing is intact (a message-level fault): finish the frame, then answer the close.
        c.send(tail + close_frame(1007))
        t.await_tcp_close(c)
    return body


_kosme = "κόσμε".encode("utf-8")
add("6.4.1", "fail fast: frame starts κόσμε F4 90 80 80, rest withheld -> 1007 within 2 s",
    failfast_case(_kosme + b"\xf4\x90\x80\x80", b"edited" * 20))
add("6.4.2", "fail fast: frame part ends at the bad octet (κόσμε F4 90), rest withheld -> 1007 within 2 s",
    failfast_case(_kosme + b"\xf4\x90", b"\x80\x80" + b"edited" * 20))
add("6.4.3", "fail fast: surrogate ED A0 as the last octets sent -> 1007 within 2 s",
    failfast_case(b"abc\xed\xa0", b"\x80" + b"x" * 200))
add("6.4.4", "fail fast: first fragment (fin=0) holds 0xFF, no more fragments sent -> 1007 within 2 s",
    failfast_case(b"Hello \xff world", b"final fragment", fragmented=True))
add("6.4.5", "fail fast: a 64 KiB frame with an invalid octet in its first 100 octets -> 1007 within 2 s",
    failfast_case(ascii_payload(50) + b"\xc0\xaf" + ascii_payload(48), ascii_payload(65536 - 100)))

# --- 7 close -------------------------------------------------------------------------------

add("7.1.1", "echo, then close 1000 -> close 1000 and TCP closed by the server",
    lambda t: (lambda c: (c.send(F(OP_TEXT, b"Hello")), t.expect_echo(c, OP_TEXT, b"Hello"), t.client_close(c)))(t.connect()))
add("7.1.2", "close, then a second close in one write -> one close, TCP closed",
    close_case("echo", code=1000, then=close_frame(1001)))
add("7.1.3", "close, then ping in one write -> close, no pong",
    close_case("echo", code=1000, then=F(OP_PING, b"too late")))
add("7.1.4", "close, then text in one write -> close, no echo",
    close_case("echo", code=1000, then=F(OP_TEXT, b"too late")))
add("7.1.5", "first fragment, close, last fragment in one write -> close, no echo",
    lambda t: _close_between_fragments(t))
add("7.1.6", "256 KiB message, close, ping in one write -> echo (optional), close 1000, no pong",
    lambda t: _close_after_big(t), timeout=60.0)


def _close_between_fragments(t):
    c = t.connect()
    t.r.closed_by = "client"
    c.send(F(OP_TEXT, b"fragment1", fin=False) + close_frame(1000) + F(OP_CONT, b"fragment2"))
    f = c.recv_frame()
    check(f.opcode == OP_CLOSE, "expected close 1000, got %s" % f.describe())
    t._record_close(f, "client")
    check(f.close_code()[0] == 1000, "expected close 1000, got %s" % f.describe())
    t.await_tcp_close(c)


def _close_after_big(t):
    c = t.connect()
    payload = binary_payload(256 * KiB)
    t.r.closed_by = "client"
    c.send(F(OP_BINARY, payload) + close_frame(1000) + F(OP_PING, b"too late"), timeout=30)
    f = c.recv_message(30)
    if f.opcode == OP_BINARY:
        check(f.payload == payload, "the 256 KiB echo differs")
        t.note("echoed before closing")
        f = c.recv_frame()
    else:
        t.note("closed without echoing")
    check(f.opcode == OP_CLOSE, "expected close 1000, got %s" % f.describe())
    t._record_close(f, "client")
    check(f.close_code()[0] == 1000, "expected close 1000, got %s" % f.describe())
    t.await_tcp_close(c)


add("7.3.1", "empty close -> empty close", close_case("empty", payload=b""))
add("7.3.2", "close with a 1-octet payload -> 1002", close_case(1002, payload=b"\x03"))
add("7.3.3", "close 1000 without reason -> 1000", close_case("echo", code=1000))
add("7.3.4", "close 1000 with a reason -> 1000 (no reason echoed)", close_case("echo", code=1000, reason=b"Hello, squall"))
add("7.3.5", "close 1000 with a 123-octet reason -> 1000", close_case("echo", code=1000, reason=ascii_payload(123)))
add("7.3.6", "close 1000 with a 124-octet reason (payload 126) -> 1002",
    fail_case(close_frame(1000, ascii_payload(124)), 1002, reply=False))
add("7.3.7", "close 1000 written one octet per write -> 1000", close_case("echo", code=1000, reason=b"chopped", chop=1))
add("7.5.1", "close reason with invalid UTF-8 -> 1007",
    close_case(1007, code=1000, reason=_kosme + b"\xed\xa0\x80" + b"edited"))
add("7.5.2", "close reason truncated in a UTF-8 sequence -> 1007", close_case(1007, code=1000, reason=b"euro \xe2\x82"))
add("7.5.3", "close reason with valid multi-octet UTF-8 -> 1000", close_case("echo", code=1000, reason=SPLIT_TEXT))
for i, code in enumerate([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                          3000, 3999, 4000, 4999], 1):
    add("7.7.%d" % i, "close with receivable code %d -> echoed" % code, close_case("echo", code=code))
for i, code in enumerate([0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535], 1):
    add("7.9.%d" % i, "close with invalid code %d -> 1002" % code, close_case(1002, code=code))

# --- 9 limits and performance --------------------------------------------------------------

for sub, op, make in ((1, OP_TEXT, utf8_payload), (2, OP_BINARY, binary_payload)):
    for i, n in enumerate((64 * KiB, 256 * KiB, MiB, 4 * MiB, 16 * MiB), 1):
        big = n >= 4 * MiB
        size = "%d KiB" % (n // KiB) if n < MiB else "%d MiB" % (n // MiB)
        add("9.%d.%d" % (sub, i), "%s message of %s -> echo (timed)" % (OP_NAMES[op], size),
            echo_case(op, make(n), read_timeout=60.0 if big else 20.0), timeout=60.0, serial=True)


def fragmented_echo(op, payload, size, read_timeout=60.0):
    def body(t):
        c = t.connect()
        data = fragments(op, payload, size, key=os.urandom(4) if size % 4 == 0 else None)
        t0 = time.monotonic()
        c.send(data, timeout=read_timeout)
        t.expect_echo(c, op, payload, timeout=read_timeout)
        dt = time.monotonic() - t0
        t.note("%d fragments, round trip %.2f s" % ((len(payload) + size - 1) // size, dt))
        t.client_close(c)
    return body


add("9.3.1", "4 MiB text in 64-octet fragments (65,536 fragments, the inclusive limit) -> echo",
    fragmented_echo(OP_TEXT, utf8_payload(4 * MiB), 64), timeout=60.0, serial=True)
add("9.3.2", "4 MiB text in 4 KiB fragments -> echo",
    fragmented_echo(OP_TEXT, utf8_payload(4 * MiB), 4 * KiB), timeout=60.0, serial=True)
add("9.4.1", "4 MiB binary in 64-octet fragments -> echo",
    fragmented_echo(OP_BINARY, binary_payload(4 * MiB), 64), timeout=60.0, serial=True)


def over_limit_case(op, total, parts, code=1009):
    """A message of `total` octets over the server's limit: in one frame (parts=1; a
    frame-level fault caught from the header, so we stop writing once the close arrives) or
    in `parts` fragments (a message-level fault: the framing stays intact, so we write it all
    and answer the close)."""
    def body(t):
        c = t.connect()
        payload = binary_payload(total) if op == OP_BINARY else utf8_payload(total)
        if parts == 1:
            data = frame(op, payload, key=b"\0\0\0\0")
            c.send(data, timeout=30.0, stop_when=lambda conn: conn.has_close())
            t.expect_server_close(c, code, timeout=30.0, reply=False)
        else:
            size = (total + parts - 1) // parts
            data = fragments(op, payload, size, key=b"\0\0\0\0")
            c.send(data, timeout=30.0)
            t.expect_server_close(c, code, timeout=30.0)
    return body


add("9.5.1", "4 MiB + 64 octets in 64-octet fragments (65,537 fragments) -> 1009",
    lambda t: _too_many_fragments(t), timeout=60.0, serial=True)


def _too_many_fragments(t):
    c = t.connect()
    payload = utf8_payload(4 * MiB + 64)
    c.send(fragments(OP_TEXT, payload, 64, key=os.urandom(4)), timeout=30.0)
    t.expect_server_close(c, 1009, timeout=30.0)


add("9.5.2", "16 MiB + 1 binary in one frame -> 1009 (checked from the header)",
    over_limit_case(OP_BINARY, 16 * MiB + 1, 1), timeout=60.0, serial=True)
add("9.5.3", "16 MiB + 1 text in 2 fragments -> 1009",
    over_limit_case(OP_TEXT, 16 * MiB + 1, 2), timeout=60.0, serial=True)


def pipelined_case(op, count, size):
    def body(t):
        c = t.connect()
        msgs = [(b"%06d:" % i + (ascii_payload if op == OP_TEXT else binary_payload)(size))[:size] for i in range(count)]
        t0 = time.monotonic()
        c.send(b"".join(frame(op, m) for m in msgs), timeout=20.0)
        for i, m in enumerate(msgs):
            t.expect_echo(c, op, m, timeout=20.0, what="echo #%d" % i)
        t.note("%d round trips pipelined in %.2f s" % (count, time.monotonic() - t0))
        t.client_close(c)
    return body


add("9.7.1", "1,000 text messages of 64 octets pipelined -> 1,000 echoes in order",
    pipelined_case(OP_TEXT, 1000, 64), timeout=60.0, serial=True)
add("9.7.2", "1,000 binary messages of 1 KiB pipelined -> 1,000 echoes in order",
    pipelined_case(OP_BINARY, 1000, 1024), timeout=60.0, serial=True)

# against a second echo_server started with the library's default limit (10 MiB inclusive)
add("9.8.1", "default limit: exactly 10 MiB binary -> echo",
    echo_case(OP_BINARY, binary_payload(10 * MiB), read_timeout=60.0), timeout=60.0, serial=True, server="default")
add("9.8.2", "default limit: exactly 10 MiB text in 2 fragments -> echo",
    fragmented_echo(OP_TEXT, utf8_payload(10 * MiB), 5 * MiB), timeout=60.0, serial=True, server="default")
add("9.8.3", "default limit: 10 MiB + 1 binary in one frame -> 1009",
    over_limit_case(OP_BINARY, 10 * MiB + 1, 1), timeout=60.0, serial=True, server="default")
add("9.8.4", "default limit: 10 MiB + 1 text in 2 fragments -> 1009",
    over_limit_case(OP_TEXT, 10 * MiB + 1, 2), timeout=60.0, serial=True, server="default")

# --- 10 auto-fragmentation -----------------------------------------------------------------

MSG64 = utf8_payload(64 * KiB)
for i, chop in enumerate((1, 2, 3, 4, 5, 7, 64, 997, 1300, 4096), 1):
    add("10.1.%d" % i, "64 KiB text in one frame written in chops of %d octets" % chop,
        frag_case([F(OP_TEXT, MSG64)], [(OP_TEXT, MSG64)], chop=chop), timeout=60.0, serial=chop <= 2)
for i, size in enumerate((1, 2, 3, 7, 64, 1300, 4096, 65535), 1):
    add("10.2.%d" % i, "64 KiB text as fragments of %d octets%s" % (size, " (65,536 fragments)" if size == 1 else ""),
        frag_case([fragments(OP_TEXT, MSG64, size)], [(OP_TEXT, MSG64)]), timeout=60.0, serial=size == 1)
add("10.3.1", "64 KiB binary as fragments of 1, 2, 3, ... octets written in chops of 1, 2, 3, 5, 8, ... octets",
    frag_case([fragments_by_sizes(OP_BINARY, binary_payload(64 * KiB), list(range(1, 200)))],
              [(OP_BINARY, binary_payload(64 * KiB))], chop=[1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233]),
    timeout=60.0)

# --- 12 opening handshake ------------------------------------------------------------------


def handshake_status(t, head, status, extra=None):
    c = t.raw()
    c.send(head)
    try:
        resp = c.read_response()
    except Eof as e:
        raise Failure("no HTTP response: %s" % e)
    except Timeout:
        raise Failure("no HTTP response within %.0f s" % READ_TIMEOUT)
    t.note("HTTP %d" % resp.status)
    check(resp.status == status, "expected HTTP %d, got %r" % (status, resp))
    if extra:
        extra(resp)
    return resp


def reject_case(status, fields=None, method="GET", version="HTTP/1.1", path="/", raw=None, extra=None):
    def body(t):
        head = raw(t) if raw else upgrade_request(t.host, t.port, path, fields, method=method, version=version)[0]
        handshake_status(t, head, status, extra)
    return body


def accept_case(fields=None, raw=None, chop=None, delay=0.0):
    def body(t):
        c = t.raw()
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        head = raw(t, key) if raw else upgrade_request(t.host, t.port, "/", fields, key=key)[0]
        c.send(head, chop=chop, delay=delay, timeout=15.0)
        resp = c.read_response(timeout=15.0)
        check(resp.status == 101, "expected 101, got %r" % resp)
        check(resp.header("Sec-WebSocket-Accept") == accept_for(key),
              "bad Sec-WebSocket-Accept %r" % resp.header("Sec-WebSocket-Accept"))
        check(accept_for(key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "the RFC 6455 §1.3 example")
        check((resp.header("Upgrade") or "").lower() == "websocket", "101 without Upgrade: websocket")
        check("upgrade" in (resp.header("Connection") or "").lower(), "101 without Connection: Upgrade")
        check(resp.header("Sec-WebSocket-Extensions") is None, "an extension was accepted though none is implemented")
        t.conns.append(c)
        c.send(F(OP_TEXT, b"after the handshake"))
        t.expect_echo(c, OP_TEXT, b"after the handshake")
        t.client_close(c)
    return body


def _head_of_size(t, key, size, complete=True):
    """A valid upgrade head padded with an X-Pad field to exactly `size` octets (including the
    final CRLFCRLF when complete)."""
    head, _ = upgrade_request(t.host, t.port, "/", None, key=key)
    base = head[:-2]  # ends with one CRLF
    pad = size - len(base) - len(b"X-Pad: \r\n") - 2
    assert pad >= 0
    full = base + b"X-Pad: " + b"p" * pad + b"\r\n\r\n"
    assert len(full) == size
    return full if complete else full[:-4] + b"pppp"  # still size octets, no CRLFCRLF


def _endless_431(t):
    """Bytes of a head that never ends, 512 octets every 10 ms: 431 must come once the head
    passes 8 KiB, not at some later point."""
    c = t.raw()
    head = upgrade_request(t.host, t.port, "/", None)[0][:-2]
    c.send(head)
    sent = len(head)
    line = b"X-Endless: " + b"e" * 499 + b"\r\n"
    seen_at = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sent < 256 * KiB:
        if not c.send(line, timeout=2.0):
            break
        sent += len(line)
        if c.wait_eof(0.01) or c.buf:
            seen_at = sent
            break
    if seen_at is None:
        seen_at = sent
    try:
        resp = c.read_response(timeout=3.0)
    except (Eof, Timeout) as e:
        raise Failure("no 431 after %d octets of an endless head (%s)" % (sent, e))
    check(resp.status == 431, "expected 431, got %r" % resp)
    t.note("431 seen after %d octets written" % seen_at)
    check(seen_at <= 8192 + 16 * 1024, "431 came only after %d octets (limit 8192)" % seen_at)


def _over_limit_incomplete(t):
    c = t.raw()
    c.send(_head_of_size(t, "dGhlIHNhbXBsZSBub25jZQ==", 8193, complete=False))
    try:
        resp = c.read_response(timeout=2.0)
    except (Eof, Timeout) as e:
        raise Failure("8,193 octets without an end of head: no 431 within 2 s (%s)" % e)
    check(resp.status == 431, "expected 431, got %r" % resp)


def _426(resp):
    check(resp.header("Sec-WebSocket-Version") == "13", "426 without Sec-WebSocket-Version: 13 (%r)" % resp)


def _obs_fold(t):
    head, _ = upgrade_request(t.host, t.port, "/", {"X-Folded": "first"})
    return head.replace(b"X-Folded: first\r\n", b"X-Folded: first\r\n  continued\r\n")


def _dup_key(t):
    head, _ = upgrade_request(t.host, t.port, "/", None)
    return head[:-2] + b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"


add("12.1.1", "valid handshake (RFC 6455 §1.3 example key) -> 101 with the right accept, then echo", accept_case())
add("12.1.2", "Upgrade: WebSocket and Connection: keep-alive, Upgrade -> 101",
    accept_case({"Upgrade": "WebSocket", "Connection": "keep-alive, Upgrade"}))
add("12.1.3", "same-host Origin -> 101", accept_case(raw=lambda t, key: upgrade_request(
    t.host, t.port, "/", {"Origin": "http://%s:%d" % (t.host, t.port)}, key=key)[0]))
add("12.1.4", "head of exactly 8,192 octets (the inclusive limit) -> 101",
    accept_case(raw=lambda t, key: _head_of_size(t, key, 8192)))
add("12.1.5", "slow head, one octet every 20 ms, complete within the deadline -> 101, then echo",
    accept_case(chop=1, delay=0.02), timeout=30.0, serial=True)


def _pipelined_head(t):
    c = t.raw()
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    head = upgrade_request(t.host, t.port, "/", None, key=key)[0]
    c.send(head + F(OP_TEXT, b"pipelined with the head") + F(OP_PING, b"and a ping"))
    t.conns.append(c)
    resp = c.read_response()
    check(resp.status == 101, "expected 101, got %r" % resp)
    check(resp.header("Sec-WebSocket-Accept") == accept_for(key), "bad Sec-WebSocket-Accept")
    t.expect_echo(c, OP_TEXT, b"pipelined with the head")
    t.expect_pong(c, b"and a ping")
    t.client_close(c)


add("12.1.6", "first frame and a ping pipelined in the same write as the head -> 101, echo, pong",
    _pipelined_head)
add("12.2.1", "no Upgrade header (Sec-WebSocket-* present) -> 400", reject_case(400, {"Upgrade": None}))
add("12.2.2", "Upgrade: h2c -> 400", reject_case(400, {"Upgrade": "h2c"}))
add("12.2.3", "Connection: keep-alive (no upgrade token) -> 400", reject_case(400, {"Connection": "keep-alive"}))
add("12.2.4", "no Connection header -> 400", reject_case(400, {"Connection": None}))
add("12.2.5", "Sec-WebSocket-Version: 8 -> 426 with Sec-WebSocket-Version: 13",
    reject_case(426, {"Sec-WebSocket-Version": "8"}, extra=_426))
add("12.2.6", "no Sec-WebSocket-Version -> 426 with Sec-WebSocket-Version: 13",
    reject_case(426, {"Sec-WebSocket-Version": None}, extra=_426))
add("12.2.7", "no Sec-WebSocket-Key -> 400", reject_case(400, {"Sec-WebSocket-Key": None}))
add("12.2.8", "Sec-WebSocket-Key of 15 octets -> 400",
    reject_case(400, {"Sec-WebSocket-Key": "MTIzNDU2Nzg5MDEyMzQ1"}))
add("12.2.9", "Sec-WebSocket-Key of 17 octets -> 400",
    reject_case(400, {"Sec-WebSocket-Key": "MTIzNDU2Nzg5MDEyMzQ1Njc="}))
add("12.2.10", "Sec-WebSocket-Key not base64 (24 characters) -> 400",
    reject_case(400, {"Sec-WebSocket-Key": "!!!!!!!!!!!!!!!!!!!!!!=="}))
add("12.2.11", "POST -> 400", reject_case(400, method="POST"))
add("12.2.12", "HTTP/1.0 -> 400", reject_case(400, version="HTTP/1.0"))
add("12.2.13", "foreign Origin -> 403", reject_case(403, {"Origin": "http://evil.example"}))
add("12.2.14", "no Host -> 400", reject_case(400, {"Host": None}))
add("12.2.15", "obs-fold in a header -> 400", reject_case(400, raw=_obs_fold))
add("12.2.16", "complete head of 8,193 octets -> 431",
    reject_case(431, raw=lambda t: _head_of_size(t, "dGhlIHNhbXBsZSBub25jZQ==", 8193)))
add("12.2.17", "8,193 octets without an end of head, then silence -> 431 within 2 s", _over_limit_incomplete)
add("12.2.18", "endless head, 512 octets every 10 ms -> 431 once past 8 KiB", _endless_431, serial=True)
add("12.2.19", "foreign Origin and version 8 -> 403 (origin is checked before the version)",
    reject_case(403, {"Origin": "http://evil.example", "Sec-WebSocket-Version": "8"}))
add("12.2.20", "Upgrade: h2c and version 8 -> 400 (Upgrade is checked before the version)",
    reject_case(400, {"Upgrade": "h2c", "Sec-WebSocket-Version": "8"}))
add("12.2.21", "Sec-WebSocket-Key twice -> 400", reject_case(400, raw=_dup_key))
add("12.2.22", "upgrade to a path with no route -> 404", reject_case(404, path="/no-such-route"))


# --- the runner ----------------------------------------------------------------------------

class Server:
    def __init__(self, binary, args, name):
        self.binary, self.args, self.name = binary, args, name
        self.proc = None
        self.host = self.port = None

    def start(self, timeout=30.0):
        self.proc = subprocess.Popen([self.binary] + self.args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        fd = self.proc.stdout.fileno()
        data = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise RuntimeError("%s printed no first line within %.0f s" % (self.name, timeout))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    code = self.proc.wait(timeout=10)
                    raise RuntimeError("%s exited with %s before its first line" % (self.name, code))
                data += chunk
        line = data.split(b"\n", 1)[0].decode("utf-8", "replace")
        m = LISTENING.match(line)
        if not m:
            self.kill()
            raise RuntimeError("%s: first line %r is not 'listening on 127.0.0.1:PORT'" % (self.name, line))
        self.host, self.port = m.group(1), int(m.group(2))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        try:
            while os.read(self.proc.stdout.fileno(), 65536):
                pass
        except OSError:
            pass

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=15.0):
        """SIGTERM by pid; None if it exited 0 in time, else the problem."""
        if self.proc.poll() is not None:
            return "%s had already exited with %s" % (self.name, self.proc.returncode)
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return "%s did not exit within %.0f s of SIGTERM (killed)" % (self.name, timeout)
        return None if code == 0 else "%s exited with %s after SIGTERM, expected 0" % (self.name, code)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def run_case(case, servers):
    t = T(case, servers)
    t0 = time.monotonic()
    try:
        if not t.server.alive():
            raise Failure("%s is not running (exit status %s)" % (t.server.name, t.server.proc.returncode))
        case.fn(t)
        if time.monotonic() - t0 > case.timeout:
            raise Failure("took %.1f s, over the case's %.0f s budget" % (time.monotonic() - t0, case.timeout))
        t.r.outcome = "NON-STRICT" if t.r.non_strict else "OK"
    except Failure as e:
        t.r.outcome = "FAILED"
        t.r.notes.insert(0, str(e))
    except (Eof, Timeout) as e:
        t.r.outcome = "FAILED"
        t.r.notes.insert(0, "%s: %s" % (type(e).__name__, e))
    except Exception as e:  # noqa: BLE001 - a broken case is a failed case, with its traceback
        t.r.outcome = "FAILED"
        t.r.notes.insert(0, "unexpected %s: %s" % (type(e).__name__, e))
        traceback.print_exc()
    finally:
        t.cleanup()
    t.r.duration = time.monotonic() - t0
    return t.r


def write_report(path, results, meta):
    if path.endswith(".json"):
        with open(path, "w") as f:
            json.dump({"meta": meta, "cases": [r.as_dict() for r in results]}, f, indent=1)
        return
    lines = ["# squall conformance report (Autobahn|Testsuite-style)", ""]
    for k, v in meta.items():
        lines.append("- %s: %s" % (k, v))
    lines += ["", "| case | description | outcome | close code | closed by | TCP closed by | duration | notes |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results:
        d = r.as_dict()
        cells = [d["id"], d["description"], d["outcome"], "-" if d["close_code"] is None else str(d["close_code"]),
                 d["closed_by"], d["tcp_closed_by"], "%.3f s" % d["duration_s"], d["notes"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", help="the echo_server binary")
    ap.add_argument("--filter", action="append", default=[], help="run only cases whose id starts with PREFIX "
                    "(matched on id components: 1.1 selects 1.1.x, not 1.10.x; repeatable)")
    ap.add_argument("--report", help="report file (.json for JSON, else Markdown)")
    ap.add_argument("--jobs", type=int, default=4, help="cases run concurrently (timed cases always run alone)")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        ap.error("%s is not an executable" % binary)

    def selected(case):
        if not args.filter:
            return True
        return any(case.id == p or case.id.startswith(p.rstrip(".") + ".") for p in args.filter)

    cases = [c for c in CASES if selected(c)]
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    if not cases:
        print("no case matches %s" % args.filter)
        return 2

    started = time.monotonic()
    servers = {"main": Server(binary, MAIN_ARGS, "echo_server (--max-message-bytes 16777216)"),
               "default": Server(binary, DEFAULT_ARGS, "echo_server (default limits)")}
    needed = {c.server for c in cases}
    results = {}
    try:
        for name in needed:
            servers[name].start()
        parallel = [c for c in cases if not c.serial]
        serial = [c for c in cases if c.serial]
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for case, r in zip(parallel, pool.map(lambda c: run_case(c, servers), parallel)):
                results[case.id] = r
        for case in serial:
            results[case.id] = run_case(case, servers)
    finally:
        stop_problems = []
        for name in sorted(needed):
            s = servers[name]
            if s.proc is None:
                continue
            problem = s.stop()
            stop_problems.append((s, problem))

    ordered = [results[c.id] for c in cases if c.id in results]
    for i, (s, problem) in enumerate(stop_problems, 1):
        pseudo = Case("0.%d" % i, "%s exits 0 on SIGTERM after the run" % s.name, None)
        r = Result(pseudo)
        r.outcome = "FAILED" if problem else "OK"
        if problem:
            r.notes.append(problem)
        ordered.insert(i - 1, r)
    elapsed = time.monotonic() - started

    by_cat = {}
    for r in ordered:
        by_cat.setdefault(int(r.id.split(".")[0]), []).append(r)
    for cat in sorted(by_cat):
        rs = by_cat[cat]
        ok = sum(r.outcome == "OK" for r in rs)
        ns = sum(r.outcome == "NON-STRICT" for r in rs)
        bad = sum(r.outcome == "FAILED" for r in rs)
        print("category %-2d %-30s %3d passed (%d OK, %d NON-STRICT), %d failed"
              % (cat, CATEGORIES.get(cat, "?"), ok + ns, ok, ns, bad))
    for r in ordered:
        if r.outcome != "OK":
            print("%-10s %-8s %s: %s" % (r.outcome, r.id, r.description, "; ".join(r.notes + r.non_strict)))
    passed = sum(r.outcome != "FAILED" for r in ordered)
    failed = len(ordered) - passed
    meta = {"server": binary, "cases": len(ordered), "passed": passed, "failed": failed,
            "non_strict": sum(r.outcome == "NON-STRICT" for r in ordered), "elapsed_s": round(elapsed, 1),
            "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    if args.report:
        write_report(args.report, ordered, meta)
        print("report: %s" % args.report)
    print("%.1f s" % elapsed)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
