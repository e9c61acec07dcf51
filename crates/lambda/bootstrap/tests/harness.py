"""Shared test plumbing: start a bootstrap as a child process against a mock
Runtime API, capture its output, and always kill it afterwards."""

import os
import re
import subprocess
import sys
import threading
import time
import unittest

from mock_runtime_api import MockRuntimeApi

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NODE_BOOTSTRAP = os.path.join(ROOT, "node", "bootstrap.js")
PYTHON_BOOTSTRAP = os.path.join(ROOT, "python", "bootstrap.py")
FIXTURES = os.path.join(HERE, "fixtures")

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


class Child(object):
    def __init__(self, argv, cwd, env):
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.stdout = []
        self.stderr = []
        self.cond = threading.Condition()
        self.readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr), daemon=True),
        ]
        for r in self.readers:
            r.start()

    def _read(self, stream, sink):
        for raw in iter(stream.readline, b""):
            with self.cond:
                sink.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()

    def wait_line(self, pattern, timeout=10.0):
        """Wait for a stdout line matching `pattern` (a regex); returns the match."""
        regex = re.compile(pattern)
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for line in self.stdout:
                    m = regex.search(line)
                    if m:
                        return m
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no line matching %r in %r (stderr %r)" % (pattern, self.stdout, self.stderr))
                self.cond.wait(left)

    def lines(self):
        with self.cond:
            return list(self.stdout)

    def wait_exit(self, timeout=10.0):
        return self.proc.wait(timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        for r in self.readers:
            r.join(2)
        self.proc.stdout.close()
        self.proc.stderr.close()


class BootstrapCase(unittest.TestCase):
    """Subclasses set RUNTIME ("node" or "python") and FIXTURE (a dir under fixtures/)."""

    RUNTIME = None
    FIXTURE = None

    def start(self, handler, env=None, fixture=None, max_payload=6291556, api=None):
        """Starts the bootstrap against `api` (any object with `address` and
        `close()`), by default a new MockRuntimeApi."""
        if api is None:
            api = MockRuntimeApi(max_payload=max_payload)
        self.addCleanup(api.close)
        task_root = os.path.join(FIXTURES, fixture or self.FIXTURE)
        child_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": task_root,
            "AWS_LAMBDA_FUNCTION_NAME": "fn",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2024/08/18/[$LATEST]60cefc4c4d174d898e4dbb301f9f10ef",
            "AWS_REGION": "us-east-1",
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
        }
        child_env.update(env or {})
        if self.RUNTIME == "node":
            argv = ["node", NODE_BOOTSTRAP]
        else:
            argv = [sys.executable, PYTHON_BOOTSTRAP]
        child = Child(argv, task_root, child_env)
        self.addCleanup(child.kill)
        return api, child

    def invoke(self, api, event, **kw):
        """Queue one event and return the post that answers it."""
        rid = api.push(event, **kw)
        return api.wait_post_for(rid)
