#!/usr/bin/env python3
"""Client side of bench/run_namespaces_bench.sh (standard library only).

Each subcommand talks to one server (edgelite or sqld, started with --enable-namespaces by the
script) over its user port (Hrana HTTP, POST /v2/pipeline) and its admin port, and prints one
flat JSON line per measurement on stdout (compact separators, so bench/lib.sh's sed-based
`median` can read the numbers). Progress and errors go to stderr.

  namespaces  creates COUNT namespaces through the admin API, one after the other on one
              keep-alive connection (line "create"), then sends each one `SELECT 1`, waits, and
              reads the server's VmRSS and Threads from /proc/PID/status (line "idle").
  fill        creates a namespace (admin API) and in it tables t (the bulk) and w (the writers' target) in a namespace and fills t
              with MEGABYTES of randomblob(4000) rows, in autocommit batches (line "fill").
  fork        WRITERS threads insert single rows into w of the source for the whole run; their
              throughput is measured for BEFORE seconds, then the namespace is forked through the
              admin API, then AFTER seconds more; the writers stop, the fork's row counts are
              checked, and `cp` of the source's database file is timed, alone and followed by an
              fsync of the copy (line "fork").

How a request names its namespace differs: edgelite honours `x-namespace: NAME`; sqld 0.24.32
ignores that header over HTTP (it takes the first label of the Host name, "127" for 127.0.0.1)
and honours `x-namespace-bin: base64(NAME)`. --ns-header picks one (plain or bin).
"""

import argparse
import base64
import http.client
import json
import os
import subprocess
import sys
import threading
import time


def emit(obj):
    print(json.dumps(obj, separators=(",", ":")), flush=True)


def note(message):
    print(message, file=sys.stderr, flush=True)


def ns_headers(mode, name):
    if mode == "bin":
        value = base64.b64encode(name.encode()).decode().rstrip("=")
        return {"x-namespace-bin": value}
    return {"x-namespace": name}


class Http:
    """One keep-alive connection, reopened after a failure."""

    def __init__(self, port, timeout=60.0):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=b"", headers=None):
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed between requests: retry once.
                self.close()
                if attempt == 2:
                    raise
            except Exception:
                self.close()
                raise
        raise RuntimeError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def pipeline_body(statements):
    requests = []
    for sql, args in statements:
        stmt = {"sql": sql}
        if args:
            stmt["args"] = args
        requests.append({"type": "execute", "stmt": stmt})
    requests.append({"type": "close"})
    return json.dumps({"requests": requests}).encode()


def execute(client, headers, statements):
    """Runs statements in one pipeline; returns their results, or raises with the error text."""
    status, data = client.request("POST", "/v2/pipeline", pipeline_body(statements), headers)
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {data[:300].decode(errors='replace')}")
    results = json.loads(data)["results"]
    out = []
    for result in results[: len(statements)]:
        if result.get("type") != "ok":
            raise RuntimeError(f"Hrana error: {json.dumps(result.get('error'))[:300]}")
        out.append(result["response"]["result"])
    return out


def scalar(result, column=0):
    value = result["rows"][0][column]
    return int(value["value"]) if value.get("type") == "integer" else value.get("value")


def proc_status(pid):
    rss_kb = threads = None
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss_kb, threads


def ns_name(prefix, i):
    return f"{prefix}{i:05d}"


# --- namespaces -------------------------------------------------------------------------------


