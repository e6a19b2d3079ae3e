#!/usr/bin/env python3
"""Writes the seed corpora of squall's fuzz targets, deterministically (Python 3 stdlib only).

    python3 tests/fuzz/make_corpus.py

Each seed starts with the target's control prefix (see the header comment of the target):
  fuzz_handshake:  [split:1][flags:1] request bytes
  fuzz_frames:     [max_message:2][max_frame:2][max_fragments:1][seed:1] client frames
  fuzz_connection: [flags:1][seed:3] client frames (the target puts a request head first)
  fuzz_engine:     [flags:1][admission:1][status:2][seed:3] client frames or records (same)
The corpus folders are rewritten from scratch: do not add seeds by hand, add them here.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
MASK = bytes([0x37, 0xFA, 0x21, 0x3D])


def frame(op, payload=b"", fin=True, rsv=0, mask=MASK, length=None):
    """One client frame (RFC 6455 §5.2); `length` forces a length encoding: 7, 16 or 64 bits."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload)
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    mbit = 0x80 if mask is not None else 0
    enc = length or (7 if n < 126 else 16 if n <= 0xFFFF else 64)
    if enc == 7:
        head = bytes([b0, mbit | n])
    elif enc == 16:
        head = bytes([b0, mbit | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, mbit | 127]) + struct.pack(">Q", n)
    if mask is None:
        return head + payload
    return head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


def close(code=None, reason=b""):
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    return frame(CLOSE, b"" if code is None else struct.pack(">H", code) + reason)


def request(lines, target="/chat", method="GET", version="HTTP/1.1"):
    head = f"{method} {target} {version}\r\n" + "".join(l + "\r\n" for l in lines) + "\r\n"
    return head.encode("latin-1")


UPGRADE = [
    "Host: server.example.com",
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
]


def upgrade(replace=None, add=(), drop=(), **kw):
    lines = [l for l in UPGRADE if l.split(":")[0] not in drop]
    for old, new in (replace or {}).items():
        lines = [new if l.startswith(old + ":") else l for l in lines]
    return request(lines + list(add), **kw)


def handshake_seeds():
    browser = request([
        "Host: server.example.com",
        "Connection: Upgrade",
        "Pragma: no-cache",
        "Cache-Control: no-cache",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
        "Upgrade: websocket",
        "Origin: https://ok.example",
        "Sec-WebSocket-Version: 13",
        "Accept-Encoding: gzip, deflate, br",
        "Accept-Language: en-US,en;q=0.9",
        "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==",
        "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
    ], target="/chat?room=1")
    many = request(["Host: a"] + [f"X-F{i}: v" for i in range(101)], target="/")
    # [split][flags]: flags bit 0 = 64-octet head limit, bits 1-2 = subprotocol choice,
    # bit 4 = extra header (bit 5: a valid one).
    return {
        "upgrade_browser": bytes([128, 0x02 | 0x30]) + browser,
        "upgrade_minimal": bytes([40, 0x00]) + upgrade(target="/echo"),
        "upgrade_subprotocol_not_offered": bytes([200, 0x04]) + upgrade(add=["Sec-WebSocket-Protocol: chat"]),
        "upgrade_pipelined_frame": bytes([255, 0x06]) + upgrade(target="/") + frame(TEXT, "hi"),
        "upgrade_bad_extra_header": bytes([10, 0x10]) + upgrade(),
        "plain_http": bytes([90, 0]) + request(["Host: a", "Accept: */*"], target="/health"),
        "400_request_line": bytes([3, 0]) + b"GARBAGE\r\n\r\n",
        "400_obs_fold": bytes([70, 0]) + upgrade(add=["X-Folded: a", " continued"]),
        "400_method": bytes([100, 0]) + upgrade(method="POST"),
        "400_http10": bytes([100, 0]) + upgrade(version="HTTP/1.0"),
        "400_upgrade": bytes([100, 0]) + upgrade(replace={"Upgrade": "Upgrade: h2c"}),
        "400_connection": bytes([100, 0]) + upgrade(replace={"Connection": "Connection: keep-alive"}),
        "400_missing_host": bytes([100, 0]) + upgrade(drop=("Host",)),
        "400_duplicate_host": bytes([100, 0]) + upgrade(add=["Host: other.example"]),
        "400_bad_key": bytes([100, 0]) + upgrade(replace={"Sec-WebSocket-Key": "Sec-WebSocket-Key: c2hvcnQ="}),
        "403_origin": bytes([100, 0]) + upgrade(add=["Origin: https://evil.example"]),
        "404_route": bytes([100, 0]) + upgrade(target="/nope"),
        "426_version": bytes([100, 0]) + upgrade(replace={"Sec-WebSocket-Version": "Sec-WebSocket-Version: 8"}),
        "431_small_limit": bytes([255, 0x01]) + upgrade(),
        "431_too_many_fields": bytes([0, 0]) + many,
    }


