"""Process-level soak of examples/echo_server and examples/chat_server (standard library only).

    python3 soak.py echo PATH/TO/echo_server [--clients 50] [--messages 1000] [--window 8]
                    [--deadline 55] [--rss-check] [--seed N] [-- SERVER ARGS...]
    python3 soak.py chat PATH/TO/chat_server [--clients 20] [--messages 200] ...

Starts the server (`--port 0` then SERVER ARGS), stderr to a temporary file, and connects the
clients (tests/examples/ws.py does the handshakes and frames; asyncio drives the sockets).

echo: every client sends `--messages` numbered messages, text and binary alternating at
random, each `CID SEQ CRC32 BODY` with a random body of varying length (0 to 70,000 octets,
so all three payload-length encodings), at most `--window` unanswered at a time. Every echo
must come back in order, with the opcode and the exact octets sent, and its CRC32 must match:
one lost, reordered, duplicated or corrupted message fails the run.

chat: the clients join /chat?name=cCID and wait until every one has seen the others join.
Then each sends its numbered text messages (`CID SEQ CRC32 BODY`, the body mixing ASCII,
multi-octet UTF-8, quotes, backslashes and control characters that the server's JSON encoder
must escape), at most `--window` not yet back from the server at a time. The server broadcasts
each one to every member, the sender included, as {"event":"message","name":...,"text":...}:
every client must receive every client's messages, per sender in order, with the name of
their sender and the exact text sent (its CRC32 checked), none lost or duplicated.

Then (both modes) every client closes with 1000 and must get 1000 back and then EOF; SIGUSR1
makes the server print `stats connections=N`, polled until N is 0 (the server's
connection_count(): handshaking, open and closing connections); then SIGTERM: exit status 0
within 10 s, and no sanitizer report on stderr (LeakSanitizer runs at exit and makes the exit
status non-zero). Every wait is bounded: each client phase by --deadline seconds.

--rss-check: VmRSS (/proc/PID/status) after the clients left must be within 10 % of VmRSS
before they came. A warm-up round (as many clients; chat 50 messages each, echo a tenth of
--messages, at least 50; checked the same way) comes first and the baseline is taken after
it: glibc keeps the arena pages that the first connections touched resident after free(),
so a cold baseline measures that, not leaks. The cold figure, the peak and VmHWM are printed.

--inject corrupt|drop|duplicate|reorder|linger makes the client side misbehave once (flip a
received octet; lose, repeat or swap received messages; leave one connection open) to show
that the checks catch it: such a run must fail.
"""

import argparse
import asyncio
import collections
import json
import os
import queue
import random
import re
import signal
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
import ws  # noqa: E402 - tests/examples/ws.py: handshakes, frames, process helpers
from ws import check  # noqa: E402

SANITIZER_MARKS = ("LeakSanitizer", "ERROR: AddressSanitizer", "runtime error", "ThreadSanitizer")
STATS = re.compile(r"^stats connections=([0-9]+)$")

# Random bodies are slices of two pools made once from the seed: fast, and every slice differs.
TEXT_ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-_/"
                 "\"\\\t\n\r\x01\x1f\x7f" "\u00e9\u00df\u00f1\u0416\u05d0\u20ac\u2603\u263a\u4e2d\u6587"
                 "\U0001d11e\U0001f600")


class Pools:
    def __init__(self, rng):
        self.text = "".join(rng.choices(TEXT_ALPHABET, k=150_000))
        self.binary = rng.randbytes(150_000)


class Counts:
    """What one receiver saw, per stream (echo: its own; chat: one per sender)."""

    def __init__(self):
        self.received = 0  # data messages, any verdict
        self.ok = 0  # in order and intact
        self.reordered = 0
        self.duplicated = 0
        self.corrupted = 0
        self.bytes = 0

    def add(self, other):
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))


IN_ORDER, LATE, DUPLICATE = "in order", "late", "duplicate"