def cmd_namespaces(args):
    base_rss, base_threads = proc_status(args.pid)
    admin = Http(args.admin_port)
    errors = 0
    first_error = ""
    started = time.monotonic()
    for i in range(args.count):
        name = ns_name(args.prefix, i)
        try:
            status, data = admin.request("POST", f"/v1/namespaces/{name}/create", b"{}")
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {data[:300].decode(errors='replace')}")
        except Exception as error:  # counted, the rest still go
            errors += 1
            if not first_error:
                first_error = f"create {name}: {error}"
                note(first_error)
    create_s = time.monotonic() - started
    admin.close()
    line = {"workload": "create", "label": args.label, "namespaces": args.count,
            "seconds": round(create_s, 4),
            "creates_per_s": round(args.count / create_s, 2) if create_s > 0 else 0,
            "errors": errors}
    if first_error:
        line["first_error"] = first_error[:300]
    emit(line)

    user = Http(args.port)
    touch_errors = 0
    first_error = ""
    started = time.monotonic()
    for i in range(args.count):
        name = ns_name(args.prefix, i)
        try:
            result = execute(user, ns_headers(args.ns_header, name), [("SELECT 1", None)])[0]
            if scalar(result) != 1:
                raise RuntimeError(f"SELECT 1 answered {result['rows']}")
        except Exception as error:
            touch_errors += 1
            if not first_error:
                first_error = f"SELECT 1 on {name}: {error}"
                note(first_error)
    touch_s = time.monotonic() - started
    user.close()
    rss_after_touch, threads_after_touch = proc_status(args.pid)
    time.sleep(args.wait)
    rss_kb, threads = proc_status(args.pid)
    line = {"workload": "idle", "label": args.label, "namespaces": args.count,
            "rss_kb_start": base_rss, "threads_start": base_threads,
            "rss_kb_touched": rss_after_touch, "threads_touched": threads_after_touch,
            "rss_kb": rss_kb, "rss_mb": round(rss_kb / 1024, 1), "threads": threads,
            "touch_seconds": round(touch_s, 4), "touch_errors": touch_errors,
            "wait_s": args.wait}
    if first_error:
        line["first_error"] = first_error[:300]
    emit(line)
    return 0


# --- fill -------------------------------------------------------------------------------------


def cmd_fill(args):
    admin = Http(args.admin_port)
    status, data = admin.request("POST", f"/v1/namespaces/{args.ns}/create", b"{}")
    admin.close()
    if status != 200:
        raise RuntimeError(f"creating {args.ns}: HTTP {status}: {data[:300].decode(errors='replace')}")
    user = Http(args.port, timeout=600)
    headers = ns_headers(args.ns_header, args.ns)
    execute(user, headers, [
        ("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB)", None),
        ("CREATE TABLE IF NOT EXISTS w(id INTEGER PRIMARY KEY, v TEXT)", None),
    ])
    # A 4000-byte blob row fits one 4096-byte leaf page, so rows = pages.
    rows = max(1, int(args.megabytes * 1024 * 1024 / 4096))
    started = time.monotonic()
    done = 0
    while done < rows:
        batch = min(args.batch_rows, rows - done)
        execute(user, headers, [(
            "INSERT INTO t(v) SELECT randomblob(4000) FROM (WITH RECURSIVE c(x) AS "
            "(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT x FROM c)",
            [{"type": "integer", "value": str(batch)}])])
        done += batch
    fill_s = time.monotonic() - started
    count = scalar(execute(user, headers, [("SELECT count(*) FROM t", None)])[0])
    user.close()
    if count != rows:
        raise RuntimeError(f"t holds {count} rows after inserting {rows}")
    emit({"workload": "fill", "label": args.label, "rows": rows, "seconds": round(fill_s, 3),
          "mb_per_s": round(rows * 4096 / 1048576 / fill_s, 2) if fill_s > 0 else 0})
    return 0


# --- fork under writers -----------------------------------------------------------------------


