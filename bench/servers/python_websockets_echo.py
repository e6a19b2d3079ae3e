#!/usr/bin/python3
"""bench/servers/python_websockets_echo.py: the Python `websockets` peer (Debian's
python3-websockets 10.4, run with /usr/bin/python3), for context. asyncio, one thread: every
message is sent back as it came (bytes as binary, str as text). No pings, no compression, a
16 MiB message limit. Binds 127.0.0.1; --port N (0: a free port, printed). Stops on SIGTERM/SIGINT."""
import argparse
import asyncio
import signal

import websockets


async def echo(ws, path=None):
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass


async def main(port):
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    async with websockets.serve(echo, "127.0.0.1", port, ping_interval=None, compression=None,
                                max_size=16 << 20, max_queue=None, backlog=4096) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"python_websockets_echo listening on 127.0.0.1:{bound}", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