class Stream:
    """In-order check of one sender's numbered messages as one receiver sees them."""

    def __init__(self):
        self.expected = 0
        self.missing = set()  # skipped sequence numbers that may still arrive (then: reordered)

    def see(self, seq, counts):
        """IN_ORDER when `seq` comes after every number seen so far (the skipped ones are lost,
        or LATE if they come later), LATE, or DUPLICATE (both counted in `counts`)."""
        if seq >= self.expected:
            if seq > self.expected:
                self.missing.update(range(self.expected, seq))
            self.expected = seq + 1
            return IN_ORDER
        if seq in self.missing:
            self.missing.discard(seq)
            counts.reordered += 1
            return LATE
        counts.duplicated += 1
        return DUPLICATE


def parse_numbered(body_bytes):
    """(cid, seq, crc_ok, body) from b"CID SEQ CRC32 BODY", or None when malformed."""
    parts = body_bytes.split(b" ", 3)
    if len(parts) != 4:
        return None
    try:
        cid, seq, crc = int(parts[0]), int(parts[1]), int(parts[2], 16)
    except ValueError:
        return None
    return cid, seq, zlib.crc32(parts[3]) == crc, parts[3]


def numbered(cid, seq, body):
    return b"%d %d %08x " % (cid, seq, zlib.crc32(body)) + body


class Client(asyncio.Protocol):
    """One WebSocket connection after its handshake; frames go to `on_message`."""

    def __init__(self, soak, cid, conn):
        self.soak = soak
        self.cid = cid
        self.buf = bytearray(conn.buf)
        self.transport = None
        self.partial = None  # (opcode, [payloads]) of a fragmented message
        self.close_sent = False
        self.close_code = None
        self.eof = asyncio.get_running_loop().create_future()
        self.done = asyncio.get_running_loop().create_future()
        self.error = None

    def connection_made(self, transport):
        self.transport = transport
        if self.buf:
            self.data_received(b"")

    def data_received(self, data):
        self.buf += data
        try:
            for f in ws.parse_frames(self.buf):
                self.on_frame(f)
            self.after_frames()
        except Exception as e:  # noqa: BLE001 - reported by the soak, not fatal to the loop
            self.fail("client %d: %s: %s" % (self.cid, type(e).__name__, e))

    def on_frame(self, f):
        if f.opcode == ws.OP_PING:
            self.transport.write(ws.frame_bytes(ws.OP_PONG, f.payload))
        elif f.opcode == ws.OP_PONG:
            pass
        elif f.opcode == ws.OP_CLOSE:
            code, _ = f.close_code()
            self.close_code = code
            if not self.close_sent:
                self.fail("client %d: the server closed with %d" % (self.cid, code))
                self.send_close(code if code != 1005 else 1000)
        elif f.opcode == ws.OP_CONT:
            check(self.partial is not None, "continuation without a first frame")
            self.partial[1].append(f.payload)
            if f.fin:
                opcode, parts = self.partial
                self.partial = None
                self.soak.on_message(self, opcode, b"".join(parts))
        else:
            check(self.partial is None, "a new message inside a fragmented one")
            check(f.opcode in (ws.OP_TEXT, ws.OP_BINARY), "unknown opcode %#x" % f.opcode)
            if f.fin:
                self.soak.on_message(self, f.opcode, f.payload)
            else:
                self.partial = (f.opcode, [f.payload])

    def after_frames(self):
        self.soak.pump(self)

    def send_close(self, code=1000):
        if not self.close_sent:
            self.close_sent = True
            self.transport.write(ws.frame_bytes(ws.OP_CLOSE, code.to_bytes(2, "big")))

    def connection_lost(self, exc):
        if not self.eof.done():
            self.eof.set_result(exc)
        if not self.close_sent and not self.soak.aborting:
            self.fail("client %d: the connection was lost before the client closed (%s)" % (self.cid, exc))

    def fail(self, why):
        if self.error is None:
            self.error = why
            self.soak.errors.append(why)
        if not self.done.done():
            self.done.set_result(False)


