"""The Python bootstrap against the mock Runtime API: payload encoding, error
bodies, init errors, logging format, context fields and warm reuse."""

import json
import os
import unittest

from harness import FIXTURES, ISO, BootstrapCase

HANDLERS_PY = os.path.join(FIXTURES, "python", "handlers.py")
NBSP = "\u00a0"


class PythonCase(BootstrapCase):
    RUNTIME = "python"
    FIXTURE = "python"

    def run_one(self, handler, event=None, env=None, **kw):
        api, child = self.start(handler, env=env)
        post = self.invoke(api, {"k": 1} if event is None else event, **kw)
        return api, child, post


class Payloads(PythonCase):
    def test_json_event_and_result(self):
        _, _, post = self.run_one("handlers.echo")
        self.assertEqual((post.kind, post.status), ("response", 202))
        self.assertEqual(post.body, b'{"event": {"k": 1}, "type": "dict"}')
        self.assertEqual(post.headers["content-type"], "application/json")

    def test_other_content_types_pass_raw_bytes(self):
        _, _, post = self.run_one("handlers.echo", raw=b"plain text", content_type="text/plain")
        self.assertEqual(post.json(), {"event": "plain text", "type": "bytes"})

    def test_missing_content_type_passes_raw_bytes(self):
        _, _, post = self.run_one("handlers.echo", raw=b"{}", content_type=None)
        self.assertEqual(post.json(), {"event": "{}", "type": "bytes"})

    def test_none_is_null(self):
        _, _, post = self.run_one("handlers.none")
        self.assertEqual(post.body, b"null")

    def test_bytes_returned_raw(self):
        _, _, post = self.run_one("handlers.raw_bytes")
        self.assertEqual(post.body, b"\x00raw\xffbytes")
        self.assertEqual(post.headers["content-type"], "application/unknown")

    def test_decimal_keeps_its_digits(self):
        _, _, post = self.run_one("handlers.dec")
        self.assertEqual(post.body, b'{"price": 1.10, "big": 12345678901234567890.5, "text": "h\\u00e9"}')

    def test_python312_runtimes_do_not_escape_unicode(self):
        _, _, post = self.run_one("handlers.dec", env={"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})
        self.assertEqual(post.body, '{"price": 1.10, "big": 12345678901234567890.5, "text": "h\u00e9"}'.encode())

    def test_unencodable_result(self):
        _, _, post = self.run_one("handlers.unencodable")
        self.assertEqual(post.kind, "error")
        self.assertEqual(
            post.body.decode(),
            json.dumps({
                "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
                "errorType": "Runtime.MarshalError",
                "requestId": post.request_id,
                "stackTrace": [],
            }),
        )

    def test_invalid_json_event(self):
        _, _, post = self.run_one("handlers.echo", raw=b"{nope")
        body = post.json()
        self.assertEqual(body["errorType"], "Runtime.UnmarshalError")
        self.assertEqual(
            body["errorMessage"], "Unable to unmarshal input: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)"
        )

    def test_oversize_response_gets_413_and_the_loop_continues(self):
        api, _ = self.start("handlers.big", max_payload=100)
        self.assertEqual(self.invoke(api, {"size": 200}).status, 413)
        second = self.invoke(api, {"size": 3})
        self.assertEqual((second.status, second.body), (202, b'"xxx"'))


class InvokeErrors(PythonCase):
    def test_error_body_and_log_line(self):
        _, child, post = self.run_one("handlers.fail")
        frame = '  File "%s", line 33, in fail\n    raise Exception("x")\n' % HANDLERS_PY
        # Exact bytes: the key order is part of the format.
        self.assertEqual(
            post.body.decode(),
            json.dumps({
                "errorMessage": "x",
                "errorType": "Exception",
                "requestId": post.request_id,
                "stackTrace": [frame],
            }),
        )
        self.assertEqual(post.headers["lambda-runtime-function-error-type"], "Exception")
        self.assertEqual(post.headers["content-type"], "application/json")
        expected_log = "\r".join([
            "[ERROR] Exception: x",
            "Traceback (most recent call last):",
            NBSP * 2 + 'File "%s", line 33, in fail' % HANDLERS_PY,
            NBSP * 4 + 'raise Exception("x")',
        ])
        child.wait_line("^" + expected_log.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                        .replace("]", r"\]").replace(".", r"\.") + "$")

    def test_bootstrap_frames_are_stripped(self):
        _, _, post = self.run_one("handlers.fail_nested")
        trace = post.json()["stackTrace"]
        self.assertEqual(len(trace), 2, trace)
        self.assertTrue(trace[0].startswith('  File "%s", line' % HANDLERS_PY))
        self.assertIn(", in fail_nested\n", trace[0])
        self.assertIn(", in inner\n", trace[1])
        self.assertEqual(post.json()["errorType"], "ValueError")


class InitErrors(PythonCase):
    def init_error(self, handler):
        api, child = self.start(handler)
        post = api.wait_posts(1)[0]
        self.assertEqual(post.kind, "init_error")
        self.assertEqual(child.wait_exit(), 1)
        body = post.json()
        self.assertEqual(list(body), ["errorMessage", "errorType", "requestId", "stackTrace"])
        self.assertEqual(body["requestId"], "")
        self.assertEqual(post.headers["lambda-runtime-function-error-type"], body["errorType"])
        child.wait_line(r"^\[WARNING\]\t%s\t\tLAMBDA_WARNING: Unhandled exception\. The most likely cause" % ISO)
        child.wait_line(r"^\[ERROR\] %s: " % body["errorType"].replace(".", r"\."))
        return body

    def test_malformed_handler_name(self):
        body = self.init_error("handlers")
        self.assertEqual(body["errorType"], "Runtime.MalformedHandlerName")
        self.assertEqual(body["errorMessage"], "Bad handler 'handlers': not enough values to unpack (expected 2, got 1)")

    def test_builtin_module_conflict(self):
        body = self.init_error("sys.handler")
        self.assertEqual(body["errorType"], "Runtime.BuiltInModuleConflict")
        self.assertEqual(body["errorMessage"], "Cannot use built-in module sys as a handler module")

    def test_missing_module(self):
        body = self.init_error("nomod.handler")
        self.assertEqual(body["errorType"], "Runtime.ImportModuleError")
        self.assertEqual(body["errorMessage"], "Unable to import module 'nomod': No module named 'nomod'")

    def test_missing_dependency(self):
        body = self.init_error("import_err.handler")
        self.assertEqual(body["errorType"], "Runtime.ImportModuleError")
        self.assertEqual(
            body["errorMessage"], "Unable to import module 'import_err': No module named 'not_installed_anywhere'"
        )

    def test_syntax_error(self):
        body = self.init_error("syntax_err.handler")
        self.assertEqual(body["errorType"], "Runtime.UserCodeSyntaxError")
        path = os.path.join(FIXTURES, "python", "syntax_err.py")
        self.assertTrue(body["errorMessage"].startswith("Syntax error in module 'syntax_err': "), body)
        self.assertTrue(body["errorMessage"].endswith("(syntax_err.py, line 1)"), body)
        self.assertEqual(body["stackTrace"], ['  File "%s" Line 1\n    def handler(event, context)\n' % path])

    def test_handler_not_found(self):
        body = self.init_error("handlers.nope")
        self.assertEqual(body["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(body["errorMessage"], "Handler 'nope' missing on module 'handlers'")
        self.assertEqual(body["stackTrace"], [])

    def test_exception_while_importing_keeps_its_type(self):
        body = self.init_error("init_raise.handler")
        self.assertEqual((body["errorType"], body["errorMessage"]), ("Exception", "init boom"))
        self.assertTrue(body["stackTrace"][-1].endswith('    raise Exception("init boom")\n'), body)
        self.assertFalse(any("/bootstrap.py" in frame for frame in body["stackTrace"]), body)


class HandlerNames(PythonCase):
    def test_slash_and_dot_module_paths(self):
        for handler in ("pkg/sub/mod.fn", "pkg.sub.mod.fn"):
            with self.subTest(handler=handler):
                _, _, post = self.run_one(handler)
                self.assertEqual(post.body, b'"nested module"')


class Logging(PythonCase):
    def test_default_level_is_warning(self):
        _, child, post = self.run_one("handlers.log")
        rid = post.request_id
        child.wait_line("error line")
        self.assertEqual(child.lines()[:2], ["printed", "raw"])
        rest = child.lines()[2:]
        self.assertEqual(len(rest), 2, rest)
        self.assertRegex(rest[0], r"^\[WARNING\]\t%s\t%s\twarn line$" % (ISO, rid))
        self.assertRegex(rest[1], r"^\[ERROR\]\t%s\t%s\terror line$" % (ISO, rid))

    def test_log_level_from_environment(self):
        api, child = self.start("handlers.log", env={"AWS_LAMBDA_LOG_LEVEL": "INFO"})
        rid = self.invoke(api, {}).request_id
        child.wait_line("error line")
        self.assertRegex(child.lines()[2], r"^\[INFO\]\t%s\t%s\tinfo line$" % (ISO, rid))


class Context(PythonCase):
    def test_context_fields(self):
        api, _ = self.start("handlers.ctx")
        post = self.invoke(
            api,
            {},
            extra_headers={
                "Lambda-Runtime-Client-Context": json.dumps(
                    {"custom": {"a": "b"}, "env": {"e": "1"}, "client": {"app_title": "app"}}
                ),
                "Lambda-Runtime-Cognito-Identity": '{"cognitoIdentityId":"id1","cognitoIdentityPoolId":"pool1"}',
                "Lambda-Runtime-Aws-Tenant-Id": "tenant-7",
            },
        )
        body = post.json()
        remaining = body.pop("remaining")
        self.assertTrue(29000 < remaining <= 30000, remaining)
        self.assertEqual(body, {
            "aws_request_id": post.request_id,
            "function_name": "fn",
            "function_version": "$LATEST",
            "invoked_function_arn": "arn:aws:lambda:us-east-1:000000000000:function:fn",
            "memory_limit_in_mb": "128",
            "log_group_name": "/aws/lambda/fn",
            "log_stream_name": "2024/08/18/[$LATEST]60cefc4c4d174d898e4dbb301f9f10ef",
            "client_custom": {"a": "b"},
            "client_env": {"e": "1"},
            "client_app_title": "app",
            "identity_id": "id1",
            "identity_pool": "pool1",
            "tenant_id": "tenant-7",
            "trace": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
        })
        # Second invoke: expired deadline (clamped to 0), no trace header, no
        # client context, identity present but empty.
        body = self.invoke(api, {}, trace_id="", timeout_ms=-5000).json()
        self.assertEqual(body["remaining"], 0)
        self.assertEqual(body["trace"], "unset")
        self.assertEqual((body["client_custom"], body["identity_id"], body["tenant_id"]), ("none", None, None))

    def test_unparseable_client_context(self):
        api, _ = self.start("handlers.ctx")
        post = self.invoke(api, {}, extra_headers={"Lambda-Runtime-Client-Context": "{nope"})
        body = post.json()
        self.assertEqual(body["errorType"], "Runtime.LambdaContextUnmarshalError")
        self.assertTrue(body["errorMessage"].startswith("Unable to parse Client Context JSON: "), body)

    def test_warm_reuse_keeps_globals(self):
        api, _ = self.start("handlers.counter")
        self.assertEqual(self.invoke(api, {}).body, b'{"invocations": 1}')
        self.assertEqual(self.invoke(api, {}).body, b'{"invocations": 2}')
        api.wait_next_calls(3)


if __name__ == "__main__":
    unittest.main()
