#!/usr/bin/env python3
"""Times `portico up` on a copy of examples/github-status: from the command's
start to the first answered request, and from saving a function file to the
new code answering. Usage: up_timing.py PATH/TO/portico [RUNS] > up.md"""
import json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1]
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return 0, ""


class Up:
    def __init__(self, d, port):
        self.out = ""
        self.p = subprocess.Popen([BIN, "up", d, "--port", str(port)], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, env=dict(os.environ, NO_COLOR="1"))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.out += line

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=20)


def run_once(save_runs):
    d = tempfile.mkdtemp()
    shutil.copytree(os.path.join(ROOT, "examples/github-status"), d, dirs_exist_ok=True)
    port = free_port()
    health = {"url": f"http://127.0.0.1:{port}/_portico/health"}
    t0 = time.perf_counter()
    up = Up(d, port)
    url = None
    first = None
    while time.perf_counter() - t0 < 30:
        m = re.search(r"(http://127\.0\.0\.1:%d/_aws/execute-api/[a-z0-9]+/test/check)" % port, up.out)
        if m:
            url = m.group(1)
            if post(url, health)[0] == 200:
                first = (time.perf_counter() - t0) * 1000
                break
        time.sleep(0.002)
    saves = []
    src = os.path.join(d, "functions/github-status/index.js")
    code = open(src).read()
    for i in range(save_runs):
        marker = f"v{i}-{time.time_ns()}"
        time.sleep(0.3)
        t1 = time.perf_counter()
        with open(src, "w") as f:
            f.write(code.replace("return cb(null, body);", f"return cb(null, '{marker}' + body);"))
        while time.perf_counter() - t1 < 10:
            if marker in post(url, health)[1]:
                saves.append((time.perf_counter() - t1) * 1000)
                break
            time.sleep(0.002)
    up.stop()
    shutil.rmtree(d, ignore_errors=True)
    return first, saves


firsts, saves = [], []
for _ in range(RUNS):
    f, s = run_once(5)
    firsts.append(f)
    saves.extend(s)
print("| measure | runs | median ms | min ms | max ms |")
print("|---|---:|---:|---:|---:|")
for name, xs in (("`portico up` start to first answered request (github-status)", firsts),
                 ("saving index.js to the new code answering", saves)):
    xs = [x for x in xs if x is not None]
    print(f"| {name} | {len(xs)} | {statistics.median(xs):.0f} | {min(xs):.0f} | {max(xs):.0f} |")
