"""Portico's Python runtime bootstrap.

Started as ``python3 bootstrap.py`` with cwd = LAMBDA_TASK_ROOT, the handler in
``_HANDLER`` and the Runtime API (2018-06-01) at ``http://$AWS_LAMBDA_RUNTIME_API``.
It reproduces the semantics of AWS's managed python runtimes
(awslambdaric/bootstrap.py): handler import and its init-error types, event
unmarshalling, the success/error payloads, the context object and the logging
set-up. Standard library only (Python 3.8+).

The file must keep the name ``bootstrap.py``: frames whose file name contains
``/bootstrap.py`` are stripped from reported stack traces, as on AWS.
"""

import decimal
import http.client
import importlib
import json
import logging
import math
import os
import re
import sys
import time
import traceback
import uuid

ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE: how AWS indents traceback lines

LAMBDA_UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this "
    "error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


# ---------------------------------------------------------------------------
# JSON encoding (awslambdaric uses simplejson; this reproduces its output for
# the cases that matter: Decimal written as its exact digits, ensure_ascii off
# on python3.12+ runtimes).


def _ensure_ascii():
    match = re.match(r"^AWS_Lambda_python3\.(\d+)$", os.environ.get("AWS_EXECUTION_ENV", ""))
    return not (match and int(match.group(1)) >= 12)


_DECIMAL_NONCE = uuid.uuid4().hex
_DECIMAL_MARK = "\x00portico-decimal-%s\x00" % _DECIMAL_NONCE
_DECIMAL_PATTERN = re.compile(
    '"' + re.escape(json.dumps(_DECIMAL_MARK)[1:-1]) + '([^"]*)"'
)


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            # The stdlib cannot emit raw JSON from default(): emit a marked
            # string and unwrap it after encoding. The mark holds a NUL, which
            # JSON always escapes, plus a per-process nonce, so user strings
            # cannot collide with it.
            return _DECIMAL_MARK + str(o)
        return super().default(o)


def to_json(obj):
    encoded = _Encoder(ensure_ascii=_ensure_ascii()).encode(obj)
    if _DECIMAL_NONCE in encoded:
        encoded = _DECIMAL_PATTERN.sub(lambda m: m.group(1), encoded)
    return encoded


def unmarshal_request(body, content_type):
    # Anything but exactly application/json (including no header) stays bytes.
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(
            FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None
        )


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None
        )


# ---------------------------------------------------------------------------
# Runtime API client: one persistent HTTP/1.1 connection, no timeout (the
# /next long-poll may wait indefinitely).


class RuntimeClient(object):
    def __init__(self, address):
        self.address = address
        self.conn = http.client.HTTPConnection(address)

    def _exchange(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            try:
                self.conn.request(method, "/2018-06-01" + path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.address)
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def wait_next_invocation(self):
        response, body = self._exchange("GET", "/runtime/invocation/next")
        if response.status != 200:
            raise RuntimeError(
                "LAMBDA_RUNTIME Failed to get next invocation: {} {}".format(response.status, body)
            )
        return body, response

    def post_invocation_result(self, invoke_id, result, content_type):
        # Any status (e.g. 413 for an oversize payload, answered to the invoker
        # by the server) ends this invoke; the loop carries on.
        self._exchange(
            "POST",
            "/runtime/invocation/{}/response".format(invoke_id),
            body=result,
            headers={"Content-Type": content_type},
        )

    def post_invocation_error(self, invoke_id, error_result, xray_fault):
        headers = {"Content-Type": "application/json"}
        headers.update(_error_type_header(error_result.get("errorType")))
        # AWS drops the X-Ray cause when it would reach 1 MiB.
        if len(xray_fault.encode()) < 1024 * 1024:
            headers["Lambda-Runtime-Function-XRay-Error-Cause"] = xray_fault
        self._exchange(
            "POST",
            "/runtime/invocation/{}/error".format(invoke_id),
            body=to_json(error_result).encode("utf-8"),
            headers=headers,
        )

    def post_init_error(self, error_result):
        headers = {"Content-Type": "application/json"}
        headers.update(_error_type_header(error_result.get("errorType")))
        self._exchange(
            "POST", "/runtime/init/error", body=to_json(error_result).encode("utf-8"), headers=headers
        )


def _error_type_header(error_type):
    # Header values must be visible ASCII; the type only feeds server metrics.
    if isinstance(error_type, str) and re.match(r"^[\x21-\x7e]+$", error_type):
        return {"Lambda-Runtime-Function-Error-Type": error_type}
    return {}


# ---------------------------------------------------------------------------
# Context object (awslambdaric/lambda_context.py field set)


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id={},cognito_identity_pool_id={}])".format(
            self.cognito_identity_id, self.cognito_identity_pool_id
        )


class Client(object):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __repr__(self):
        return "Client([{}])".format(",".join("{}={}".format(k, getattr(self, k)) for k in self.__slots__))


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom={},env={},client={}])".format(self.custom, self.env, self.client)


def _obj_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field, None))
    return obj


W3C_ALLOWED_FIELDS = ("traceparent", "tracestate", "baggage")


