"""A WebSocket client for the realtime tests: Debian's python3-websockets
(asyncio) run on a thread of its own, behind a blocking interface.

    ws = WsClient("ws://127.0.0.1:8080/api/v1/ws?ticket=...")
    ws.next("ready")           # the next frame of that type (others kept)
    ws.send({"type": "ping"})
    ws.close()

`reading=False` opens a client that reads nothing (a small receive buffer
and no reader): the server must cut it off rather than queue for it.
"""

import asyncio
import json
import socket
import threading
import time
from urllib.parse import urlsplit

import websockets


class WsClient:
    def __init__(self, url, headers=None, reading=True, timeout=10, tls=None):
        self._tls = tls  # an ssl.SSLContext for a wss:// URL
        self.frames = []  # every frame received, in order
        self.closed = None  # (code, reason) once the connection ended
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._ws = None
        self._error = None
        ready = threading.Event()
        threading.Thread(target=self._run, args=(url, headers or {}, reading, ready),
                         daemon=True).start()
        ready.wait(timeout)
        if self._error:
            raise self._error
        if self._ws is None:
            raise TimeoutError("no WebSocket after %s s" % timeout)

    def _run(self, url, headers, reading, ready):
        # The loop outlives the reader: a close() may still be under way.
        asyncio.set_event_loop(self._loop)
        self._loop.create_task(self._main(url, headers, reading, ready))
        self._loop.run_forever()

    async def _main(self, url, headers, reading, ready):
        kwargs = {"extra_headers": headers, "max_size": 2 ** 22, "open_timeout": 10}
        if self._tls is not None:
            kwargs["ssl"] = self._tls
        if not reading:
            parts = urlsplit(url)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect((parts.hostname, parts.port))
            kwargs.update(sock=sock, max_queue=1, read_limit=4096)
        try:
            self._ws = await websockets.connect(url, **kwargs)
        except Exception as e:  # handshake refused: the caller sees why
            self._error = e
            ready.set()
            return
        ready.set()
        if not reading:
            await self._ws.wait_closed()
            self._ended()
            return
        try:
            async for frame in self._ws:
                with self._cond:
                    self.frames.append(json.loads(frame))
                    self._cond.notify_all()
        except websockets.ConnectionClosed:
            pass
        self._ended()

    def _ended(self):
        with self._cond:
            self.closed = (self._ws.close_code, self._ws.close_reason)
            self._cond.notify_all()

    def send(self, obj):
        text = obj if isinstance(obj, str) else json.dumps(obj)
        asyncio.run_coroutine_threadsafe(self._ws.send(text), self._loop).result(10)

    def next(self, type_, timeout=10, where=None):
        """Removes and returns the first frame of `type_` (matching `where`)."""
        deadline = time.time() + timeout
        with self._cond:
            while True:
                for i, f in enumerate(self.frames):
                    if f.get("type") == type_ and (where is None or where(f)):
                        return self.frames.pop(i)
                left = deadline - time.time()
                if left <= 0 or self.closed:
                    raise AssertionError("no %s frame in %s s; got %s (closed: %s)"
                                         % (type_, timeout, [x.get("type") for x in self.frames],
                                            self.closed))
                self._cond.wait(left)

    def types(self):
        with self._cond:
            return [f.get("type") for f in self.frames]

    def wait_closed(self, timeout=30):
        deadline = time.time() + timeout
        with self._cond:
            while self.closed is None and time.time() < deadline:
                self._cond.wait(deadline - time.time())
            return self.closed

    def close(self):
        if self._ws is not None:
            asyncio.run_coroutine_threadsafe(self._ws.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)


class SilentClient:
    """A WebSocket opened by hand on a socket with a small receive buffer,
    that reads nothing until drain(): what a stalled browser tab looks like."""

    def __init__(self, host, port, path):
        import base64
        import os
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head

    def drain(self, timeout=30):
        """Reads until the connection ends: the close frame's code, or None
        when it was cut without one."""
        self.sock.settimeout(timeout)
        data = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        # Walk the frames the server sent (unmasked).
        at, code = 0, None
        while at + 2 <= len(data):
            opcode, length = data[at] & 0x0F, data[at + 1] & 0x7F
            at += 2
            if length == 126:
                length = int.from_bytes(data[at:at + 2], "big")
                at += 2
            elif length == 127:
                length = int.from_bytes(data[at:at + 8], "big")
                at += 8
            if opcode == 0x8 and length >= 2:
                code = int.from_bytes(data[at:at + 2], "big")
            at += length
        self.sock.close()
        return code