class Soak:
    def __init__(self, args, host, port):
        self.args = args
        self.host = host
        self.port = port
        self.rng = random.Random(args.seed)
        self.pools = Pools(self.rng)
        self.errors = []
        self.clients = []
        self.aborting = False  # the run is over (deadline): connections are dropped on purpose
        self.sent = 0
        self.sent_text = 0
        self.sent_binary = 0
        self.sent_bytes = 0
        self.injected = None if args.inject in (None, "linger") else args.inject
        self.held = None  # (client, payload) kept back by --inject reorder

    # -- random bodies ----------------------------------------------------------------------
    def echo_length(self):
        r = self.rng.random()
        if r < 0.70:
            return self.rng.randrange(0, 126)
        if r < 0.96:
            return self.rng.randrange(126, 4096)
        if r < 0.99:
            return self.rng.randrange(4096, 65536)
        return self.rng.randrange(65536, 70_001)

    def chat_length(self):
        r = self.rng.random()
        if r < 0.80:
            return self.rng.randrange(0, 64)
        if r < 0.98:
            return self.rng.randrange(64, 512)
        return self.rng.randrange(512, 4000)  # at most 4 octets each: under the 16 KiB limit

    def text_body(self, n):
        off = self.rng.randrange(0, len(self.pools.text) - n)
        return self.pools.text[off:off + n].encode("utf-8")

    def binary_body(self, n):
        off = self.rng.randrange(0, len(self.pools.binary) - n)
        return self.pools.binary[off:off + n]

    # -- the injected faults (client side, once) ----------------------------------------------
    def inject(self, client, payload):
        """The payloads the checks see in place of `payload`: [] loses it, two repeat it."""
        if self.held is not None and self.held[0] is client:
            held, self.held = self.held[1], None
            return [payload, held]  # the held one after the next: swapped
        if self.injected is None or client.cid != len(self.clients) // 2:
            return [payload]
        # Only after some traffic, so the fault lands in the middle of a stream.
        if getattr(client, "inject_countdown", None) is None:
            client.inject_countdown = 5
        client.inject_countdown -= 1
        if client.inject_countdown > 0:
            return [payload]
        kind, self.injected = self.injected, None
        print("inject: %s on client %d's received message" % (kind, client.cid), flush=True)
        if kind == "drop":
            return []
        if kind == "duplicate":
            return [payload, payload]
        if kind == "reorder":
            self.held = (client, payload)
            return []
        if not payload:
            return [b"x"]
        b = bytearray(payload)
        b[len(b) * 2 // 3] ^= 0x20  # two thirds in: mostly the body, in a short message a number
        return [bytes(b)]

    async def connect_all(self, path_of):
        loop = asyncio.get_running_loop()
        for cid in range(self.args.clients):
            conn = ws.open_ws(self.host, self.port, path_of(cid))
            client = self.make_client(cid, conn)
            await loop.create_connection(lambda c=client: c, sock=conn.sock)
            self.clients.append(client)

    async def close_all(self):
        lingering = None
        if self.args.inject == "linger":
            lingering = self.clients[len(self.clients) // 2]
            print("inject: client %d leaves without closing its connection" % lingering.cid, flush=True)
        for c in self.clients:
            if c is not lingering:
                c.send_close(1000)
        for c in self.clients:
            if c is lingering:
                continue
            await c.eof
            if c.close_code != 1000:
                self.errors.append("client %d: close answered with %r, expected 1000" % (c.cid, c.close_code))
        self.lingering = lingering

    def pump(self, client):
        pass

    def on_message(self, client, opcode, payload):
        raise NotImplementedError


class EchoSoak(Soak):
    def make_client(self, cid, conn):
        c = Client(self, cid, conn)
        c.next_seq = 0
        c.inflight = collections.deque()  # (opcode, payload) sent, echo not yet seen
        c.stream = Stream()
        c.counts = Counts()
        return c

    def pump(self, c):
        if c.next_seq >= self.args.messages or len(c.inflight) >= self.args.window or c.close_sent:
            return
        out = []
        while c.next_seq < self.args.messages and len(c.inflight) < self.args.window:
            binary = self.rng.random() < 0.5
            n = self.echo_length()
            body = self.binary_body(n) if binary else self.text_body(n)
            payload = numbered(c.cid, c.next_seq, body)
            opcode = ws.OP_BINARY if binary else ws.OP_TEXT
            c.inflight.append((c.next_seq, opcode, payload))
            out.append(ws.frame_bytes(opcode, payload))
            c.next_seq += 1
            self.sent += 1
            self.sent_bytes += len(payload)
            if binary:
                self.sent_binary += 1
            else:
                self.sent_text += 1
        c.transport.write(b"".join(out))

    def on_message(self, c, opcode, payload):
        for p in self.inject(c, payload):
            self.check_echo(c, opcode, p)

    def check_echo(self, c, opcode, payload):
        counts = c.counts
        counts.received += 1
        counts.bytes += len(payload)
        parsed = parse_numbered(payload)
        if parsed is None or parsed[0] != c.cid or not parsed[2]:
            counts.corrupted += 1
            self.note(c, "corrupted echo (%d octets): %r" % (len(payload), payload[:60]))
            # Echoes come in order: take it for the oldest one in flight, so the run goes on.
            if c.inflight:
                c.stream.see(c.inflight.popleft()[0], counts)
            self.check_done(c)
            return
        seq = parsed[1]
        in_order = c.stream.see(seq, counts) == IN_ORDER
        # Release the window: the message with this number is answered (whatever its verdict).
        sent = None
        for i, item in enumerate(c.inflight):
            if item[0] == seq:
                sent = item
                del c.inflight[i]
                break
            if i > 64:
                break
        if sent is None:
            if in_order:
                counts.corrupted += 1
                self.note(c, "echo of message %d that is not in flight" % seq)
            return
        if sent[1] != opcode or sent[2] != payload:
            counts.corrupted += 1
            self.note(c, "echo of message %d differs from what was sent (opcode %#x, %d octets, sent %#x, %d octets)"
                      % (seq, opcode, len(payload), sent[1], len(sent[2])))
        elif in_order:
            counts.ok += 1
        self.check_done(c)

    def check_done(self, c):
        # Every message sent and answered (a lost one never is: the deadline ends the run).
        if c.next_seq == self.args.messages and not c.inflight and not c.done.done():
            c.done.set_result(True)

    def note(self, c, what):
        self.errors.append("client %d: %s" % (c.cid, what))

    async def run(self):
        await self.connect_all(lambda cid: "/")
        t0 = time.monotonic()
        for c in self.clients:
            self.pump(c)
        await asyncio.gather(*(c.done for c in self.clients))
        self.exchange_seconds = time.monotonic() - t0
        await self.close_all()

    def report(self):
        total = Counts()
        for c in self.clients:
            total.add(c.counts)
        # Every message sent arrives once in order (ok) or late (reordered); the rest is lost.
        lost = max(0, sum(c.next_seq for c in self.clients) - total.ok - total.reordered - total.corrupted)
        return total, lost


class ChatSoak(Soak):
    def make_client(self, cid, conn):
        c = Client(self, cid, conn)
        c.next_seq = 0
        c.unacked = 0  # own messages sent and not yet back
        c.streams = {}  # sender cid -> Stream
        c.counts = Counts()
        c.events = []  # (event, name) of welcome/join/leave, in order
        c.joined = asyncio.get_running_loop().create_future()
        c.sending = False
        return c

    # The exact text each client sent, until every member has it: {(cid, seq): [text, receipts]}.
    def setup(self):
        self.outstanding = {}
        self.verified = {}  # payload octets -> (cid, seq): a copy already checked in full
        self.expected_total = self.args.clients * self.args.messages

    def pump(self, c):
        if not c.sending or c.close_sent or c.next_seq >= self.args.messages or c.unacked >= self.args.window:
            return
        out = []
        while c.next_seq < self.args.messages and c.unacked < self.args.window:
            text = numbered(c.cid, c.next_seq, self.text_body(self.chat_length()))
            self.outstanding[(c.cid, c.next_seq)] = [text, 0]
            out.append(ws.frame_bytes(ws.OP_TEXT, text))
            c.next_seq += 1
            c.unacked += 1
            self.sent += 1
            self.sent_text += 1
            self.sent_bytes += len(text)
        c.transport.write(b"".join(out))

    def on_message(self, c, opcode, payload):
        for p in self.inject(c, payload) if c.sending else [payload]:
            self.check_chat(c, opcode, p)

    def check_chat(self, c, opcode, payload):
        counts = c.counts
        hit = self.verified.get(payload)
        if hit is None:
            if opcode != ws.OP_TEXT:
                counts.received += 1
                counts.corrupted += 1
                self.note(c, "a binary message from the chat server")
                return self.check_done(c)
            try:
                ev = json.loads(payload)
            except ValueError:
                counts.received += 1
                counts.corrupted += 1
                self.note(c, "not JSON: %r" % payload[:80])
                return self.check_done(c)
            kind = ev.get("event") if isinstance(ev, dict) else None
            if kind in ("welcome", "join", "leave") and set(ev) == {"event", "name"}:
                c.events.append((kind, ev["name"]))
                if kind == "join" and ev["name"] == "c%d" % (self.args.clients - 1) and not c.joined.done():
                    c.joined.set_result(True)
                return
            counts.received += 1
            if kind != "message" or set(ev) != {"event", "name", "text"}:
                counts.corrupted += 1
                self.note(c, "unexpected event %r" % payload[:80])
                return self.check_done(c)
            text = ev["text"].encode("utf-8")
            parsed = parse_numbered(text)
            if parsed is None or not parsed[2] or ev["name"] != "c%d" % parsed[0]:
                counts.corrupted += 1
                self.note(c, "corrupted message %r" % payload[:80])
                return self.check_done(c)
            key = parsed[:2]
            entry = self.outstanding.get(key)
            if entry is None or entry[0] != text:
                if entry is None and key[0] < len(self.clients) and c.streams.get(key[0], Stream()).expected > key[1]:
                    hit = key  # a repeat of one every member already has: the stream check says so
                else:
                    counts.corrupted += 1
                    self.note(c, "message %r was never sent or differs from what was sent" % (key,))
                    return self.check_done(c)
            else:
                hit = key
                self.verified[payload] = key
        else:
            counts.received += 1
        counts.bytes += len(payload)
        sender, seq = hit
        stream = c.streams.get(sender)
        if stream is None:
            stream = c.streams[sender] = Stream()
        verdict = stream.see(seq, counts)
        if verdict == IN_ORDER:
            counts.ok += 1
        entry = self.outstanding.get(hit) if verdict != DUPLICATE else None
        if entry is not None:
            entry[1] += 1
            if entry[1] == self.args.clients:
                del self.outstanding[hit]
                self.verified.pop(payload, None)
        if sender == c.cid:
            c.unacked -= 1
        self.check_done(c)

    def check_done(self, c):
        # Every message of every member received (a late or corrupted copy counts: it is reported).
        n = c.counts
        if n.ok + n.reordered + n.corrupted >= self.expected_total and not c.done.done():
            c.done.set_result(True)

    def note(self, c, what):
        self.errors.append("client %d: %s" % (c.cid, what))

    async def run(self):
        self.setup()
        n = self.args.clients
        await self.connect_all(lambda cid: "/chat?name=c%d" % cid)
        await asyncio.gather(*(c.joined for c in self.clients))
        for c in self.clients:
            want = [("welcome", "c%d" % c.cid)] + [("join", "c%d" % j) for j in range(c.cid, n)]
            if c.events != want:
                self.errors.append("client %d: join events %r, expected %r" % (c.cid, c.events[:8], want[:8]))
        t0 = time.monotonic()
        for c in self.clients:
            c.sending = True
            self.pump(c)
        await asyncio.gather(*(c.done for c in self.clients))
        self.exchange_seconds = time.monotonic() - t0
        await self.close_all()
        for c in self.clients:
            for kind, name in c.events[n - c.cid + 1:]:
                if kind != "leave" or name == "c%d" % c.cid:
                    self.errors.append("client %d: unexpected %s event for %s" % (c.cid, kind, name))

    def report(self):
        total = Counts()
        for c in self.clients:
            total.add(c.counts)
        sent_by = {c.cid: c.next_seq for c in self.clients}
        lost = max(0, sum(sent_by.values()) * len(self.clients) - total.ok - total.reordered - total.corrupted)
        return total, lost


# ---- the server process ---------------------------------------------------------------------

def vm_rss_kib(pid, field="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise ws.Failure("no %s in /proc/%d/status" % (field, pid))


def mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


def stats_connections(proc, lines, timeout=2.0):
    """Sends SIGUSR1 and returns N from the next `stats connections=N` line."""
    proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        check(left > 0, "no stats line within %.0f s of SIGUSR1" % timeout)
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            continue
        m = STATS.match(line)
        if m:
            return int(m.group(1))


def wait_connections_zero(proc, lines, timeout=10.0):
    t0 = time.monotonic()
    while True:
        n = stats_connections(proc, lines)
        if n == 0:
            return time.monotonic() - t0, n
        if time.monotonic() - t0 > timeout:
            return None, n
        time.sleep(0.05)


async def sample_rss(pid, peak, stop):
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], vm_rss_kib(pid))
        except (OSError, ws.Failure):
            return
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except asyncio.TimeoutError:
            pass


async def drive(soak, pid, peak):
    stop = asyncio.Event()
    sampler = asyncio.ensure_future(sample_rss(pid, peak, stop))
    try:
        await asyncio.wait_for(soak.run(), soak.args.deadline)
    finally:
        stop.set()
        await sampler
        soak.aborting = True
        for c in soak.clients:
            if c.transport is not None and c is not getattr(soak, "lingering", None):
                c.transport.abort()


def run_phase(args, host, port, proc, lines, label, peak=None):
    """One round of clients: connect, exchange, close, then connections=0. Prints the
    figures; returns the failures (strings)."""
    failures = []
    soak = (EchoSoak if args.mode == "echo" else ChatSoak)(args, host, port)
    peak = peak if peak is not None else [0]
    t0 = time.monotonic()
    try:
        asyncio.run(drive(soak, proc.pid, peak))
    except asyncio.TimeoutError:
        failures.append("%s: the client phase did not finish within --deadline %.0f s" % (label, args.deadline))
    elapsed = time.monotonic() - t0
    total, lost = soak.report()
    expected = soak.sent if args.mode == "echo" else soak.sent * args.clients
    print("%s: %d clients x %d messages" % (label, args.clients, args.messages))
    print("  sent %d messages (%d text, %d binary, %.1f MiB of payload); %s %d copies expected"
          % (soak.sent, soak.sent_text, soak.sent_binary, soak.sent_bytes / 1048576.0,
             "echoed:" if args.mode == "echo" else "broadcast to %d members:" % args.clients, expected))
    print("  received %d (%.1f MiB), in order and intact %d; lost %d, reordered %d, duplicated %d, corrupted %d"
          % (total.received, total.bytes / 1048576.0, total.ok, lost, total.reordered, total.duplicated,
             total.corrupted))
    xs = getattr(soak, "exchange_seconds", None)
    if xs:
        print("  exchange %.2f s (%.0f messages received/s); connect + exchange + close %.2f s"
              % (xs, total.received / xs, elapsed))
    else:
        print("  client phase %.2f s (unfinished)" % elapsed)
    for e in soak.errors[:20]:
        failures.append("%s: %s" % (label, e))
    if len(soak.errors) > 20:
        failures.append("%s: ... %d more" % (label, len(soak.errors) - 20))
    if lost or total.reordered or total.duplicated or total.corrupted or total.ok != expected:
        failures.append("%s: lost %d, reordered %d, duplicated %d, corrupted %d, %d of %d in order and intact"
                        % (label, lost, total.reordered, total.duplicated, total.corrupted, total.ok, expected))
    took, n = wait_connections_zero(proc, lines)
    if took is None:
        failures.append("%s: connection_count() still %d 10 s after the clients left" % (label, n))
    else:
        print("  stats connections=0 %.2f s after the clients left" % took)
    sys.stdout.flush()
    return failures, soak


def main():
    argv = sys.argv[1:]
    server_args = []
    if "--" in argv:
        i = argv.index("--")
        argv, server_args = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description="Soak of echo_server or chat_server (see the module doc).")
    ap.add_argument("mode", choices=("echo", "chat"))
    ap.add_argument("server", help="the echo_server or chat_server executable")
    ap.add_argument("--clients", type=int, default=None, help="default: echo 50, chat 20")
    ap.add_argument("--messages", type=int, default=None, help="per client; default: echo 1000, chat 200")
    ap.add_argument("--window", type=int, default=8, help="messages in flight per client (default 8)")
    ap.add_argument("--deadline", type=float, default=55.0, help="seconds for each client phase (default 55)")
    ap.add_argument("--rss-check", action="store_true",
                    help="after a warm-up round, VmRSS after the clients left within 10 %% of before they came")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--inject", choices=("corrupt", "drop", "duplicate", "reorder", "linger"), default=None,
                    help="a fault on the client side, once: the run must then fail")
    args = ap.parse_args(argv)
    if args.clients is None:
        args.clients = 50 if args.mode == "echo" else 20
    if args.messages is None:
        args.messages = 1000 if args.mode == "echo" else 200
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 32)
    check(args.clients >= 1 and args.messages >= 1 and args.window >= 1, "clients, messages and window must be >= 1")
    check(os.access(args.server, os.X_OK), "%s is not an executable" % args.server)

    print("soak %s: %s, %d clients x %d messages, window %d, seed %d%s" % (
        args.mode, os.path.basename(args.server), args.clients, args.messages, args.window, args.seed,
        ", server args %s" % " ".join(server_args) if server_args else ""), flush=True)

    lines = queue.Queue()
    errfile = tempfile.TemporaryFile()
    proc, host, port = ws.start_example(os.path.abspath(args.server), ["--port", "0"] + server_args,
                                        stdout_lines=lines, stderr=errfile)
    failures = []
    t_start = time.monotonic()
    try:
        # The signal handler is in place before the first line (example_cli.hpp), and a stats
        # line proves it: a SIGUSR1 before that would kill the server.
        n = stats_connections(proc, lines, timeout=10.0)
        check(n == 0, "stats before any client: connections=%d" % n)
        rss_cold = vm_rss_kib(proc.pid)
        if args.rss_check:
            # A warm-up round first, as many clients with fewer messages: the first connections
            # fault in code pages and create the server thread's malloc arena, and glibc keeps
            # the arena's high-water mark resident after free() (about +0.7 MiB over a cold
            # 3.3 MiB for 200 echo clients, all of it there at the peak already; the echo
            # high-water mark rises with the number of 64 KiB messages in flight at once, so
            # echo warms up with a tenth of the messages). The baseline is taken after the
            # warm-up clients left: growth beyond it comes from the volume of messages, not
            # from the number of connections or the peak.
            warm = argparse.Namespace(**vars(args))
            warm.messages = min(args.messages, max(50, args.messages // 10) if args.mode == "echo" else 50)
            warm.inject, warm.seed = None, args.seed + 1
            f, _ = run_phase(warm, host, port, proc, lines, "warm-up")
            failures += f
        rss_before = vm_rss_kib(proc.pid)
        peak = [rss_before]
        f, soak = run_phase(args, host, port, proc, lines, "soak", peak)
        failures += f
        rss_after = vm_rss_kib(proc.pid)
        peak[0] = max(peak[0], rss_after)  # sampled every 0.25 s: a short run may fall between
        hwm = vm_rss_kib(proc.pid, "VmHWM")
        growth = 100.0 * (rss_after - rss_before) / rss_before
        print("VmRSS: %sbefore the clients %s, peak %s (VmHWM %s), after they left %s (%+.1f %%)"
              % ("cold %s, after the warm-up, " % mib(rss_cold) if args.rss_check else "",
                 mib(rss_before), mib(peak[0]), mib(hwm), mib(rss_after), growth))
        if args.rss_check and rss_after > rss_before * 1.10:
            failures.append("VmRSS after the clients left is %s, more than 10 %% over %s before"
                            % (mib(rss_after), mib(rss_before)))
    except BaseException:
        ws.kill(proc)
        raise
    try:
        took = ws.stop(proc)
        print("SIGTERM: exit 0 after %.2f s" % took)
    except ws.Failure as e:
        failures.append(str(e))
    del soak  # the sockets of a lingering client (--inject linger) stayed open until the server stopped
    errfile.seek(0)
    err = errfile.read().decode("utf-8", "replace")
    marks = [m for m in SANITIZER_MARKS if m in err]
    if marks:
        failures.append("sanitizer report on stderr (%s)" % ", ".join(marks))
    if err.strip():
        print("server stderr (last 3000 characters):\n" + err[-3000:])
    print("total %.1f s" % (time.monotonic() - t_start))
    if failures:
        for f in failures:
            print("FAIL: " + f)
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
