#!/usr/bin/python3
"""bench/servers/tornado_echo.py: the Tornado peer (Debian's python3-tornado 6.2, run with
/usr/bin/python3), for context. A WebSocketHandler on / that writes every message back (bytes as
binary, str as text). No pings (Tornado's default), no compression, a 16 MiB message limit, any
Origin. Binds 127.0.0.1; --port N (0: a free port, printed). Stops on SIGTERM/SIGINT."""
import argparse
import asyncio
import signal

import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket


class Echo(tornado.websocket.WebSocketHandler):
    def check_origin(self, origin):
        return True

    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


async def main(port):
    app = tornado.web.Application([(r"/", Echo)], websocket_max_message_size=16 << 20)
    sockets = tornado.netutil.bind_sockets(port, "127.0.0.1", backlog=4096)
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    print(f"tornado_echo listening on 127.0.0.1:{sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
