"""The Node bootstrap against the mock Runtime API: every row of the
invocation-flow and error-payload tables, handler resolution, init errors,
log format and warm reuse."""

import json
import time
import unittest

from harness import ISO, BootstrapCase

HANDLED_GETTER = (
    "callback called with Error argument, but there was a problem while retrieving "
    "one or more of its message, name, and stack"
)


class NodeCase(BootstrapCase):
    RUNTIME = "node"
    FIXTURE = "node"

    def run_one(self, handler, event=None, **kw):
        api, child = self.start(handler)
        post = self.invoke(api, {"k": 1} if event is None else event, **kw)
        return api, child, post

    def assertSuccess(self, handler, expected_body):
        _, _, post = self.run_one(handler)
        self.assertEqual((post.kind, post.status), ("response", 202))
        self.assertEqual(post.body, expected_body)
        self.assertEqual(post.headers.get("content-type"), "application/json")
        return post

    def assertErrorPayload(self, handler, expected):
        _, child, post = self.run_one(handler)
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.json(), expected)
        return post, child

    def assertNativeError(self, post, error_type, message):
        body = post.json()
        self.assertEqual(list(body), ["errorType", "errorMessage", "trace"])
        self.assertEqual(body["errorType"], error_type)
        self.assertEqual(body["errorMessage"], message)
        self.assertEqual(body["trace"][0], "%s: %s" % (error_type, message))
        self.assertTrue(body["trace"][1].startswith("    at "), body["trace"])
        self.assertEqual(post.headers.get("lambda-runtime-function-error-type"), error_type)
        self.assertEqual(post.headers.get("content-type"), "application/json")


class InvocationFlow(NodeCase):
    def test_async_result_and_event_is_parsed(self):
        self.assertSuccess("index.asyncEcho", b'{"ok":true,"event":{"k":1}}')

    def test_undefined_result_is_null(self):
        self.assertSuccess("index.asyncUndefined", b"null")

    def test_string_result_is_a_json_string(self):
        self.assertSuccess("index.asyncString", b'"hi"')

    def test_returned_thenable(self):
        self.assertSuccess("index.promiseOk", b'{"via":"promise"}')

    def test_async_reject_with_null_is_handled(self):
        self.assertErrorPayload(
            "index.asyncRejectNull", {"errorType": "string", "errorMessage": "handled", "trace": []}
        )

    def test_async_throw_payload_and_log_line(self):
        _, child, post = self.run_one("index.asyncThrow")
        self.assertNativeError(post, "Error", "boom")
        m = child.wait_line(r"^(%s)\t([0-9a-f-]+)\tERROR\tInvoke Error \t(\{.*\})$" % ISO)
        self.assertEqual(m.group(2), post.request_id)
        logged = json.loads(m.group(3))
        self.assertEqual(logged["errorType"], "Error")
        self.assertEqual(logged["errorMessage"], "boom")
        self.assertEqual(logged["code"], "E42")  # enumerable props are logged...
        self.assertEqual(logged["extra"], {"detail": 1})
        self.assertEqual(logged["stack"][0], "Error: boom")
        self.assertNotIn("code", post.json())  # ...but never posted

    def test_unserialisable_result(self):
        _, _, post = self.run_one("index.asyncCyclic")
        self.assertNativeError(post, "Error", "Unable to stringify response body")

    def test_async_handler_that_never_settles(self):
        _, _, post = self.run_one("index.asyncNeverSettles")
        self.assertNativeError(
            post,
            "Runtime.NodeJsExit",
            "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly "
            "caused by a Promise that was never settled. For more information, see "
            "https://nodejs.org/docs/latest/api/process.html#exit-codes",
        )

    def test_plain_handler_without_completion_succeeds_with_null_once_loop_drains(self):
        _, child, post = self.run_one("index.noCompletion")
        self.assertEqual((post.kind, post.body), ("response", b"null"))
        child.wait_line(r"\tINFO\ttimer ran$")

    def test_sync_throw(self):
        _, _, post = self.run_one("index.syncThrow")
        self.assertNativeError(post, "Error", "sync")

    def test_throw_string(self):
        self.assertErrorPayload("index.throwString", {"errorType": "string", "errorMessage": "x", "trace": []})

    def test_non_json_event_goes_to_callback_error(self):
        _, _, post = self.run_one("index.asyncEcho", raw=b"not json")
        body = post.json()
        self.assertEqual(body["errorType"], "SyntaxError")
        self.assertTrue(body["errorMessage"].startswith("Unexpected token"), body)