def frames_seeds():
    def limits(max_message=1000, max_frame=512, max_fragments=8, seed=0):
        return struct.pack(">HHBB", max_message, max_frame, max_fragments - 1, seed)

    utf8 = "héllo wörld €𝄞"
    raw = utf8.encode("utf-8")
    return {
        "text": limits() + frame(TEXT, "hello"),
        "binary_16bit_length": limits(seed=1) + frame(BINARY, bytes(range(256)) * 1 + b"x" * 44),
        "fragmented_with_pings": limits(seed=2) + frame(TEXT, "frag", fin=False) + frame(PING, "p1")
        + frame(CONT, "men", fin=False) + frame(PONG, "") + frame(CONT, "ted") + frame(BINARY, b"\x00\x01"),
        "utf8_split_across_fragments": limits(seed=3) + frame(TEXT, raw[:2], fin=False)
        + frame(CONT, raw[2:9], fin=False) + frame(CONT, raw[9:]),
        "control_frames": limits(seed=4) + frame(PING, "ping") + frame(PONG, "pong") + close() + close(1000, "bye"),
        "close_bad_code": limits(seed=6) + close(1005) + close(4999, "x"),
        "close_one_octet": limits(seed=7) + frame(CLOSE, b"\x03"),
        "close_bad_reason": limits(seed=8) + close(1001, b"\xc3\x28"),
        "invalid_utf8": limits(seed=9) + frame(TEXT, b"ok \xed\xa0\x80 surrogate") + frame(PING, "after"),
        "invalid_utf8_truncated": limits(seed=10) + frame(TEXT, b"\xe2\x82", fin=False) + frame(CONT, b""),
        "reserved_opcode": limits(seed=11) + frame(0xB, "x"),
        "reserved_bits": limits(seed=5) + frame(TEXT, "y", rsv=4),
        "unmasked": limits(seed=12) + frame(TEXT, "plain", mask=None),
        "length_not_minimal": limits(seed=13) + frame(BINARY, "short", length=64),
        "message_too_big": limits(max_message=100, seed=14) + frame(TEXT, "a" * 60, fin=False)
        + frame(CONT, "b" * 60) + close(1000),
        "frame_too_big": limits(max_frame=64, seed=15) + frame(BINARY, b"z" * 100),
        "too_many_fragments": limits(max_fragments=2, seed=16) + frame(TEXT, "1", fin=False)
        + frame(CONT, "2", fin=False) + frame(CONT, "3"),
        "continuation_orphan": limits(seed=17) + frame(CONT, "orphan") + frame(PING, "still read"),
        "continuation_expected": limits(seed=19) + frame(TEXT, "a", fin=False) + frame(TEXT, "b") + close(1002),
        "control_too_big_or_fragmented": limits(seed=18) + frame(PING, b"p" * 126) + frame(PING, "x", fin=False),
    }


def connection_seeds():
    # [flags][seed:3]: flags bits 0-1 head (0 subprotocols, 1 minimal, 2 plain HTTP, 3 bad origin),
    # 2-4 decision (0 accept, 3 accept "chat", 4 not offered, 5 reject, 6/7 respond),
    # 5 pings on, 6 decision delayed, 7 release_request after accept.
    def prefix(flags, seed):
        return bytes([flags]) + seed.to_bytes(3, "big")

    echo = frame(TEXT, "hello") + frame(BINARY, b"\x00\xff") + close(1000, "done")
    return {
        "echo_then_close": prefix(0x00, 1) + echo,
        "pings_on": prefix(0x20, 2) + frame(PING, "are you there") + frame(PONG, "") + frame(TEXT, "x") * 3,
        "fragmented_with_ping": prefix(0x80, 3) + frame(TEXT, "a", fin=False) + frame(PING, "p")
        + frame(CONT, "b") + close(4000, "app"),
        "invalid_utf8": prefix(0x00, 4) + frame(TEXT, b"\xff\xfe") + close(1007),
        "bad_close_code": prefix(0x01, 5) + close(1006),
        "message_too_big": prefix(0x21, 6) + frame(BINARY, b"m" * 600) + close(1009),
        "protocol_error_then_close": prefix(0x00, 7) + frame(TEXT, "x", rsv=2) + close(1002),
        "subprotocol_chat": prefix(0x0C | 0x80, 8) + echo,
        "subprotocol_not_offered": prefix(0x10, 9) + echo,
        "delayed_decision": prefix(0x40 | 0x20, 10) + echo,
        "reject_admission": prefix(0x14, 11) + echo,
        "respond_401": prefix(0x18, 12),
        "plain_http": prefix(0x02, 13),
        "bad_origin": prefix(0x03, 14) + echo,
        "quiet_link_timeouts": prefix(0x20 | 0x80, 0xFFFFFF) + frame(TEXT, "then silence"),
    }


