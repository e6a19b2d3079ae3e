"""A small WebSocket client and test harness for squall's example tests (standard library only).

Client:
    r = connect(host, port, "/path", {"Origin": "http://a.example"})
    r.status, r.headers, r.body          # the HTTP answer
    c = r.conn                           # an open Connection when r.status == 101, else None
    c.send_text("hi"); c.recv_frame(timeout=2) -> Frame(fin, opcode, payload)
    c.recv_message(timeout=2) -> Frame   # skips pings (answering them) and pongs
    c.send_close(1000, "bye"); c.expect_close(timeout=2) -> (code, reason)
    http_get(host, port, "/") -> Response
    frame_bytes(OP_TEXT, b"hi") -> bytes # one masked client frame, for callers doing their own I/O
    parse_frames(buf) -> [Frame]         # the complete server frames at the front of a bytearray

Harness:
    proc, host, port = start_example(binary, ["--port", "0"])
    start_example(..., stdout_lines=queue.Queue(), stderr=file)  # later stdout lines; stderr
    stop(proc)                           # SIGTERM, exit code 0 within 10 s, else kill -9 and fail
    with Example(binary, args) as ex: ...  # start + stop (kill on failure)
    run_tests([test_a, test_b])          # prints "N passed, M failed", exits non-zero on failure

Every wait is bounded. Servers are started here and stopped by process id; only loopback.
"""

import base64
import hashlib
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

LISTENING = re.compile(r"^listening on (\[[0-9a-fA-F:]+\]|[0-9.]+):([0-9]+)$")

MAX_HEAD = 64 * 1024
MAX_PAYLOAD = 64 * 1024 * 1024


class Failure(AssertionError):
    """A check failed."""


def check(condition, message):
    if not condition:
        raise Failure(message)


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # [(name, value)] in arrival order
        self.body = body  # bytes
        self.conn = None

    def header(self, name):
        """The value of a header (repeats joined with ", "), or None."""
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(values) if values else None

    def __repr__(self):
        return "Response(%d %s, %r, %r)" % (self.status, self.reason, self.headers, self.body[:200])


class Frame:
    def __init__(self, fin, opcode, payload):
        self.fin = fin
        self.opcode = opcode
        self.payload = payload  # bytes

    @property
    def text(self):
        return self.payload.decode("utf-8")

    def close_code(self):
        """(code, reason) of a close frame; (1005, "") when it carries no code."""
        if len(self.payload) < 2:
            return 1005, ""
        return struct.unpack("!H", self.payload[:2])[0], self.payload[2:].decode("utf-8")

    def __repr__(self):
        return "Frame(fin=%s, opcode=%#x, payload=%r)" % (self.fin, self.opcode, self.payload[:200])


class Closed(Exception):
    """The peer closed TCP."""