class Callbacks(NodeCase):
    def test_callback_success(self):
        self.assertSuccess("index.callbackOk", b'{"a":1}')

    def test_callback_undefined_error_is_success(self):
        self.assertSuccess("index.callbackUndefinedErr", b'"x"')

    def test_callback_string(self):
        self.assertErrorPayload(
            "index.callbackString", {"errorType": "string", "errorMessage": "a string", "trace": []}
        )

    def test_callback_json_string(self):
        self.assertErrorPayload(
            "index.callbackJsonString", {"errorType": "string", "errorMessage": '{"a":1}', "trace": []}
        )

    def test_callback_object(self):
        self.assertErrorPayload(
            "index.callbackObject", {"errorType": "object", "errorMessage": "[object Object]", "trace": []}
        )

    def test_callback_number(self):
        self.assertErrorPayload("index.callbackNumber", {"errorType": "number", "errorMessage": "42", "trace": []})

    def test_callback_error_with_failing_getter(self):
        post, _ = self.assertErrorPayload(
            "index.callbackGetterFails", {"errorType": "handled", "errorMessage": HANDLED_GETTER}
        )
        self.assertEqual(post.headers.get("lambda-runtime-function-error-type"), "handled")

    def test_del_characters_are_escaped(self):
        _, _, post = self.run_one("index.callbackDel")
        body = post.json()
        self.assertEqual(body["errorType"], "Odd%7FError")
        self.assertEqual(body["errorMessage"], "bad%7Fmessage")
        # V8 renders the stack header lazily, so it shows the renamed error.
        self.assertEqual(body["trace"][0], "Odd%7FError: bad%7Fmessage")

    def test_callback_waits_for_empty_event_loop(self):
        api, _ = self.start("index.callbackWaits")
        started = time.time()
        post = self.invoke(api, {})
        self.assertEqual(post.body, b'{"fired":true}')
        self.assertGreaterEqual(time.time() - started, 0.25)

    def test_callback_without_waiting(self):
        self.assertSuccess("index.callbackNoWait", b'{"fired":false}')

    def test_callback_error_is_posted_immediately(self):
        api, _ = self.start("index.callbackErrorDoesNotWait")
        started = time.time()
        post = self.invoke(api, {})
        self.assertEqual(post.json()["errorMessage"], "now")
        self.assertLess(time.time() - started, 1.2)

    def test_succeed_fail_done(self):
        self.assertSuccess("index.succeed", b'{"s":1}')
        self.assertSuccess("index.doneOk", b'"done"')
        self.assertSuccess("index.succeedDoesNotWait", b'{"fired":false}')
        _, _, post = self.run_one("index.fail")
        self.assertNativeError(post, "Error", "failed")
        _, _, post = self.run_one("index.doneErr")
        self.assertNativeError(post, "TypeError", "done err")
        self.assertErrorPayload("index.failNoArg", {"errorType": "string", "errorMessage": "handled", "trace": []})

    def test_only_the_first_completion_counts(self):
        api, _, post = self.run_one("index.twice")
        self.assertEqual(post.body, b"1")
        api.wait_next_calls(2)  # the loop moved on
        time.sleep(0.2)
        self.assertEqual(len(api.posts), 1, api.posts)

    def test_second_complete_logs_the_aws_message(self):
        api, child = self.start("index.completeTwice")
        api.push({})
        child.wait_line(
            r"\tERROR\tInvocation has already been reported as done\. "
            r"Cannot call complete more than once per invocation\.$"
        )
        time.sleep(0.2)
        self.assertEqual(api.posts, [])


class ProcessLevelErrors(NodeCase):
    def test_unhandled_rejection_posts_and_exits_128(self):
        api, child, post = self.run_one("index.unhandledRejection")
        self.assertNativeError(post, "Runtime.UnhandledPromiseRejection", "Error: yikes")
        self.assertEqual(child.wait_exit(), 128)
        child.wait_line(r"\tERROR\tUnhandled Promise Rejection \t\{\"errorType\":\"Runtime.UnhandledPromiseRejection\"")

    def test_uncaught_exception_during_invoke_posts_and_exits_129(self):
        _, child, post = self.run_one("index.uncaught")
        self.assertNativeError(post, "Error", "late throw")
        self.assertEqual(child.wait_exit(), 129)
        child.wait_line(r"\tERROR\tUncaught Exception \t\{\"errorType\":\"Error\",\"errorMessage\":\"late throw\"")

    def test_oversize_response_gets_413_and_the_loop_continues(self):
        api, _ = self.start("index.big", max_payload=100)
        first = self.invoke(api, {"size": 200})
        self.assertEqual((first.kind, first.status), ("response", 413))
        second = self.invoke(api, {"size": 3})
        self.assertEqual((second.status, second.body), (202, b'"xxx"'))
        self.assertEqual(len(api.posts), 2)


