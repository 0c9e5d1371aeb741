#!/usr/bin/env python3
"""End-to-end figures of issue 2, measured on the release binary over loopback.

For each engine (SQLite, then PostgreSQL): generate a 100,000-object demo museum and time
it; start `vitrine serve` and time until /healthz answers; drive wrk at 64 connections
for GET /api/v1/objects/{id}, the staff object page, filtered 50-row list pages and
audited PATCH updates with If-Match; read the server's peak resident memory.
Prints a Markdown table for docs/benchmarks.md. Targets 127.0.0.1 only; every load run
is bounded in time.

  python3 scripts/bench.py [--objects 100000] [--duration 15] [--engines sqlite,postgres]
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time, urllib.request, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/vitrine")
LUA = os.path.join(ROOT, "scripts/bench")
PG = os.environ.get("VITRINE_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres")


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, dict(r.headers), r.read()


def wait_ready(base, proc, timeout=60):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            sys.exit(f"server exited: {proc.stderr.read().decode()}")
        try:
            if http("GET", base + "/healthz")[0] == 200:
                return time.monotonic() - t0
        except Exception:
            time.sleep(0.005)
    sys.exit("server not ready")


def wrk(script, base, path, env, duration, conns=64):
    if shutil.which("wrk") is None:  # Debian's package, as the test script installs its tools
        subprocess.run(["bash", "-c", f"source {ROOT}/scripts/services.sh && apt_install wrk"], check=True)
    e = dict(os.environ, LUA_DIR=LUA, **env)
    out = subprocess.run(["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{duration}s", "--timeout", "5s", "-s", os.path.join(LUA, script), base + path],
                         capture_output=True, text=True, env=e, timeout=duration + 60).stdout
    m = re.search(r"RESULT rps=([\d.]+) p50_ms=([\d.]+) p95_ms=([\d.]+) p99_ms=([\d.]+) errors=(\d+)", out)
    if not m:
        sys.exit(f"wrk said:\n{out}")
    return dict(rps=float(m[1]), p50=float(m[2]), p95=float(m[3]), p99=float(m[4]), errors=int(m[5]))


def rss_mb(pid, key="VmHWM"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return 0.0


def run_engine(engine, objects, duration, port):
    data = tempfile.mkdtemp(prefix=f"vitrine-bench-{engine}-")
    args = ["--data", data]
    db = None
    if engine == "postgres":
        db = f"vt_bench_{int(time.time())}"
        subprocess.run(["psql", PG, "-qc", f"CREATE DATABASE {db}"], check=True)
        args += ["--database-url", PG.rsplit("/", 1)[0] + "/" + db]
    t0 = time.monotonic()
    subprocess.run([BIN, "demo", *args, "--objects", str(objects), "--no-serve"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=dict(os.environ, VITRINE_LOG="warn"))
    gen = time.monotonic() - t0
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([BIN, "serve", *args, "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=dict(os.environ, VITRINE_LOG="warn"))
    try:
        ready = wait_ready(base, proc)
        _, _, body = http("POST", base + "/api/v1/session", json.dumps({"username": "registrar", "password": "vitrine-demo"}).encode(),
                          {"Content-Type": "application/json"})
        token = json.loads(body)["token"]
        auth = {"Authorization": f"Bearer {token}"}
        ids, cursor = [], None
        while len(ids) < 50000:
            q = "limit=200" + (f"&cursor={cursor}" if cursor else "")
            page = json.loads(http("GET", f"{base}/api/v1/objects?{q}", headers=auth)[2])
            ids += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        read_ids = os.path.join(data, "read_ids.txt")
        with open(read_ids, "w") as f:
            f.write("\n".join(ids[:20000]))
        write_ids = os.path.join(data, "write_ids.txt")
        with open(write_ids, "w") as f:
            f.write("\n".join(ids))
        cookie = f"cookie:vitrine_session={token}"
        res = {"engine": engine, "objects": objects, "generate_s": gen, "ready_s": ready}
        res["get"] = wrk("get.lua", base, "/", {"IDS": read_ids, "AUTH": f"Bearer {token}", "PREFIX": "/api/v1/objects/"}, duration)
        res["page"] = wrk("get.lua", base, "/", {"IDS": read_ids, "AUTH": cookie, "PREFIX": "/staff/objects/"}, duration)
        res["list"] = wrk("list.lua", base, "/", {"AUTH": cookie}, duration, conns=8)
        res["update"] = wrk("update.lua", base, "/", {"IDS": write_ids, "AUTH": f"Bearer {token}", "THREADS": "2"}, duration)
        res["rss_peak_mb"] = rss_mb(proc.pid)
        res["rss_now_mb"] = rss_mb(proc.pid, "VmRSS")
        return res
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)
        if db:
            subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=100000)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--engines", default="sqlite,postgres")
    ap.add_argument("--port", type=int, default=18181)
    a = ap.parse_args()
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release -p vitrine")
    rows = [run_engine(e, a.objects, a.duration, a.port) for e in a.engines.split(",")]
    print(json.dumps(rows, indent=1))
    print("\n| figure | target | " + " | ".join(r["engine"] for r in rows) + " |")
    print("|---|---|" + "---|" * len(rows))
    def line(name, target, f):
        print(f"| {name} | {target} | " + " | ".join(f(r) for r in rows) + " |")
    line(f"`vitrine demo --objects {a.objects}`", "< 60 s", lambda r: f"{r['generate_s']:.1f} s")
    line("`vitrine serve` ready (to first /healthz 200)", "< 1 s", lambda r: f"{r['ready_s']*1000:.0f} ms")
    line("GET /api/v1/objects/{id}, 64 conns", "≥ 5,000 req/s, p99 < 20 ms", lambda r: f"{r['get']['rps']:,.0f} req/s, p99 {r['get']['p99']:.1f} ms")
    line("staff object page, 64 conns", "≥ 2,000 req/s", lambda r: f"{r['page']['rps']:,.0f} req/s, p99 {r['page']['p99']:.1f} ms")
    line("filtered list page, 50 rows, 8 conns", "p95 < 30 ms", lambda r: f"p95 {r['list']['p95']:.1f} ms ({r['list']['rps']:,.0f} req/s)")
    line("PATCH with If-Match + audit, 64 conns", "≥ 1,000/s", lambda r: f"{r['update']['rps']:,.0f}/s, p99 {r['update']['p99']:.1f} ms, errors {r['update']['errors']}")
    line("resident memory (peak during all runs)", "< 200 MB", lambda r: f"{r['rss_peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
