"""The Node bootstrap's hand-written HTTP/1.1 client against a byte-level
Runtime API: responses split across many segments, header names in any case,
chunked bodies, connections the server closes, a 6 MB event and response,
and malformed responses."""

import hashlib
import json
import re
import time
import uuid

from harness import BootstrapCase
from raw_runtime_api import RawRuntimeApi, Reply, accepted, event_headers, response

TRACE = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn"


def next_reply(event, headers=None, **kw):
    """A /next response with a Content-Length body; `kw` goes to Reply."""
    body = json.dumps(event).encode()
    headers = (headers or event_headers()) + [("content-length", str(len(body)))]
    return Reply(response("200 OK", headers, body), **kw)


class RawClientCase(BootstrapCase):
    RUNTIME = "node"
    FIXTURE = "node"

    def start_raw(self, handler="index.wire"):
        api = RawRuntimeApi()
        _, child = self.start(handler, api=api)
        return api, child

    def assertWire(self, post, event, request_id):
        self.assertEqual(post.path, "/2018-06-01/runtime/invocation/%s/response" % request_id)
        body = post.json()
        self.assertEqual(body["event"], event)
        self.assertEqual(body["awsRequestId"], request_id)
        self.assertEqual(body["invokedFunctionArn"], ARN)
        self.assertEqual(body["trace"], TRACE)
        self.assertTrue(25000 < body["remaining"] <= 30000, body)
        return body

    def second_invoke_works(self, api, connections):
        count = len(api.posts()) + 1
        rid = str(uuid.uuid4())
        api.push_next(next_reply({"n": 2}, event_headers(rid)))
        post = api.wait_posts(count)[-1]
        self.assertWire(post, {"n": 2}, rid)
        self.assertEqual(api.connections, connections)
        return post


