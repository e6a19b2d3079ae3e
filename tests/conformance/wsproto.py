"""A raw RFC 6455 client for squall's conformance suite (Python 3 standard library only).

Unlike tests/examples/ws.py this client builds frames octet by octet, so it can send what a
correct client never would (reserved bits and opcodes, unmasked or non-minimal lengths,
fragmented control frames, broken UTF-8) and write them in arbitrary chops. Frames it receives
from the server are checked strictly (RFC 6455 §5.1-§5.5: unmasked, no RSV bit, a defined
opcode, control frames final and at most 125 octets, minimal length encoding).

    c = Conn.open(host, port)            # handshake checked (101 + Sec-WebSocket-Accept)
    c.send(frame(OP_TEXT, b"hi"))        # full duplex: reads while it writes
    c.send(data, chop=1, delay=0.001)    # one octet per write
    c.recv_frame(timeout=5) -> Frame     # raises Eof or Timeout; never waits unbounded
    c.wait_eof(timeout) -> bool

Every wait is bounded; only loopback addresses are accepted.
"""

import base64
import hashlib
import itertools
import os
import re
import select
import socket
import struct
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
OP_NAMES = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}

MAX_HEAD = 64 * 1024
MAX_FRAME = 64 * 1024 * 1024


class Failure(AssertionError):
    """A check failed: the case is FAILED."""


class Eof(Exception):
    """The server closed TCP (FIN or reset)."""


class Timeout(Exception):
    """A bounded wait ran out."""


def check(condition, message):
    if not condition:
        raise Failure(message)


# --- frames we send ------------------------------------------------------------------------


def mask_bytes(payload, key):
    """payload XOR the 4-octet key repeated (fast for large payloads: one big-int XOR)."""
    n = len(payload)
    if n == 0:
        return b""
    if key == b"\0\0\0\0":
        return bytes(payload)
    reps = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(reps, "big")).to_bytes(n, "big")


def header(opcode, length, fin=True, rsv=0, masked=True, key=None, length_form=None):
    """A frame header. length_form forces the encoding: 7, 16 or 64 (non-minimal forms are
    protocol violations; tests use them on purpose)."""
    b0 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0xF)
    m = 0x80 if masked else 0
    form = length_form or (7 if length < 126 else 16 if length < 65536 else 64)
    if form == 7:
        h = bytes([b0, m | length])
    elif form == 16:
        h = bytes([b0, m | 126]) + struct.pack("!H", length)
    else:
        h = bytes([b0, m | 127]) + struct.pack("!Q", length)
    if masked:
        h += key
    return h


def frame(opcode, payload=b"", fin=True, rsv=0, masked=True, key=None, length_form=None):
    """One client frame (masked with a random key unless masked=False)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    key = key if key is not None else os.urandom(4)
    h = header(opcode, len(payload), fin, rsv, masked, key, length_form)
    return h + (mask_bytes(payload, key) if masked else bytes(payload))


def close_frame(code=None, reason=b"", **kw):
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    payload = b"" if code is None else struct.pack("!H", code) + reason
    return frame(OP_CLOSE, payload, **kw)


def fragments(opcode, payload, size, key=None):
    """The message as frames of `size` payload octets (the last may be shorter; an empty
    message is one empty frame). One mask key for all of them when `key` is given."""
    out = []
    chunks = [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]
    for i, part in enumerate(chunks):
        out.append(frame(opcode if i == 0 else OP_CONT, part, fin=(i == len(chunks) - 1), key=key))
    return b"".join(out)


def fragments_by_sizes(opcode, payload, sizes):
    """The message as frames whose payload sizes cycle through `sizes`."""
    out = []
    pos = 0
    first = True
    for size in itertools.cycle(sizes):
        part = payload[pos:pos + size]
        pos += len(part)
        last = pos >= len(payload)
        out.append(frame(opcode if first else OP_CONT, part, fin=last))
        first = False
        if last:
            break
    return b"".join(out)


# --- frames we receive ---------------------------------------------------------------------


class Frame:
    def __init__(self, fin, opcode, payload):
        self.fin = fin
        self.opcode = opcode
        self.payload = payload

    def close_code(self):
        """(code, reason bytes); (None, b"") for an empty close."""
        if len(self.payload) < 2:
            return None, b""
        return struct.unpack("!H", self.payload[:2])[0], self.payload[2:]

    def describe(self):
        name = OP_NAMES.get(self.opcode, "opcode %#x" % self.opcode)
        if self.opcode == OP_CLOSE:
            code, reason = self.close_code()
            return "close %s%s" % ("(empty)" if code is None else code, (" %r" % reason) if reason else "")
        p = self.payload
        shown = repr(p[:40]) + ("...(%d octets)" % len(p) if len(p) > 40 else "")
        return "%s%s %s" % (name, "" if self.fin else " (fin=0)", shown)

    __repr__ = describe


# Codes a close frame may carry on the wire (RFC 6455 §7.4.1-§7.4.2; DESIGN §1.2 "receivable").
# 1010 is a client's code, but a server echoing a client's 1010 (§5.5.1) is fine.
VALID_ON_WIRE = set(range(1000, 1004)) | set(range(1007, 1015)) | set(range(3000, 5000))


def _parse_frame(buf):
    """(Frame, consumed) from the front of buf, or (None, 0) when incomplete. Raises Failure
    when the server's frame breaks RFC 6455."""
    if len(buf) < 2:
        return None, 0
    b0, b1 = buf[0], buf[1]
    fin, rsv, opcode = bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0xF
    masked, n = bool(b1 & 0x80), b1 & 0x7F
    pos = 2
    if n == 126:
        if len(buf) < 4:
            return None, 0
        n = struct.unpack_from("!H", buf, 2)[0]
        pos = 4
        check(n >= 126, "server frame uses a non-minimal 16-bit length %d (RFC 6455 §5.2)" % n)
    elif n == 127:
        if len(buf) < 10:
            return None, 0
        n = struct.unpack_from("!Q", buf, 2)[0]
        pos = 10
        check(n >= 65536 and n < 2 ** 63, "server frame uses a bad 64-bit length %d (RFC 6455 §5.2)" % n)
    check(not masked, "server frame is masked (RFC 6455 §5.1: a server MUST NOT mask)")
    check(rsv == 0, "server frame has RSV bits %d set with no extension negotiated" % rsv)
    check(opcode in OP_NAMES, "server frame has reserved opcode %#x" % opcode)
    if opcode >= 8:
        check(fin, "server sent a fragmented control frame")
        check(n <= 125, "server sent a control frame of %d octets" % n)
    check(n <= MAX_FRAME, "server frame of %d octets is beyond this client's limit" % n)
    if len(buf) < pos + n:
        return None, 0
    f = Frame(fin, opcode, bytes(buf[pos:pos + n]))
    if opcode == OP_CLOSE:
        check(len(f.payload) != 1, "server close frame has a 1-octet payload")
        if len(f.payload) >= 2:
            code, reason = f.close_code()
            check(code in VALID_ON_WIRE, "server sent close code %d, which is not valid on the wire" % code)
            try:
                reason.decode("utf-8")
            except UnicodeDecodeError:
                raise Failure("server close reason is not UTF-8: %r" % reason)
    return f, pos + n


