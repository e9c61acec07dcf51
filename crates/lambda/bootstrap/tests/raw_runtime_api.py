"""A byte-level Runtime API for testing the runtime clients' HTTP handling.

Each answer is scripted as exact bytes: every GET /next takes the next queued
`Reply`, every POST the next queued post reply (a plain 202 when none is
queued). A reply can be sent in small pieces with pauses between them (the
socket has TCP_NODELAY, so pieces travel as separate segments), and can be
followed by closing the connection -- or replaced by closing it without an
answer. Requests are recorded with lower-cased header names.
"""

import json
import queue
import socket
import threading
import time
import uuid


class Reply(object):
    def __init__(self, raw, split=None, pause=0.0, close=False, drop=False):
        self.raw = raw  # the bytes to send
        self.split = split  # piece size, or None for one send
        self.pause = pause  # seconds between pieces
        self.close = close  # close the connection after sending
        self.drop = drop  # close the connection instead of answering


class Request(object):
    def __init__(self, method, path, headers, body, connection, pipelined=False):
        self.pipelined = pipelined  # its bytes came in the same read as the request before it
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.connection = connection  # 1-based index of the connection it came on

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "Request(%s %s on #%d, %r)" % (self.method, self.path, self.connection, self.body[:200])


def response(status, headers, body=b"", chunks=None):
    """HTTP/1.1 response bytes. `headers` is a list of (name, value) sent as
    written; with `chunks` (a list of bytes, or of (bytes, extension)) the body
    is chunk-encoded and `body` is ignored."""
    head = "HTTP/1.1 %s\r\n" % status
    for name, value in headers:
        head += "%s: %s\r\n" % (name, value)
    if chunks is None:
        return head.encode("latin-1") + b"\r\n" + body
    out = head.encode("latin-1") + b"\r\n"
    for chunk in chunks:
        data, ext = chunk if isinstance(chunk, tuple) else (chunk, "")
        out += ("%x%s\r\n" % (len(data), ext)).encode() + data + b"\r\n"
    return out + b"0\r\nX-Trailer: ignored\r\n\r\n"


def accepted(extra=None, close=False, split=None, chunked=False):
    """The 202 a post gets, optionally chunked, split, or followed by a close."""
    body = b'{"status":"OK"}'
    headers = [("Content-Type", "application/json")] + list(extra or [])
    if chunked:
        raw = response("202 Accepted", headers + [("Transfer-Encoding", "chunked")], chunks=[body[:5], body[5:]])
    else:
        raw = response("202 Accepted", headers + [("Content-Length", str(len(body)))], body)
    return Reply(raw, split=split, pause=0.001 if split else 0.0, close=close)


def event_headers(request_id=None, timeout_ms=30000):
    """The /next headers Portico sends, lower-case as hyper writes them."""
    return [
        ("lambda-runtime-aws-request-id", request_id or str(uuid.uuid4())),
        ("lambda-runtime-deadline-ms", str(int(time.time() * 1000) + timeout_ms)),
        ("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:000000000000:function:fn"),
        ("lambda-runtime-trace-id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"),
        ("content-type", "application/json"),
    ]


class RawRuntimeApi(object):
    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.nexts = queue.Queue()
        self.post_replies = queue.Queue()
        self.requests = []
        self.connections = 0
        self.cond = threading.Condition()
        self.closing = False
        self.open_socks = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.listener.getsockname()[1]

    def push_next(self, reply):
        self.nexts.put(reply)

    def push_post_reply(self, reply):
        self.post_replies.put(reply)

    def posts(self):
        with self.cond:
            return [r for r in self.requests if r.method == "POST"]

    def wait_posts(self, count, timeout=15.0):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                posts = [r for r in self.requests if r.method == "POST"]
                if len(posts) >= count:
                    return posts
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("expected %d posts, got %r" % (count, self.requests))
                self.cond.wait(left)

    def close(self):
        self.closing = True
        try:
            self.listener.close()
        except OSError:
            pass
        with self.cond:
            socks = list(self.open_socks)
        for s in socks:
            try:
                s.close()
            except OSError:
                pass

    # -- serving -------------------------------------------------------------

    def _accept(self):
        while not self.closing:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.cond:
                self.connections += 1
                number = self.connections
                self.open_socks.append(sock)
                self.cond.notify_all()
            threading.Thread(target=self._serve, args=(sock, number), daemon=True).start()

    def _serve(self, sock, number):
        buf = b""
        try:
            while not self.closing:
                pipelined = len(buf) > 0
                while b"\r\n\r\n" not in buf:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buf += data
                head, buf = buf.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                while len(buf) < length:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buf += data
                body, buf = buf[:length], buf[length:]
                with self.cond:
                    self.requests.append(Request(method, path, headers, body, number, pipelined))
                    self.cond.notify_all()
                reply = self._next_reply() if method == "GET" else self._post_reply()
                if reply is None or not self._send(sock, reply):
                    return
        except OSError:
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def _next_reply(self):
        while not self.closing:
            try:
                return self.nexts.get(timeout=0.05)
            except queue.Empty:
                continue
        return None

    def _post_reply(self):
        try:
            return self.post_replies.get_nowait()
        except queue.Empty:
            return accepted()

    def _send(self, sock, reply):
        """Sends a reply; False when the connection is to be closed."""
        if reply.drop:
            return False
        if reply.split:
            for i in range(0, len(reply.raw), reply.split):
                sock.sendall(reply.raw[i:i + reply.split])
                if reply.pause:
                    time.sleep(reply.pause)
        else:
            sock.sendall(reply.raw)
        return not reply.close