class SplitResponses(RawClientCase):
    def test_response_split_into_many_segments(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        event = {"k": "v" * 300, "n": [1, 2, 3], "unicode": "\u00e9\u4e2d\U0001f600"}
        # 3-byte pieces cut through the status line, every header, the blank
        # line and multi-byte UTF-8 sequences of the body.
        api.push_next(next_reply(event, event_headers(rid), split=3, pause=0.0005))
        api.push_post_reply(accepted(split=2))
        self.assertWire(api.wait_posts(1)[0], event, rid)
        # The loop goes on over the same connection.
        rid2 = str(uuid.uuid4())
        api.push_next(next_reply({"second": True}, event_headers(rid2), split=1))
        self.assertWire(api.wait_posts(2)[1], {"second": True}, rid2)
        self.assertEqual(api.connections, 1)

    def test_interim_100_continue_is_skipped(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        reply = next_reply({"a": 1}, event_headers(rid))
        reply.raw = b"HTTP/1.1 100 Continue\r\n\r\n" + reply.raw
        api.push_next(reply)
        self.assertWire(api.wait_posts(1)[0], {"a": 1}, rid)


class HeaderParsing(RawClientCase):
    def test_header_names_in_any_case_and_padded_values(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        body = b'{"x":1}'
        headers = [
            ("LAMBDA-RUNTIME-AWS-REQUEST-ID", "  %s \t" % rid),
            ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000)),
            ("lambda-RUNTIME-invoked-FUNCTION-arn", ARN),
            ("Lambda-Runtime-Trace-Id", TRACE),
            ("Lambda-Runtime-Aws-Tenant-Id", "tenant-7"),
            ("lambda-runtime-client-context", '{"custom":{"a":"b"}}'),
            ("Lambda-Runtime-Cognito-Identity", '{"cognitoIdentityId":"id1","cognitoIdentityPoolId":"p1"}'),
            ("X-Unrelated", "a, b"),
            ("Content-Type", "application/json"),
            ("CONTENT-LENGTH", str(len(body))),
        ]
        api.push_next(Reply(response("200 OK", headers, body)))
        posted = self.assertWire(api.wait_posts(1)[0], {"x": 1}, rid)
        self.assertEqual(posted["tenantId"], "tenant-7")
        self.assertEqual(posted["clientContext"], {"custom": {"a": "b"}})
        self.assertEqual(posted["identity"], {"cognitoIdentityId": "id1", "cognitoIdentityPoolId": "p1"})

    def test_repeated_headers_are_joined_like_node_http(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        headers = event_headers(rid) + [("Lambda-Runtime-Aws-Tenant-Id", "a"), ("lambda-runtime-aws-tenant-id", "b")]
        api.push_next(next_reply({}, headers))
        self.assertEqual(api.wait_posts(1)[0].json()["tenantId"], "a, b")

    def test_request_shape(self):
        api, _ = self.start_raw("index.asyncThrow")
        rid = str(uuid.uuid4())
        api.push_next(next_reply({}, event_headers(rid)))
        post = api.wait_posts(1)[0]
        nxt = api.requests[0]
        self.assertEqual((nxt.method, nxt.path, nxt.body), ("GET", "/2018-06-01/runtime/invocation/next", b""))
        self.assertEqual(nxt.headers, {"host": api.address, "connection": "keep-alive"})
        self.assertEqual(post.path, "/2018-06-01/runtime/invocation/%s/error" % rid)
        self.assertEqual(post.headers["content-type"], "application/json")
        self.assertEqual(post.headers["lambda-runtime-function-error-type"], "Error")
        self.assertEqual(int(post.headers["content-length"]), len(post.body))
        self.assertEqual(post.json()["errorMessage"], "boom")


class Chunked(RawClientCase):
    def test_chunked_event_and_chunked_202(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        event = {"chunked": "y" * 5000, "t": "\u00fc\u00df"}
        body = json.dumps(event, ensure_ascii=False).encode()
        chunks = [body[:1], (body[1:4000], ";name=value"), body[4000:4001], body[4001:]]
        raw = response("200 OK", event_headers(rid) + [("Transfer-Encoding", "chunked")], chunks=chunks)
        api.push_next(Reply(raw, split=1000, pause=0.001))
        api.push_post_reply(accepted(chunked=True, split=4))
        self.assertWire(api.wait_posts(1)[0], event, rid)
        rid2 = str(uuid.uuid4())
        api.push_next(next_reply({"after": "chunked"}, event_headers(rid2)))
        self.assertWire(api.wait_posts(2)[1], {"after": "chunked"}, rid2)
        self.assertEqual(api.connections, 1)


class ClosedConnections(RawClientCase):
    def test_connection_close_header(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        api.push_next(next_reply({"n": 1}, event_headers(rid)))
        api.push_post_reply(accepted(extra=[("Connection", "close")], close=True))
        self.assertWire(api.wait_posts(1)[0], {"n": 1}, rid)
        post = self.second_invoke_works(api, 2)
        self.assertEqual(post.connection, 2)

    def test_server_closes_after_a_response_without_saying_so(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        api.push_next(next_reply({"n": 1}, event_headers(rid)))
        api.push_post_reply(accepted(close=True))
        self.assertWire(api.wait_posts(1)[0], {"n": 1}, rid)
        self.second_invoke_works(api, 2)

    def test_body_delimited_by_close(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        raw = response("200 OK", event_headers(rid), json.dumps({"n": 1}).encode())
        api.push_next(Reply(raw, close=True))
        self.assertWire(api.wait_posts(1)[0], {"n": 1}, rid)
        self.assertEqual(api.connections, 2)  # the post needed a new one

    def test_request_lost_on_a_reused_connection_is_retried_once(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        api.push_next(next_reply({"n": 1}, event_headers(rid)))
        # The server reads the post and closes without answering: the client
        # sends it again on a fresh connection.
        api.push_post_reply(Reply(b"", drop=True))
        posts = api.wait_posts(2)
        self.assertEqual([p.path for p in posts], [posts[0].path] * 2)
        self.assertEqual([p.connection for p in posts], [1, 2])
        self.second_invoke_works(api, 2)


class Pipelining(RawClientCase):
    """After a completion the client sends the post and the next /next in
    one write (HTTP/1.1 pipelining), and reads answers that arrive together."""

    def test_next_is_sent_with_the_post(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        api.push_next(next_reply({"n": 1}, event_headers(rid)))
        self.assertWire(api.wait_posts(1)[0], {"n": 1}, rid)
        post = self.second_invoke_works(api, 1)
        with api.cond:
            requests = list(api.requests)
        self.assertEqual([r.method for r in requests[:4]], ["GET", "POST", "GET", "POST"])
        # The GET after each post was already in the server's buffer.
        self.assertTrue(requests[2].pipelined, requests)
        self.assertFalse(requests[1].pipelined, requests)
        self.assertEqual(post.connection, 1)

    def test_accepted_and_the_next_event_in_one_segment(self):
        api, _ = self.start_raw()
        rid, rid2 = str(uuid.uuid4()), str(uuid.uuid4())
        api.push_next(next_reply({"n": 1}, event_headers(rid)))
        both = accepted().raw + next_reply({"n": 2}, event_headers(rid2)).raw
        api.push_post_reply(Reply(both))
        api.push_next(Reply(b""))  # the second event went out with the 202
        posts = api.wait_posts(2)
        self.assertWire(posts[1], {"n": 2}, rid2)
        self.assertEqual(api.connections, 1)

    def test_stray_bytes_after_a_response_end_the_connection(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        raw = next_reply({"n": 1}, event_headers(rid)).raw + b"HTTP/1.1 200 garbage\r\n"
        api.push_next(Reply(raw))
        post = api.wait_posts(1)[0]
        self.assertWire(post, {"n": 1}, rid)
        # The bytes past the event were nobody's answer: the post went out
        # on a fresh connection instead of reading them as its 202.
        self.assertEqual(post.connection, 2)

    def test_error_post_also_carries_the_next(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        api.push_next(next_reply({"fail": True}, event_headers(rid)))
        post = api.wait_posts(1)[0]
        self.assertTrue(post.path.endswith("/error"), post)
        self.second_invoke_works(api, 1)
        with api.cond:
            self.assertTrue(api.requests[2].pipelined, api.requests)


class Polling(RawClientCase):
    """A 202 with `Portico-Poll-Us` (the server has a core to spare) makes the
    client poll for its next event for that long, on the CPU instead of
    asleep, at most 1 ms; without it the client sleeps as usual."""

    def main_thread_cpu_ns(self, child):
        pid = child.proc.pid
        with open("/proc/%d/task/%d/schedstat" % (pid, pid)) as f:
            return int(f.read().split()[0])

    def cpu_of_one_invoke(self, api, child, extra):
        """The main thread's CPU time for one invoke whose 202 carries
        `extra`, counted until 50 ms after its post (the next event never
        comes within that time)."""
        count = len(api.posts()) + 1
        api.push_post_reply(accepted(extra))
        before = self.main_thread_cpu_ns(child)
        api.push_next(next_reply({"n": count}, event_headers()))
        api.wait_posts(count)
        time.sleep(0.05)
        return self.main_thread_cpu_ns(child) - before

    def test_polls_only_when_the_202_says_so_and_for_at_most_1_ms(self):
        api, child = self.start_raw()
        self.cpu_of_one_invoke(api, child, None)  # warm-up: JIT, first connection
        plain, polled, capped = 0, 0, 0
        for _ in range(10):
            plain += self.cpu_of_one_invoke(api, child, None)
            polled += self.cpu_of_one_invoke(api, child, [("Portico-Poll-Us", "1000")])
            # An hour is asked for; 1 ms is granted.
            capped += self.cpu_of_one_invoke(api, child, [("Portico-Poll-Us", "3600000000")])
        ms = lambda ns: ns / 1e6
        # Ten windows of up to 1 ms each: well above the plain invokes, even
        # when a busy machine lets the poller have only part of its window.
        self.assertGreater(ms(polled - plain), 3.0, (ms(plain), ms(polled)))
        self.assertLess(ms(capped), ms(plain) + 10 * 1.0 + 20.0, (ms(plain), ms(capped)))
        # The loop still works after all that.
        self.second_invoke_works(api, 1)


class LargeBodies(RawClientCase):
    def test_six_megabyte_event(self):
        api, _ = self.start_raw()
        rid = str(uuid.uuid4())
        data = ("0123456789abcdef\u00e9" * 360000)[:6 * 1024 * 1024 - 100]
        api.push_next(next_reply({"data": data}, event_headers(rid)))
        body = api.wait_posts(1, timeout=30)[0].json()
        self.assertEqual(body["size"], len(data))
        self.assertEqual(body["sha256"], hashlib.sha256(data.encode()).hexdigest())

    def test_six_megabyte_response(self):
        api, _ = self.start_raw("index.big")
        rid = str(uuid.uuid4())
        api.push_next(next_reply({"size": 6 * 1024 * 1024}, event_headers(rid)))
        post = api.wait_posts(1, timeout=30)[0]
        self.assertEqual(len(post.body), 6 * 1024 * 1024 + 2)
        self.assertEqual(post.body[:3] + post.body[-3:], b'"xxxx"')


class MalformedResponses(RawClientCase):
    def assertTransportFailure(self, raw, reason):
        api, child = self.start_raw()
        api.push_next(Reply(raw))
        # Like a failed connection: the top-level error path posts an init
        # error (no invoke is current) and exits with 129.
        post = api.wait_posts(1)[0]
        self.assertEqual(post.path, "/2018-06-01/runtime/init/error")
        self.assertEqual(child.wait_exit(), 129)
        # The same words as Node's http client.
        child.wait_line(r"\tINFO\tUnexpected Top Level Error: Error: Parse Error: %s$" % re.escape(reason))
        self.assertEqual(post.json()["errorMessage"], "Parse Error: %s" % reason)

    def test_not_http(self):
        self.assertTransportFailure(b"SSH-2.0-OpenSSH\r\n\r\n", "Expected HTTP/, RTSP/ or ICE/")

    def test_bad_header_line(self):
        raw = b"HTTP/1.1 200 OK\r\nno colon here\r\ncontent-length: 2\r\n\r\n{}"
        self.assertTransportFailure(raw, "Invalid header token")

    def test_bad_content_length(self):
        raw = b"HTTP/1.1 200 OK\r\ncontent-length: 2x\r\n\r\n{}"
        self.assertTransportFailure(raw, "Invalid character in Content-Length")

    def test_bad_chunk_size(self):
        raw = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
        self.assertTransportFailure(raw, "Invalid character in chunk size")

    def test_bare_lf_line_end(self):
        raw = b"HTTP/1.1 200 OK\r\nx: y\ncontent-length: 2\r\n\r\n{}"
        self.assertTransportFailure(raw, "Missing expected CR after header value")

    def test_folded_header(self):
        raw = b"HTTP/1.1 200 OK\r\nx: a\r\n  b\r\ncontent-length: 2\r\n\r\n{}"
        self.assertTransportFailure(raw, "Unexpected whitespace after header value")

    def test_control_character_in_a_value(self):
        raw = b"HTTP/1.1 200 OK\r\nx: a\x01b\r\ncontent-length: 2\r\n\r\n{}"
        self.assertTransportFailure(raw, "Invalid header value char")

    def test_two_content_lengths(self):
        raw = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\n{}"
        self.assertTransportFailure(raw, "Duplicate Content-Length")

    def test_content_length_with_transfer_encoding(self):
        raw = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
        self.assertTransportFailure(raw, "Transfer-Encoding can't be present with Content-Length")

    def test_connection_closed_mid_body(self):
        api, child = self.start_raw()
        api.push_next(Reply(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{}", close=True))
        self.assertEqual(api.wait_posts(1)[0].path, "/2018-06-01/runtime/init/error")
        self.assertEqual(child.wait_exit(), 129)
        child.wait_line(r"\tINFO\tUnexpected Top Level Error: Error: aborted$")