def _family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def open_socket(host, port, timeout=5.0):
    check(host in ("127.0.0.1", "::1"), "tests talk to loopback only, not %r" % host)
    s = socket.socket(_family(host), socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.setblocking(False)
    return s


def _recv_some(sock, deadline):
    """Some bytes, b"" on EOF; raises TimeoutError at the deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out waiting for data")
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        try:
            return sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except ConnectionResetError:
            return b""


def _send_all(sock, data, timeout=5.0):
    deadline = time.monotonic() + timeout
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out sending")
        _, w, _ = select.select([], [sock], [], left)
        if not w:
            continue
        try:
            n = sock.send(view)
        except (BlockingIOError, InterruptedError):
            continue
        view = view[n:]


def _read_response(sock, deadline, buffered=b"", until_close_body=True):
    """Reads an HTTP response head (and body for non-101). Returns (Response, leftover bytes)."""
    buf = bytearray(buffered)
    while b"\r\n\r\n" not in buf:
        check(len(buf) <= MAX_HEAD, "response head over %d bytes" % MAX_HEAD)
        data = _recv_some(sock, deadline)
        if not data:
            raise Closed("connection closed before a complete response head: %r" % bytes(buf[:200]))
        buf += data
    end = buf.index(b"\r\n\r\n")
    head = bytes(buf[:end]).decode("latin-1")
    rest = bytes(buf[end + 4:])
    lines = head.split("\r\n")
    m = re.match(r"^HTTP/1\.1 ([0-9]{3}) ?(.*)$", lines[0])
    check(m is not None, "bad status line %r" % lines[0])
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        check(sep == ":", "bad header line %r" % line)
        headers.append((name.strip(), value.strip()))
    resp = Response(int(m.group(1)), m.group(2), headers, b"")
    if resp.status == 101:
        return resp, rest
    length = resp.header("Content-Length")
    if length is not None:
        n = int(length)
        check(n <= MAX_PAYLOAD, "body too large")
        body = bytearray(rest)
        while len(body) < n:
            data = _recv_some(sock, deadline)
            if not data:
                break
            body += data
        resp.body = bytes(body[:n])
        return resp, bytes(body[n:])
    if until_close_body:
        body = bytearray(rest)
        try:
            while len(body) <= MAX_PAYLOAD:
                data = _recv_some(sock, deadline)
                if not data:
                    break
                body += data
        except TimeoutError:
            pass
        resp.body = bytes(body)
    return resp, b""


def http_get(host, port, path="/", headers=None, timeout=5.0):
    """A plain HTTP/1.1 GET; the Response (connection closed afterwards)."""
    s = open_socket(host, port)
    try:
        hosthdr = ("[%s]" % host if ":" in host else host) + ":%d" % port
        lines = ["GET %s HTTP/1.1" % path, "Host: %s" % hosthdr, "Connection: close"]
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        _send_all(s, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        resp, _ = _read_response(s, time.monotonic() + timeout)
        return resp
    finally:
        s.close()


def connect(host, port, path="/", headers=None, timeout=5.0, key=None):
    """Sends an upgrade request. Returns a Response; on 101 (with a correct
    Sec-WebSocket-Accept) its .conn is an open Connection. `headers` may override the
    defaults (a value of None removes one)."""
    s = open_socket(host, port)
    key = key or base64.b64encode(os.urandom(16)).decode("ascii")
    hosthdr = ("[%s]" % host if ":" in host else host) + ":%d" % port
    fields = {"Host": hosthdr, "Upgrade": "websocket", "Connection": "Upgrade",
              "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"}
    for k, v in (headers or {}).items():
        fields = {n: x for n, x in fields.items() if n.lower() != k.lower()}
        if v is not None:
            fields[k] = v
    lines = ["GET %s HTTP/1.1" % path] + ["%s: %s" % kv for kv in fields.items()]
    try:
        _send_all(s, ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        resp, rest = _read_response(s, time.monotonic() + timeout)
    except BaseException:
        s.close()
        raise
    if resp.status != 101:
        s.close()
        return resp
    expected = base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode("ascii")
    if resp.header("Sec-WebSocket-Accept") != expected:
        s.close()
        raise Failure("101 with a wrong Sec-WebSocket-Accept: %r" % resp)
    resp.conn = Connection(s, rest)
    return resp


def open_ws(host, port, path="/", headers=None, timeout=5.0):
    """connect() that must succeed: the open Connection (with .response)."""
    r = connect(host, port, path, headers, timeout)
    check(r.status == 101, "expected 101 for %s, got %r" % (path, r))
    r.conn.response = r
    return r.conn


def frame_bytes(opcode, payload=b"", fin=True, mask=True, rsv=0):
    """One frame as octets (a client frame: masked with a random key unless mask=False)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + _mask_fast(payload, key)


def parse_frames(buf, max_payload=MAX_PAYLOAD):
    """Removes the complete frames at the front of `buf` (a bytearray of server octets) and
    returns them as Frames; a partial frame stays in `buf`. Fails on a masked frame or one
    over `max_payload`."""
    frames = []
    pos = 0
    end = len(buf)
    while end - pos >= 2:
        b0, b1 = buf[pos], buf[pos + 1]
        check(not (b1 & 0x80), "a server frame must not be masked")
        n = b1 & 0x7F
        start = pos + 2
        if n == 126:
            if end - pos < 4:
                break
            n = (buf[pos + 2] << 8) | buf[pos + 3]
            start = pos + 4
        elif n == 127:
            if end - pos < 10:
                break
            n = struct.unpack_from("!Q", buf, pos + 2)[0]
            start = pos + 10
        check(n <= max_payload, "frame of %d bytes is over the client's limit" % n)
        if end - start < n:
            break
        frames.append(Frame(bool(b0 & 0x80), b0 & 0x0F, bytes(buf[start:start + n])))
        pos = start + n
    if pos:
        del buf[:pos]
    return frames


class Connection:
    def __init__(self, sock, buffered=b""):
        self.sock = sock
        self.buf = bytearray(buffered)
        self.response = None

    # -- sending (client frames are masked) --
    def send_frame(self, opcode, payload=b"", fin=True, mask=True, rsv=0):
        _send_all(self.sock, frame_bytes(opcode, payload, fin, mask, rsv), timeout=10.0)

    def send_text(self, text):
        self.send_frame(OP_TEXT, text.encode("utf-8") if isinstance(text, str) else text)

    def send_binary(self, data):
        self.send_frame(OP_BINARY, bytes(data))

    def send_ping(self, payload=b""):
        self.send_frame(OP_PING, payload)

    def send_pong(self, payload=b""):
        self.send_frame(OP_PONG, payload)

    def send_close(self, code=1000, reason=""):
        payload = b"" if code is None else struct.pack("!H", code) + reason.encode("utf-8")
        self.send_frame(OP_CLOSE, payload)

    def send_raw(self, data):
        _send_all(self.sock, data)

    # -- receiving (server frames are not masked) --
    def _fill(self, n, deadline):
        while len(self.buf) < n:
            data = _recv_some(self.sock, deadline)
            if not data:
                raise Closed("connection closed by the server (%d of %d bytes buffered)" % (len(self.buf), n))
            self.buf += data

    def recv_frame(self, timeout=5.0):
        """The next frame; raises TimeoutError or Closed."""
        deadline = time.monotonic() + timeout
        self._fill(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        check(not (b1 & 0x80), "a server frame must not be masked")
        n = b1 & 0x7F
        pos = 2
        if n == 126:
            self._fill(4, deadline)
            n = struct.unpack("!H", self.buf[2:4])[0]
            pos = 4
        elif n == 127:
            self._fill(10, deadline)
            n = struct.unpack("!Q", self.buf[2:10])[0]
            pos = 10
        check(n <= MAX_PAYLOAD, "frame of %d bytes is over the client's limit" % n)
        self._fill(pos + n, deadline)
        payload = bytes(self.buf[pos:pos + n])
        del self.buf[:pos + n]
        return Frame(bool(b0 & 0x80), b0 & 0x0F, payload)

    def recv_message(self, timeout=5.0):
        """The next data message (text or binary, reassembled) or close frame; pings are
        answered, pongs skipped."""
        deadline = time.monotonic() + timeout
        first = None
        parts = []
        while True:
            f = self.recv_frame(max(0.0, deadline - time.monotonic()))
            if f.opcode == OP_PING:
                self.send_pong(f.payload)
                continue
            if f.opcode == OP_PONG:
                continue
            if f.opcode == OP_CLOSE:
                return f
            if first is None:
                check(f.opcode in (OP_TEXT, OP_BINARY), "unexpected continuation %r" % f)
                first = f
            parts.append(f.payload)
            if f.fin:
                return Frame(True, first.opcode, b"".join(parts))

    def expect_close(self, timeout=5.0, answer=True):
        """Reads until a close frame, answers it (unless answer=False) and returns (code, reason)."""
        deadline = time.monotonic() + timeout
        while True:
            f = self.recv_message(max(0.0, deadline - time.monotonic()))
            if f.opcode == OP_CLOSE:
                code, reason = f.close_code()
                if answer:
                    try:
                        self.send_close(None if code == 1005 else code)
                    except OSError:
                        pass
                return code, reason

    def wait_eof(self, timeout=5.0):
        """Waits for the server to drop TCP; True if it did within the timeout."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                if not _recv_some(self.sock, deadline):
                    return True
        except TimeoutError:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _mask_fast(payload, key):
    n = len(payload)
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


# ---- processes ---------------------------------------------------------------------------

_started = []  # processes not yet stopped, killed at exit


def _read_first_line(proc, timeout):
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Failure("no first line from %s within %.0f s (got %r)" % (proc.args[0], timeout, data))
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            code = proc.wait(timeout=10)
            raise Failure("%s exited with %s before printing its first line (got %r)" % (proc.args[0], code, data))
        data += chunk
    line, _, rest = data.partition(b"\n")
    return line.decode("utf-8", "replace"), rest


def _drain(proc, lines=None, pending=b""):
    # Keeps reading stdout so the example never blocks on a full pipe; with `lines` (a
    # queue.Queue), each complete line goes there (decoded, without its newline).
    try:
        while True:
            if lines is not None:
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    lines.put(line.decode("utf-8", "replace"))
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            pending += chunk
    except OSError:
        pass


def start_example(binary, args=(), timeout=20.0, settle=0.0, stdout_lines=None, stderr=None):
    """Starts `binary args`, checks its first stdout line against
    ^listening on (\\[[0-9a-fA-F:]+\\]|[0-9.]+):[0-9]+$ and returns (process, host, port).
    `settle`: seconds to wait after that line (for a program that installs its signal
    handler only after printing it). `stdout_lines`: a queue.Queue that gets every later
    stdout line. `stderr`: where the process's stderr goes (a file; default: ours)."""
    proc = subprocess.Popen([binary] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr)
    _started.append(proc)
    try:
        line, rest = _read_first_line(proc, timeout)
        m = LISTENING.match(line)
        check(m is not None, "first line %r does not match %s" % (line, LISTENING.pattern))
    except BaseException:
        kill(proc)
        raise
    threading.Thread(target=_drain, args=(proc, stdout_lines, rest), daemon=True).start()
    if settle:
        time.sleep(settle)
    host = m.group(1).strip("[]")
    return proc, host, int(m.group(2))


def kill(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)
    if proc in _started:
        _started.remove(proc)


def stop(proc, timeout=10.0):
    """SIGTERM; the process must exit with 0 within `timeout` (else kill -9 and fail).
    Returns the seconds it took."""
    if proc in _started:
        _started.remove(proc)
    check(proc.poll() is None, "%s had already exited with %s" % (proc.args[0], proc.returncode))
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        raise Failure("%s did not exit within %.0f s of SIGTERM; killed" % (proc.args[0], timeout))
    check(code == 0, "%s exited with %s after SIGTERM, expected 0" % (proc.args[0], code))
    return time.monotonic() - t0


def stop_while_open(proc, conn, timeout=6.0):
    """SIGTERM `proc` (as stop()) while `conn` stays open and answers the server's close.
    Returns (close code conn saw, seconds the exit took, the exception stop() raised or None)."""
    result = {}

    def stopper():
        try:
            result["took"] = stop(proc, timeout=timeout)
        except BaseException as e:  # noqa: BLE001
            result["error"] = e

    t = threading.Thread(target=stopper)
    t.start()
    code, _ = conn.expect_close(timeout=timeout)  # answers the close
    t.join(2 * timeout)
    conn.close()
    return code, result.get("took"), result.get("error")


class Example:
    """with Example(binary, ["--port", "0"]) as ex: ex.host, ex.port, ex.proc.
    Stopped with SIGTERM (exit 0 checked) on success, killed on failure."""

    def __init__(self, binary, args=(), settle=0.0):
        self.binary = binary
        self.args = list(args)
        self.settle = settle

    def __enter__(self):
        self.proc, self.host, self.port = start_example(self.binary, self.args, settle=self.settle)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            if self.proc.poll() is None or self.proc in _started:
                stop(self.proc)
        else:
            kill(self.proc)
        return False

    def ws(self, path="/", headers=None):
        return open_ws(self.host, self.port, path, headers)

    def connect(self, path="/", headers=None):
        return connect(self.host, self.port, path, headers)


def run_tests(tests):
    """Runs each test function (no arguments), prints one line per test and the summary
    `N passed, M failed`, and exits 1 when any failed."""
    passed = failed = 0
    for t in tests:
        t0 = time.monotonic()
        try:
            t()
        except BaseException as e:  # noqa: BLE001 - a test's failure is reported, not fatal
            if isinstance(e, KeyboardInterrupt):
                raise
            failed += 1
            print("FAIL %s (%.2f s): %s" % (t.__name__, time.monotonic() - t0, e), flush=True)
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print("ok   %s (%.2f s)" % (t.__name__, time.monotonic() - t0), flush=True)
        for p in list(_started):
            kill(p)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)


def binary_from_argv():
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        sys.stderr.write("usage: %s PATH_TO_EXAMPLE_BINARY\n" % sys.argv[0])
        sys.exit(2)
    return os.path.abspath(sys.argv[1])