def engine_seeds():
    # [flags][admission][status:2][seed:3]: flags bits 0-1 head (0 offers chat+superchat,
    # 1 none, 2 superchat, 3 plain HTTP), 2 pings, 3 pipelined head, 4 records, 5 small send
    # queue, 6 drain before EOF, 7 late work after finish(); admission bits 0-1 policy (0 sync
    # accept, 1 sync reject, 2-3 async), 2-4 variant, 5-7 extras (6 factory throws, 7 over cap).
    def prefix(flags, adm, status, seed):
        return bytes([flags, adm]) + struct.pack(">h", status) + seed.to_bytes(3, "big")

    def record(ctl, payload=b""):
        """A record the target frames itself: ctl = opcode | 0x10 not FIN | 0x20 unmasked |
        0x40 RSV1 | 0x80 raw bytes; a text or binary payload's first octet picks the handler's
        action (0-4 echo, 5-6 close, 7 JSON map, 8 NaN, 9 ping, 10 throw, 11 abort, ...)."""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        return bytes([ctl, len(payload)]) + payload

    RECORDS, DRAIN, LATE, PIPELINED, PINGS = 0x10, 0x40, 0x80, 0x08, 0x04
    echo = frame(TEXT, "hello") + frame(BINARY, b"\x00\xff") + close(1000, "done")
    actions = (record(TEXT, "\x00echo") + record(TEXT, "\x07key") + record(BINARY, b"\x07\xff")
               + record(TEXT, "\x08") + record(TEXT, "\x09p") + record(PING, "x") + record(PONG)
               + record(TEXT, "hb") + record(TEXT, "\x05") + record(CLOSE, b"\x03\xe8"))
    return {
        "echo_then_close": prefix(DRAIN, 0x00, 0, 1) + echo,
        "subprotocol_chat_pipelined": prefix(PIPELINED | DRAIN, 1 << 2, 0, 2) + echo,
        "subprotocol_not_offered": prefix(0x01, 1 << 2, 0, 3) + echo,
        "reject_401_with_cookie": prefix(DRAIN, 0x01 | (1 << 2), 401, 4) + echo,
        "reject_invalid_status": prefix(0x02, 0x01 | (4 << 2), -1, 5) + echo,
        "async_accept_later": prefix(DRAIN, 0x02, 0, 8) + echo,
        "async_answer_then_throw": prefix(LATE, 0x02 | (5 << 2), 503, 7) + echo,
        "async_two_copies": prefix(LATE | PIPELINED, 0x03 | (7 << 2), 302, 4) + echo,
        "records_actions": prefix(RECORDS | PINGS | DRAIN, 0x00, 0, 9) + actions,
        "records_throw_abort": prefix(RECORDS | LATE, 0x00, 0, 10) + record(TEXT, "\x0athrow")
        + record(CLOSE, b"\x03\xf3") + record(TEXT, "\x0b"),
        "records_small_queue_garbage": prefix(RECORDS | 0x20, 0x00, 0, 12) + record(TEXT, "\x00" + "q" * 100) * 4
        + record(0x80, b"\x81\x05hello") + record(0x0B, "x") + record(TEXT | 0x20, "plain") + record(TEXT | 0x40, "rsv"),
        "plain_http_responder": prefix(0x03 | DRAIN, 0x00 | (1 << 2), 200, 13),
        "over_connection_cap": prefix(0x00, 0x00 | (7 << 5), 0, 14) + echo,
        "factory_throws": prefix(DRAIN, 0x02 | (6 << 5), 0, 15) + echo,
        "pings_quiet_link": prefix(PINGS | LATE, 0x00, 0, 0xFFFFFF) + frame(TEXT, "then silence"),
    }


def write(name, seeds):
    folder = os.path.join(CORPUS, name)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.remove(os.path.join(folder, old))
    for seed_name, data in sorted(seeds.items()):
        with open(os.path.join(folder, seed_name), "wb") as f:
            f.write(data)
    return sum(len(d) for d in seeds.values())


def main():
    total = 0
    total += write("fuzz_handshake", handshake_seeds())
    total += write("fuzz_frames", frames_seeds())
    total += write("fuzz_connection", connection_seeds())
    total += write("fuzz_engine", engine_seeds())
    print(f"wrote corpora under {CORPUS}: {total} bytes")


if __name__ == "__main__":
    main()