class Writers:
    """WRITERS threads, each with its own keep-alive connection, one insert in flight each."""

    def __init__(self, port, headers, count):
        self.port = port
        self.headers = dict(headers)
        self.headers["Content-Type"] = "application/json"
        self.stop = threading.Event()
        self.done = [[] for _ in range(count)]  # per thread: (sent, answered) of each success
        self.errors = [0] * count
        self.first_error = ""
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(count)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        return sum(thread.is_alive() for thread in self.threads)

    def run(self, index):
        done = self.done[index]
        conn = None
        while not self.stop.is_set():
            text = os.urandom(50).hex()  # 100 characters
            body = ('{"requests":[{"type":"execute","stmt":{"sql":"INSERT INTO w(v) VALUES (?)",'
                    '"args":[{"type":"text","value":"%s"}]}},{"type":"close"}]}' % text).encode()
            sent = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("POST", "/v2/pipeline", body=body, headers=self.headers)
                response = conn.getresponse()
                data = response.read()
                answered = time.monotonic()
                if (response.status != 200 or b'"type":"error"' in data
                        or b'"affected_row_count":1' not in data):
                    raise RuntimeError(f"HTTP {response.status}: {data[:300].decode(errors='replace')}")
                done.append((sent, answered))
            except Exception as error:
                self.errors[index] += 1
                if not self.first_error:
                    self.first_error = f"insert: {error}"
                if conn is not None:
                    conn.close()
                    conn = None
                time.sleep(0.01)
        if conn is not None:
            conn.close()

    def answered_in(self, start, end):
        return sum(1 for done in self.done for (_, answered) in done if start <= answered < end)

    def max_latency_overlapping(self, start, end):
        latest = 0.0
        for done in self.done:
            for sent, answered in done:
                if sent < end and answered > start:
                    latest = max(latest, answered - sent)
        return latest


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def cmd_fork(args):
    sys.setswitchinterval(0.0005)  # the main thread times the fork; let it run promptly
    headers_src = ns_headers(args.ns_header, args.src)
    control = Http(args.port)
    admin = Http(args.admin_port, timeout=args.fork_timeout)
    writers = Writers(args.port, headers_src, args.writers)
    writers.start()
    line = {"workload": "fork", "label": args.label, "writers": args.writers}
    try:
        time.sleep(args.warmup)
        before_start = time.monotonic()
        time.sleep(args.before)
        before_end = time.monotonic()
        counts = execute(control, headers_src, [
            ("SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM w)", None)])[0]
        t_before, w_before = scalar(counts, 0), scalar(counts, 1)
        acked_before = writers.answered_in(0, time.monotonic())
        fork_error = ""
        fork_response = ""
        fork_status = 0
        fork_start = time.monotonic()
        try:
            fork_status, data = admin.request("POST", f"/v1/namespaces/{args.src}/fork/{args.dst}",
                                              b"{}")
            fork_response = data[:300].decode(errors="replace")
            if fork_status != 200:
                fork_error = f"HTTP {fork_status}: {fork_response}"
        except Exception as error:
            fork_error = f"{type(error).__name__}: {error}"
        fork_end = time.monotonic()
        time.sleep(args.after)
        after_end = time.monotonic()
    finally:
        stuck = writers.finish()
    fork_s = fork_end - fork_start
    before_rate = writers.answered_in(before_start, before_end) / (before_end - before_start)
    during_count = writers.answered_in(fork_start, fork_end)
    during_rate = during_count / fork_s if fork_s > 0 else 0.0
    after_rate = writers.answered_in(fork_end, after_end) / (after_end - fork_end)
    line.update({
        "fork_s": round(fork_s, 4), "fork_status": fork_status, "fork_ok": 0 if fork_error else 1,
        "writes_before_per_s": round(before_rate, 1), "writes_during": during_count,
        "writes_during_per_s": round(during_rate, 1),
        "during_pct": round(100 * during_rate / before_rate, 1) if before_rate > 0 else 0,
        "writes_after_per_s": round(after_rate, 1),
        "insert_max_ms_before": round(1000 * writers.max_latency_overlapping(before_start, before_end), 2),
        "insert_max_ms_during": round(1000 * writers.max_latency_overlapping(fork_start, fork_end), 2),
        "writer_errors": sum(writers.errors), "writers_stuck": stuck,
        "t_rows": t_before, "w_rows_before": w_before, "w_acked_before": acked_before,
    })
    if writers.first_error:
        line["writer_first_error"] = writers.first_error[:300]
    if fork_response:
        line["fork_response"] = fork_response
    if fork_error:
        line["fork_error"] = fork_error[:300]
        note(f"fork {args.src} -> {args.dst}: {fork_error}")
    else:
        # The fork must hold every row the source held before the fork was asked for.
        try:
            counts = execute(control, ns_headers(args.ns_header, args.dst), [
                ("SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM w)", None)])[0]
            t_fork, w_fork = scalar(counts, 0), scalar(counts, 1)
            line.update({"t_rows_fork": t_fork, "w_rows_fork": w_fork})
            ok = t_fork == t_before and w_fork >= max(w_before, acked_before)
            line["fork_rows_ok"] = 1 if ok else 0
            if not ok:
                line["fork_rows_error"] = (f"fork holds t={t_fork} w={w_fork}; before the fork the "
                                           f"source held t={t_before} w={w_before} "
                                           f"(acknowledged {acked_before})")
                note(line["fork_rows_error"])
        except Exception as error:
            line["fork_rows_ok"] = 0
            line["fork_rows_error"] = f"counting rows on {args.dst}: {error}"[:300]
            note(line["fork_rows_error"])
    control.close()
    admin.close()

    # cp of the source's database file to another file in the same filesystem, writers stopped.
    line["data_bytes"] = file_size(args.cp_from)
    line["wal_bytes"] = file_size(args.cp_from + "-wal")
    line["data_mb"] = round(line["data_bytes"] / 1048576, 1)
    line["wal_mb"] = round(line["wal_bytes"] / 1048576, 1)
    if args.fork_file:
        line["fork_data_mb"] = round(file_size(args.fork_file) / 1048576, 1)
    started = time.monotonic()
    copied = subprocess.run(["cp", args.cp_from, args.cp_to], capture_output=True, text=True)
    cp_s = time.monotonic() - started
    if copied.returncode != 0:
        line["cp_error"] = copied.stderr.strip()[:300]
    else:
        line["cp_s"] = round(cp_s, 4)
        if not fork_error and cp_s > 0:
            line["fork_cp_ratio"] = round(fork_s / cp_s, 3)
        # Beside it, for reference: a second copy made durable (cp, then fsync of the copy), as a
        # fork that syncs its new file has to be. The first copy is removed first.
        os.unlink(args.cp_to)
        started = time.monotonic()
        copied = subprocess.run(["cp", args.cp_from, args.cp_to], capture_output=True, text=True)
        if copied.returncode == 0:
            fd = os.open(args.cp_to, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            cp_fsync_s = time.monotonic() - started
            line["cp_fsync_s"] = round(cp_fsync_s, 4)
            if not fork_error and cp_fsync_s > 0:
                line["fork_cp_fsync_ratio"] = round(fork_s / cp_fsync_s, 3)
    try:
        os.unlink(args.cp_to)
    except OSError:
        pass
    emit(line)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--port", type=int, required=True, help="user (Hrana HTTP) port")
        p.add_argument("--ns-header", choices=("plain", "bin"), default="plain",
                       help="x-namespace (plain) or x-namespace-bin (bin)")
        p.add_argument("--label", required=True)

    p = sub.add_parser("namespaces")
    common(p)
    p.add_argument("--admin-port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True, help="server process, for /proc/PID/status")
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--prefix", default="ns")
    p.add_argument("--wait", type=float, default=5.0, help="seconds between the touches and RSS")
    p.set_defaults(func=cmd_namespaces)

    p = sub.add_parser("fill")
    common(p)
    p.add_argument("--admin-port", type=int, required=True)
    p.add_argument("--ns", default="src")
    p.add_argument("--megabytes", type=float, default=100)
    p.add_argument("--batch-rows", type=int, default=2500)
    p.set_defaults(func=cmd_fill)

    p = sub.add_parser("fork")
    common(p)
    p.add_argument("--admin-port", type=int, required=True)
    p.add_argument("--src", default="src")
    p.add_argument("--dst", required=True)
    p.add_argument("--writers", type=int, default=16)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--before", type=float, default=3.0)
    p.add_argument("--after", type=float, default=1.0)
    p.add_argument("--fork-timeout", type=float, default=600.0)
    p.add_argument("--cp-from", required=True, help="the source's database file")
    p.add_argument("--cp-to", required=True, help="where cp copies it (removed afterwards)")
    p.add_argument("--fork-file", default="", help="the fork's database file, for its size")
    p.set_defaults(func=cmd_fork)

    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