# --- the connection ------------------------------------------------------------------------


def open_socket(host, port, timeout=5.0):
    check(host in ("127.0.0.1", "::1"), "the suite talks to loopback only, not %r" % host)
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.setblocking(False)
    return s


def upgrade_request(host, port, path="/", fields=None, key=None, method="GET", version="HTTP/1.1"):
    """Request head bytes; `fields` override the defaults (None removes one); extra fields are
    appended in order."""
    key = key or base64.b64encode(os.urandom(16)).decode("ascii")
    base = [("Host", "%s:%d" % (host, port)), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]
    fields = dict(fields or {})
    lines = ["%s %s %s" % (method, path, version)]
    for name, value in base:
        if name in fields:
            value = fields.pop(name)
        if value is not None:
            lines.append("%s: %s" % (name, value))
    for name, value in fields.items():
        if value is not None:
            lines.append("%s: %s" % (name, value))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), key


def accept_for(key):
    return base64.b64encode(hashlib.sha1(key.encode("ascii") + GUID).digest()).decode("ascii")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(values) if values else None

    def __repr__(self):
        return "HTTP %d %r %r" % (self.status, self.headers, self.body[:120])


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.eof = False
        self.reset = False
        self.send_error = None
        self.bytes_sent = 0

    # -- opening --
    @classmethod
    def raw(cls, host, port):
        return cls(open_socket(host, port))

    @classmethod
    def open(cls, host, port, path="/", fields=None, pipelined=b"", timeout=5.0):
        c = cls.raw(host, port)
        try:
            head, key = upgrade_request(host, port, path, fields)
            c.send(head + pipelined, timeout=timeout)
            resp = c.read_response(timeout)
            check(resp.status == 101, "handshake answered %r, expected 101" % resp)
            check(resp.header("Sec-WebSocket-Accept") == accept_for(key),
                  "bad Sec-WebSocket-Accept %r" % resp.header("Sec-WebSocket-Accept"))
            check((resp.header("Upgrade") or "").lower() == "websocket", "101 without Upgrade: websocket")
            check("upgrade" in (resp.header("Connection") or "").lower(), "101 without Connection: Upgrade")
            check(resp.header("Sec-WebSocket-Extensions") is None, "server accepted an extension nobody offered")
        except BaseException:
            c.close()
            raise
        return c

    def read_response(self, timeout=5.0):
        """An HTTP response head (and its Content-Length body unless 101). Octets after it
        stay in self.buf."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            check(len(self.buf) <= MAX_HEAD, "response head over %d octets" % MAX_HEAD)
            if self.eof:
                raise Eof("server closed TCP before a complete response head (got %r)" % bytes(self.buf[:200]))
            self._fill(deadline)
        end = self.buf.index(b"\r\n\r\n")
        head = bytes(self.buf[:end]).decode("latin-1")
        del self.buf[:end + 4]
        lines = head.split("\r\n")
        m = re.match(r"^HTTP/1\.1 ([0-9]{3})( .*)?$", lines[0])
        check(m is not None, "bad status line %r" % lines[0])
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            check(sep == ":" and name and name == name.strip(), "bad header line %r" % line)
            headers.append((name, value.strip(" \t")))
        resp = Response(int(m.group(1)), headers, b"")
        if resp.status != 101:
            n = int(resp.header("Content-Length") or 0)
            while len(self.buf) < n and not self.eof:
                self._fill(deadline)
            resp.body = bytes(self.buf[:n])
            del self.buf[:n]
        return resp

    # -- io --
    def _read_available(self):
        """Reads what the socket has now; sets eof. Returns the count read."""
        got = 0
        while not self.eof:
            try:
                data = self.sock.recv(1 << 20)
            except (BlockingIOError, InterruptedError):
                return got
            except (ConnectionResetError, ConnectionAbortedError):
                self.eof = self.reset = True
                return got
            if not data:
                self.eof = True
                return got
            self.buf += data
            got += len(data)
            if len(data) < (1 << 20):
                return got
        return got

    def _fill(self, deadline):
        """Waits for more octets (or EOF) until the deadline; raises Timeout."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("no data from the server in time")
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                if self._read_available() or self.eof:
                    return

    def send(self, data, chop=None, delay=0.0, timeout=5.0, stop_when=None):
        """Writes `data` in writes of `chop` octets (an int, or a list of sizes cycled), with
        `delay` seconds between writes, reading whatever arrives meanwhile (so a server that
        answers while we write never deadlocks us). `timeout` bounds each stall, not the whole
        write. stop_when(conn) -> True stops early (e.g. a close frame has arrived). Returns
        True if everything was written; False if the server refused more (reset/EPIPE,
        recorded in send_error) or stop_when fired."""
        view = memoryview(bytes(data) if not isinstance(data, (bytes, bytearray)) else data)
        sizes = itertools.cycle(chop if isinstance(chop, (list, tuple)) else [chop]) if chop else None
        last_progress = time.monotonic()
        pending = None  # the current chop (a memoryview) when chopping
        while view or pending:
            if stop_when is not None and stop_when(self):
                return False
            if pending is None or not pending:
                if sizes is not None:
                    n = next(sizes)
                    pending, view = view[:n], view[n:]
                    if delay and self.bytes_sent:
                        time.sleep(delay)
                else:
                    pending, view = view, view[len(view):]
            left = timeout - (time.monotonic() - last_progress)
            if left <= 0:
                raise Timeout("could not write to the server for %.1f s (%d octets written)" % (timeout, self.bytes_sent))
            r, w, _ = select.select([] if self.eof else [self.sock], [self.sock], [], left)
            if r:
                self._read_available()
            if w:
                try:
                    n = self.sock.send(pending)
                except (BlockingIOError, InterruptedError):
                    continue
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as e:
                    self.send_error = e
                    return False
                pending = pending[n:]
                self.bytes_sent += n
                last_progress = time.monotonic()
        return True

    def peek_frame(self):
        """The next complete frame in the buffer without consuming it, or None."""
        f, _ = _parse_frame(self.buf)
        return f

    def has_close(self):
        """True when the buffer holds a close frame (scanning complete frames)."""
        pos = 0
        mv = memoryview(self.buf)
        while True:
            f, n = _parse_frame(mv[pos:])
            if f is None:
                return False
            if f.opcode == OP_CLOSE:
                return True
            pos += n

    def recv_frame(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            f, n = _parse_frame(self.buf)
            if f is not None:
                del self.buf[:n]
                return f
            if self.eof:
                if self.buf:
                    raise Eof("server closed TCP in the middle of a frame (%d octets pending)" % len(self.buf))
                raise Eof("server closed TCP")
            self._fill(deadline)

    def recv_message(self, timeout=5.0):
        """A whole data message as Frame(fin=True, opcode, payload) (fragments joined) or the
        next control frame. Raises Failure on bad fragmentation from the server."""
        deadline = time.monotonic() + timeout
        first = self.recv_frame(max(0.0, deadline - time.monotonic()))
        if first.opcode >= 8 or first.fin:
            check(first.opcode != OP_CONT, "server sent a continuation frame with nothing to continue")
            return first
        check(first.opcode != OP_CONT, "server sent a continuation frame with nothing to continue")
        parts = [first.payload]
        while True:
            f = self.recv_frame(max(0.0, deadline - time.monotonic()))
            if f.opcode >= 8:
                return f  # the caller decides (a close in the middle of a message)
            check(f.opcode == OP_CONT, "server started a new message inside a fragmented one")
            parts.append(f.payload)
            if f.fin:
                return Frame(True, first.opcode, b"".join(parts))

    def wait_eof(self, timeout):
        """True if the server closes TCP within `timeout`; octets received meanwhile are kept in
        self.buf (the caller decides whether they were allowed)."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            try:
                self._fill(deadline)
            except Timeout:
                return False
        return True

    def shutdown_write(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