class Context(NodeCase):
    def test_context_fields(self):
        api, _ = self.start("index.context")
        post = self.invoke(
            api,
            {},
            extra_headers={
                "Lambda-Runtime-Client-Context": '{"custom":{"a":"b"},"env":{},"client":{}}',
                "Lambda-Runtime-Cognito-Identity": '{"cognitoIdentityId":"id1","cognitoIdentityPoolId":"pool1"}',
            },
        )
        body = post.json()
        self.assertEqual(body["awsRequestId"], post.request_id)
        self.assertEqual(body["invokedFunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:fn")
        self.assertEqual(body["functionName"], "fn")
        self.assertEqual(body["functionVersion"], "$LATEST")
        self.assertEqual(body["memoryLimitInMB"], "128")
        self.assertEqual(body["logGroupName"], "/aws/lambda/fn")
        self.assertEqual(body["logStreamName"], "2024/08/18/[$LATEST]60cefc4c4d174d898e4dbb301f9f10ef")
        self.assertEqual(body["clientContext"], {"custom": {"a": "b"}, "env": {}, "client": {}})
        self.assertEqual(body["identity"], {"cognitoIdentityId": "id1", "cognitoIdentityPoolId": "pool1"})
        self.assertTrue(29000 < body["remaining"] <= 30000, body["remaining"])
        self.assertIs(body["waits"], True)
        self.assertEqual(body["trace"], "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
        self.assertEqual(
            body["keys"],
            ["callbackWaitsForEmptyEventLoop", "succeed", "fail", "done", "functionVersion", "functionName",
             "memoryLimitInMB", "logGroupName", "logStreamName", "clientContext", "identity",
             "invokedFunctionArn", "awsRequestId", "tenantId", "getRemainingTimeInMillis"],
        )
        # Next invoke: no trace header, so the variable is deleted; no client
        # context or identity; an expired deadline is not clamped.
        body = self.invoke(api, {}, trace_id="", timeout_ms=-5000).json()
        self.assertEqual(body["trace"], "unset")
        self.assertEqual((body["clientContext"], body["identity"]), ("undefined", "undefined"))
        self.assertLess(body["remaining"], -4000)

    def test_unparseable_client_context(self):
        api, _ = self.start("index.context")
        post = self.invoke(api, {}, extra_headers={"Lambda-Runtime-Client-Context": "{nope"})
        body = post.json()
        self.assertEqual(body["errorType"], "Error")
        self.assertTrue(body["errorMessage"].startswith("Cannot parse ClientContext as json: SyntaxError: "), body)

    def test_warm_reuse_keeps_globals(self):
        api, _ = self.start("index.counter")
        self.assertEqual(self.invoke(api, {}).body, b'{"invocations":1}')
        self.assertEqual(self.invoke(api, {}).body, b'{"invocations":2}')


class Logging(NodeCase):
    def test_text_lines(self):
        _, child, post = self.run_one("index.logs")
        rid = post.request_id
        child.wait_line("FATAL")
        lines = child.lines()
        self.assertEqual(len(lines), 7, lines)
        expected = [
            ("INFO", "log 5\rsecond"),
            ("INFO", "info { a: 1 }"),
            ("WARN", "warn"),
            ("ERROR", "error"),
            ("DEBUG", "debug"),
            ("TRACE", "trace"),
            ("FATAL", "fatal"),
        ]
        for line, (level, message) in zip(lines, expected):
            self.assertRegex(line, r"^%s\t%s\t%s\t" % (ISO, rid, level))
            self.assertEqual(line.split("\t", 3)[3], message)

    def test_log_level_filter(self):
        api, child = self.start("index.logs", env={"AWS_LAMBDA_LOG_LEVEL": "warn"})
        self.invoke(api, {})
        child.wait_line("FATAL")
        self.assertEqual([line.split("\t")[2] for line in child.lines()], ["WARN", "ERROR", "FATAL"])

    def test_json_format(self):
        api, child = self.start("index.logs", env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
        rid = self.invoke(api, {}).request_id
        child.wait_line("FATAL")
        first = json.loads(child.lines()[0])
        self.assertEqual(list(first), ["timestamp", "level", "requestId", "message"])
        self.assertEqual((first["level"], first["requestId"], first["message"]), ("INFO", rid, "log 5\nsecond"))


class HandlerResolution(NodeCase):
    def test_resolution_cases(self):
        cases = [
            ("src/lib/app.handler", b'"nested dir"'),
            ("app.handlers.main", b'"nested property"'),
            ("esm.handler", b'"esm"'),
            ("esm.default", b'"default export"'),
            ("esmpkg/index.handler", b'{"type":"module","file":"index.js"}'),
            ("legacy.handler", b'"cjs"'),
            ("mypkg.handler", b'"from node_modules"'),
            ("plain.handler", b'"extensionless"'),
        ]
        for handler, expected in cases:
            with self.subTest(handler=handler):
                self.assertSuccess(handler, expected)


class InitErrors(NodeCase):
    def init_error(self, handler):
        api, child = self.start(handler)
        post = api.wait_posts(1)[0]
        self.assertEqual(post.kind, "init_error")
        self.assertEqual(child.wait_exit(), 129)
        body = post.json()
        self.assertEqual(list(body), ["errorType", "errorMessage", "trace"])
        self.assertEqual(post.headers.get("lambda-runtime-function-error-type"), body["errorType"])
        self.assertEqual(body["trace"][0], "%s: %s" % (body["errorType"], body["errorMessage"].split("\n")[0]))
        m = child.wait_line(r"^%s\tundefined\tERROR\tUncaught Exception \t(\{.*\})$" % ISO)
        logged = json.loads(m.group(1))
        self.assertEqual((logged["errorType"], logged["errorMessage"]), (body["errorType"], body["errorMessage"]))
        return body, child

    def test_syntax_error(self):
        body, _ = self.init_error("syntax.handler")
        self.assertEqual(body["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertEqual(body["errorMessage"], "SyntaxError: Unexpected end of input")

    def test_missing_module(self):
        body, _ = self.init_error("nope.handler")
        self.assertEqual(body["errorType"], "Runtime.ImportModuleError")
        self.assertEqual(body["errorMessage"], "Error: Cannot find module 'nope'\nRequire stack:\n- /var/runtime/index.mjs")

    def test_missing_dependency_of_the_handler_module(self):
        body, _ = self.init_error("requiresmissing.handler")
        self.assertEqual(body["errorType"], "Runtime.ImportModuleError")
        lines = body["errorMessage"].split("\n")
        self.assertEqual(lines[:2], ["Error: Cannot find module 'not-installed-anywhere'", "Require stack:"])
        self.assertTrue(lines[2].endswith("/fixtures/node/requiresmissing.js"), lines)
        self.assertEqual(lines[3:], ["- /var/runtime/index.mjs"])

    def test_handler_not_exported(self):
        body, _ = self.init_error("index.missing")
        self.assertEqual(body["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(body["errorMessage"], "index.missing is undefined or not exported")

    def test_handler_not_a_function(self):
        body, _ = self.init_error("index.notAFunction")
        self.assertEqual(body["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(body["errorMessage"], "index.notAFunction is not a function")

    def test_relative_path_rejected(self):
        body, _ = self.init_error("../index.handler")
        self.assertEqual(body["errorType"], "Runtime.MalformedHandlerName")
        self.assertEqual(
            body["errorMessage"],
            "'../index.handler' is not a valid handler name. Use absolute paths when specifying root "
            "directories in handler names.",
        )

    def test_no_dot(self):
        body, _ = self.init_error("index")
        self.assertEqual((body["errorType"], body["errorMessage"]), ("Runtime.MalformedHandlerName", "Bad handler"))

    def test_module_throws_at_load(self):
        body, child = self.init_error("initthrow.handler")
        self.assertEqual((body["errorType"], body["errorMessage"]), ("Error", "init boom"))
        self.assertRegex(child.lines()[0], r"^%s\tundefined\tINFO\tloading initthrow$" % ISO)

    def test_unhandled_rejection_during_init_exits_128(self):
        api, child = self.start("initreject.handler")
        post = api.wait_posts(1)[0]
        self.assertEqual(post.kind, "init_error")
        self.assertEqual(post.json()["errorType"], "Runtime.UnhandledPromiseRejection")
        self.assertEqual(post.json()["errorMessage"], "Error: init rejected")
        self.assertEqual(child.wait_exit(), 128)


if __name__ == "__main__":
    unittest.main()
