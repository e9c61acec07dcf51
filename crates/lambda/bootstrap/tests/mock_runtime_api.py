"""A small Lambda Runtime API (2018-06-01) for exercising the bootstraps.

It serves queued events on /runtime/invocation/next with the headers the real
service sends, and records every /response, /error and /init/error post. Like
the real API it answers 400 InvalidRequestID to a second answer for the same
invoke, and 413 to a response over its payload limit.
"""

import http.server
import json
import queue
import threading
import time
import uuid

PREFIX = "/2018-06-01"


class Post(object):
    def __init__(self, kind, request_id, status, headers, body):
        self.kind = kind  # "response" | "error" | "init_error"
        self.request_id = request_id
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "Post(%s, %s, %s, %r)" % (self.kind, self.request_id, self.status, self.body[:300])


class MockRuntimeApi(object):
    def __init__(self, max_payload=6291556):
        self.max_payload = max_payload
        self.events = queue.Queue()
        self.posts = []
        self.next_calls = 0
        self.answered = set()
        self.cond = threading.Condition()
        self.closing = False
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, obj=None, headers=None, body=None, default_type=True):
                if body is None:
                    body = json.dumps(obj if obj is not None else {"status": "OK"}).encode()
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if default_type and "Content-Type" not in (headers or {}):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass  # the child was killed mid-exchange

            def do_GET(self):
                if self.path != PREFIX + "/runtime/invocation/next":
                    return self._send(404, {"errorType": "NotFound", "errorMessage": self.path})
                with api.cond:
                    api.next_calls += 1
                    api.cond.notify_all()
                while True:
                    if api.closing:
                        self.close_connection = True
                        return
                    try:
                        event = api.events.get(timeout=0.05)
                        break
                    except queue.Empty:
                        continue
                headers, body = event
                # An event's headers are sent exactly as queued (even without
                # Content-Type, to exercise that case).
                self._send(200, headers=headers, body=body, default_type=False)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = self.path[len(PREFIX):] if self.path.startswith(PREFIX) else self.path
                parts = path.strip("/").split("/")
                if path == "/runtime/init/error":
                    kind, request_id, status = "init_error", None, 202
                elif len(parts) == 4 and parts[:2] == ["runtime", "invocation"] and parts[3] in ("response", "error"):
                    kind, request_id = parts[3], parts[2]
                    with api.cond:
                        if request_id in api.answered:
                            status = 400
                        elif kind == "response" and len(body) > api.max_payload:
                            status = 413
                            api.answered.add(request_id)
                        else:
                            status = 202
                            api.answered.add(request_id)
                else:
                    return self._send(404, {"errorType": "NotFound", "errorMessage": self.path})
                with api.cond:
                    api.posts.append(Post(kind, request_id, status, headers, body))
                    api.cond.notify_all()
                if status == 202:
                    self._send(202)
                elif status == 413:
                    self._send(413, {
                        "errorMessage": "Exceeded maximum allowed payload size (%d bytes)." % api.max_payload,
                        "errorType": "RequestEntityTooLarge",
                    })
                else:
                    self._send(400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # children are killed mid-request on purpose

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.server.server_address[1]

    def push(self, event, request_id=None, content_type="application/json", raw=None,
             timeout_ms=30000, extra_headers=None, trace_id=None):
        """Queue an event; returns its request id. `event` is JSON-encoded unless `raw` bytes are given."""
        request_id = request_id or str(uuid.uuid4())
        body = raw if raw is not None else json.dumps(event).encode()
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + timeout_ms),
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:fn",
        }
        # None: a realistic X-Ray header; "": no header at all (as when unset).
        if trace_id is None:
            trace_id = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
        if trace_id:
            headers["Lambda-Runtime-Trace-Id"] = trace_id
        if content_type is not None:
            headers["Content-Type"] = content_type
        headers.update(extra_headers or {})
        self.events.put((headers, body))
        return request_id

    def wait_posts(self, count, timeout=10.0):
        """Block until at least `count` posts were recorded; returns them all."""
        deadline = time.time() + timeout
        with self.cond:
            while len(self.posts) < count:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("expected %d posts, got %r" % (count, self.posts))
                self.cond.wait(left)
            return list(self.posts)

    def wait_post_for(self, request_id, timeout=10.0):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for p in self.posts:
                    if p.request_id == request_id:
                        return p
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no post for %s, got %r" % (request_id, self.posts))
                self.cond.wait(left)

    def wait_next_calls(self, count, timeout=10.0):
        deadline = time.time() + timeout
        with self.cond:
            while self.next_calls < count:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("expected %d /next calls, got %d" % (count, self.next_calls))
                self.cond.wait(left)

    def close(self):
        self.closing = True
        self.server.shutdown()
        self.server.server_close()