class LambdaContext(object):
    def __init__(self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn, tenant_id):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self._w3c_fields = {}
        # The W3C trace context travels in clientContext.w3c; AWS moves it out
        # of client_context and exposes the allowed string fields via w3c().
        if isinstance(client_context, dict) and "w3c" in client_context:
            raw = client_context.pop("w3c")
            if isinstance(raw, dict):
                self._w3c_fields = {k: raw[k] for k in W3C_ALLOWED_FIELDS if isinstance(raw.get(k), str)}
        self.client_context = _obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _obj_from_dict(Client, self.client_context.client)
        self.identity = _obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        delta = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta if delta > 0 else 0  # clamped, unlike Node

    def w3c(self):
        return dict(self._w3c_fields)

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id={},log_group_name={},log_stream_name={},function_name={},"
            "memory_limit_in_mb={},function_version={},invoked_function_arn={},client_context={},"
            "identity={},tenant_id={}])"
        ).format(
            self.aws_request_id,
            self.log_group_name,
            self.log_stream_name,
            self.function_name,
            self.memory_limit_in_mb,
            self.function_version,
            self.invoked_function_arn,
            self.client_context,
            self.identity,
            self.tenant_id,
        )


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse {} JSON: {}".format(name, str(e)),
            None,
        )


# ---------------------------------------------------------------------------
# Logging


_AWS_REQUEST_ID = None
_TENANT_ID = None


class _Unbuffered(object):
    """Flush after every write so no line is lost if the process dies."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class _StdoutHandler(logging.Handler):
    def emit(self, record):
        sys.stdout.write(self.format(record))


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _AWS_REQUEST_ID or ""
        record.tenant_id = _TENANT_ID
        return True


def _setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    # AWS maps TRACE to DEBUG before upper-casing; unknown names leave the
    # root logger at Python's default (WARNING).
    raw = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    level = {None: "", "TRACE": "DEBUG"}.get(raw, raw).upper()
    root = logging.getLogger()
    if level in logging._nameToLevel:
        root.setLevel(level)
    handler.addFilter(_RequestIdFilter())
    root.addHandler(handler)


def _replace_indentation(line):
    count = len(line) - len(line.lstrip(" "))
    return ERROR_LOG_IDENT * count + line[count:]


def log_error(error_result):
    """`[ERROR] Type: msg\\rTraceback (most recent call last):\\r...` on one line."""
    description = "[ERROR]"
    error_type = error_result.get("errorType")
    if error_type:
        description += " " + error_type
    message = error_result.get("errorMessage")
    if message:
        if error_type:
            description += ":"
        description += " " + message
    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
            else:
                lines.extend(_replace_indentation(x) for x in element.splitlines())
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


# ---------------------------------------------------------------------------
# Errors


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    # Key order is part of the wire format.
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    # Drop the leading frames that belong to this file.
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0]:
            return frames[i:]
    return frames


def make_xray_fault(ex_type, ex_msg, working_dir, frames):
    stack = [{"label": f[2], "path": f[0], "line": f[1]} for f in frames]
    return {
        "working_directory": working_dir,
        "exceptions": [{"message": ex_msg, "type": ex_type, "stack": stack}],
        "paths": list({f[0] for f in frames}),
    }


def build_fault_result(exc_info):
    etype, value, tb = exc_info
    frames = _user_frames(tb)
    return make_error(str(value), etype.__name__, traceback.format_list(frames))


# ---------------------------------------------------------------------------
# Handler loading and the invoke loop


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e))
        )
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e))
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname), None
        )


def handle_event_request(client, request_handler, invoke_id, body, response):
    header = response.getheader
    error_result = None
    xray_fault = None
    try:
        client_context = header("Lambda-Runtime-Client-Context")
        cognito_identity = header("Lambda-Runtime-Cognito-Identity")
        context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            int(header("Lambda-Runtime-Deadline-Ms") or 0),
            header("Lambda-Runtime-Invoked-Function-Arn"),
            header("Lambda-Runtime-Aws-Tenant-Id"),
        )
        event = unmarshal_request(body, header("Content-Type"))
        result, content_type = marshal_response(request_handler(event, context))
    except FaultException as e:
        xray_fault = make_xray_fault("LambdaValidationError", e.msg, os.getcwd(), [])
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        etype, value, tb = sys.exc_info()
        frames = _user_frames(tb)
        xray_fault = make_xray_fault(etype.__name__, str(value), os.getcwd(), frames)
        error_result = make_error(str(value), etype.__name__, traceback.format_list(frames), invoke_id)

    if error_result is not None:
        log_error(error_result)
        client.post_invocation_error(invoke_id, error_result, to_json(xray_fault))
    else:
        client.post_invocation_result(invoke_id, result, content_type)


def main():
    global _AWS_REQUEST_ID, _TENANT_ID
    sys.stdout = _Unbuffered(sys.stdout)
    sys.stderr = _Unbuffered(sys.stderr)

    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # `python3 bootstrap.py` put this file's directory first on sys.path; user
    # code must see the task root there instead, as on AWS.
    sys.path[0] = task_root

    client = RuntimeClient(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))
    try:
        _setup_logging()
        request_handler = get_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        if isinstance(e, FaultException):
            error_result = make_error(e.msg, e.exception_type, e.trace)
        else:
            error_result = build_fault_result(sys.exc_info())
        logging.warning(LAMBDA_UNHANDLED_EXCEPTION_WARNING)
        log_error(error_result)
        client.post_init_error(error_result)
        sys.exit(1)

    while True:
        body, response = client.wait_next_invocation()
        invoke_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        _AWS_REQUEST_ID = invoke_id
        _TENANT_ID = response.getheader("Lambda-Runtime-Aws-Tenant-Id")
        trace_id = response.getheader("Lambda-Runtime-Trace-Id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        elif "_X_AMZN_TRACE_ID" in os.environ:
            del os.environ["_X_AMZN_TRACE_ID"]
        handle_event_request(client, request_handler, invoke_id, body, response)


if __name__ == "__main__":
    main()
