"""Black-box tests of examples/single_header_echo (the drop-in door):
python3 test_single_header_echo.py PATH/TO/single_header_echo

Run twice: as example.single_header_echo on the CMake-built binary, and by
tests/cmake/check_drop_in.cmake (drop_in.gcc, drop_in.clang) on a binary compiled from the
single header alone."""

import subprocess

import ws
from ws import check

BIN = ws.binary_from_argv()
PORT0 = ["--port", "0"]


def test_echo_text_and_binary():
    with ws.Example(BIN, PORT0) as ex:
        check(ex.host == "127.0.0.1" and ex.port != 0, "printed %s:%d" % (ex.host, ex.port))
        c = ex.ws("/")
        c.send_text("dropped in \u2713")
        f = c.recv_message()
        check(f.opcode == ws.OP_TEXT and f.text == "dropped in \u2713", "text echo gave %r" % f)
        blob = bytes(range(256)) * 4
        c.send_binary(blob)
        f = c.recv_message()
        check(f.opcode == ws.OP_BINARY and f.payload == blob, "binary echo gave %r" % f)
        c.send_close(1000, "done")
        code, _ = c.expect_close(answer=False)
        check(code == 1000, "close answer %r" % code)
        c.close()


def test_unknown_path_is_404():
    with ws.Example(BIN, PORT0) as ex:
        r = ex.connect("/elsewhere")
        check(r.status == 404, "upgrade on /elsewhere gave %r" % r)


def test_sigterm_sends_1001_and_exits_0():
    proc, host, port = ws.start_example(BIN, PORT0)
    c = ws.open_ws(host, port, "/")
    c.send_text("still here?")
    check(c.recv_message().text == "still here?", "no echo before shutdown")
    code, _, error = ws.stop_while_open(proc, c, timeout=6.0)
    check(code == 1001, "close code %d on SIGTERM, expected 1001" % code)
    if error is not None:
        raise error


def test_bad_flags_exit_2():
    for args in (["--nope", "1"], ["--port", "70000"], ["--port"]):
        r = subprocess.run([BIN] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=10)
        check(r.returncode == 2, "exit code %d for %r, expected 2" % (r.returncode, args))


ws.run_tests([
    test_echo_text_and_binary,
    test_unknown_path_is_404,
    test_sigterm_sends_1001_and_exits_0,
    test_bad_flags_exit_2,
])
