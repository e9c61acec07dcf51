#!/usr/bin/env python3
"""Per-invoke cost of the Node bootstrap.

Two modes:

  mock     (default) The bootstrap against `runtime_api_server.js`, a fast
           Node Runtime API that answers every /next at once, in a closed
           loop. Reports the bootstrap process's CPU per invoke and the
           round-trip time per invoke. No build needed.

  portico  End to end: deploys `fixture/` with a Portico binary, serves it,
           loads it with wrk, and reports wrk's p50 latency, the request
           rate and the CPU the Node environment(s) used per invoke. Portico
           embeds bootstrap.js at build time, so rebuild it after a change.

CPU is read from /proc/<pid>/task/*/schedstat (ns on CPU, all threads of
the process, the same quantity as `perf stat -e task-clock -p PID`). Each
measurement is repeated (--runs, default 3) and the median is printed.

  python3 bench_node.py [--bootstrap PATH] [--seconds 3] [--runs 3]
  python3 bench_node.py portico --bin /work/target-perf/release/portico \
      [--connections 1] [--port 18300]
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BOOTSTRAP = os.path.join(os.path.dirname(HERE), "node", "bootstrap.js")
FIXTURE = os.path.join(HERE, "fixture")


def cpu_ns(pid):
    """CPU time (ns) of every live thread of `pid`."""
    total = 0
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except FileNotFoundError:
        return 0
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
    return total


def children(pid):
    """Direct child pids of `pid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # Field 4 (ppid) follows the ")" that ends the command name.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


# ---------------------------------------------------------------------------
# mock mode


def responses(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/bench/count")
    n = int(c.getresponse().read())
    c.close()
    return n


def mock_run(bootstrap, seconds, warmup):
    server = subprocess.Popen(["node", os.path.join(HERE, "runtime_api_server.js")], stdout=subprocess.PIPE)
    node = None
    try:
        port = int(server.stdout.readline())
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % port,
            "_HANDLER": "index.handler",
            "LAMBDA_TASK_ROOT": FIXTURE,
            "AWS_LAMBDA_FUNCTION_NAME": "b_n",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/b_n",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]0",
        }
        node = subprocess.Popen(["node", bootstrap], cwd=FIXTURE, env=env, stdout=subprocess.DEVNULL)
        time.sleep(warmup)
        if node.poll() is not None:
            raise SystemExit("the bootstrap exited with %s" % node.returncode)
        n0, c0, t0 = responses(port), cpu_ns(node.pid), time.time()
        time.sleep(seconds)
        n1, c1, t1 = responses(port), cpu_ns(node.pid), time.time()
        invokes = n1 - n0
        if invokes <= 0:
            raise SystemExit("no invokes completed")
        return {
            "invokes_per_s": invokes / (t1 - t0),
            "cpu_us_per_invoke": (c1 - c0) / 1000.0 / invokes,
            "roundtrip_us": (t1 - t0) * 1e6 / invokes,
        }
    finally:
        for p in (node, server):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()


# ---------------------------------------------------------------------------
# portico mode


WRK_LUA = 'wrk.method = "POST"\nwrk.body = "{}"\n'


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/")
            c.getresponse().read()
            c.close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("portico did not listen on %d" % port)


def node_pids(root):
    """Every `node` process below `root`."""
    out, todo = [], [root]
    while todo:
        for c in children(todo.pop()):
            todo.append(c)
            if comm(c) == "node":
                out.append(c)
    return out


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def portico_run(binary, port, connections, seconds, workdir):
    url = "http://127.0.0.1:%d/2015-03-31/functions/b_n/invocations" % port
    lua = os.path.join(workdir, "post.lua")
    serve = subprocess.Popen(
        [binary, "serve", "--port", str(port)], cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_port(port)
        if serve.poll() is not None:
            raise SystemExit("portico serve exited (is port %d taken?)" % port)
        # Warm up: starts the environment(s) and JITs the hot path.
        subprocess.run(["wrk", "-t1", "-c%d" % connections, "-d3s", "-s", lua, url],
                       check=True, stdout=subprocess.DEVNULL)
        duration = seconds + 4
        wrk = subprocess.Popen(
            ["wrk", "-t1", "-c%d" % connections, "-d%ds" % duration, "--latency", "-s", lua, url],
            stdout=subprocess.PIPE, text=True,
        )
        time.sleep(2)
        pids = node_pids(serve.pid)
        if not pids:
            raise SystemExit("no node environment under portico serve")
        c0, t0 = sum(cpu_ns(p) for p in pids), time.time()
        time.sleep(seconds)
        c1, t1 = sum(cpu_ns(p) for p in pids), time.time()
        out = wrk.communicate()[0]
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
        if re.search(r"Non-2xx", out):
            raise SystemExit("wrk saw errors:\n" + out)
        return {
            "invokes_per_s": rate,
            "p50_ms": to_ms(p50.group(1), p50.group(2)),
            "node_processes": len(pids),
            "cpu_us_per_invoke": (c1 - c0) / 1000.0 / (rate * (t1 - t0)),
        }
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(10)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()


def portico_setup(binary):
    workdir = tempfile.mkdtemp(prefix="bench-node-")
    with open(os.path.join(workdir, "project.json"), "w") as f:
        json.dump({"name": "b"}, f)
    fn = os.path.join(workdir, "functions", "n")
    os.makedirs(fn)
    shutil.copy(os.path.join(FIXTURE, "index.js"), os.path.join(fn, "index.js"))
    with open(os.path.join(fn, "function.json"), "w") as f:
        json.dump({"handler": "index.handler"}, f)
    with open(os.path.join(workdir, "post.lua"), "w") as f:
        f.write(WRK_LUA)
    subprocess.run([binary, "deploy"], cwd=workdir, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return workdir


# ---------------------------------------------------------------------------


def median_of(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", nargs="?", default="mock", choices=["mock", "portico"])
    ap.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP)
    ap.add_argument("--bin", help="the portico binary (portico mode)")
    ap.add_argument("--port", type=int, default=18300)
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    args.bootstrap = os.path.abspath(args.bootstrap)  # the bootstrap runs from the fixture dir

    runs = []
    if args.mode == "mock":
        for _ in range(args.runs):
            runs.append(mock_run(args.bootstrap, args.seconds, warmup=1.5))
            print(json.dumps(runs[-1]), file=sys.stderr)
    else:
        if not args.bin:
            ap.error("portico mode needs --bin")
        workdir = portico_setup(args.bin)
        try:
            for _ in range(args.runs):
                runs.append(portico_run(args.bin, args.port, args.connections, int(args.seconds), workdir))
                print(json.dumps(runs[-1]), file=sys.stderr)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    result = median_of(runs)
    result["mode"] = args.mode
    result["runs"] = args.runs
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
