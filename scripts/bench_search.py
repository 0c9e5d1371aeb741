#!/usr/bin/env python3
"""Figures of issue 3 (search), on the release binary over loopback, one engine (SQLite).

1. Generate a demo museum of N objects (default 1,000,000) unless DATA already holds one.
2. `vitrine reindex` under /usr/bin/time: build rate, index size, peak resident memory.
3. `vitrine bench-search --fts5`: the committed query set in process (p50/p95 per kind),
   then the same text queries against SQLite FTS5 (trigram) with speed ratio and recall.
4. `vitrine serve`; wrk at 16 connections cycling the query set on /api/public/v1/search,
   on /api/v1/search (staff, never cached) and on suggestions, then suggestions for one typist (1 connection); an edit's freshness.
Prints Markdown for docs/benchmarks.md. Targets 127.0.0.1 only; every load run is bounded.

  python3 scripts/bench_search.py [--objects 1000000] [--data DIR] [--duration 20]
"""
import argparse, json, os, re, subprocess, sys, tempfile, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, ROOT, http, wait_ready, wrk, rss_mb  # noqa: E402


def encode(params):
    pairs = [tuple(kv.split("=", 1)) for kv in params.split("&") if "=" in kv]
    return urllib.parse.urlencode(pairs)


def freshness(base, rounds=10):
    """Edit a title over the API, then poll the staff search until the new word is found."""
    _, _, body = http("POST", base + "/api/v1/session", json.dumps({"username": "admin", "password": "vitrine-demo"}).encode(),
                      {"content-type": "application/json"})
    auth = {"Authorization": "Bearer " + json.loads(body)["token"]}
    _, _, body = http("GET", base + "/api/v1/objects?limit=" + str(rounds), headers=auth)
    items = json.loads(body)["items"]
    times = []
    for i, it in enumerate(items[:rounds]):
        _, h, _ = http("GET", base + f"/api/v1/objects/{it['id']}", headers=auth)
        word = f"freshcheck{int(time.time() * 1000)}x{i}"
        patch = json.dumps({"title": {"en": f"Fresh {word}"}}).encode()
        t0 = time.monotonic()
        http("PATCH", base + f"/api/v1/objects/{it['id']}", patch,
             dict(auth, **{"If-Match": {k.lower(): v for k, v in h.items()}["etag"], "content-type": "application/merge-patch+json"}))
        while True:
            _, _, r = http("GET", base + "/api/v1/search?q=" + word, headers=auth)
            if json.loads(r)["total"] >= 1:
                times.append(time.monotonic() - t0)
                break
            if time.monotonic() - t0 > 30:
                times.append(float("inf"))
                break
            time.sleep(0.01)
    times.sort()
    return (f"\nedit → searchable over HTTP ({len(times)} edits): median {times[len(times) // 2] * 1000:.0f} ms, "
            f"max {times[-1] * 1000:.0f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=1_000_000)
    ap.add_argument("--data", default=None)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--port", type=int, default=18191)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--http-only", action="store_true", help="skip generation, reindex and the in-process bench")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "vitrine"], cwd=ROOT, check=True)
    data = a.data or tempfile.mkdtemp(prefix="vitrine-bench-search-")
    os.makedirs(data, exist_ok=True)
    if a.http_only:
        return http_runs(a, data)
    if not os.path.exists(os.path.join(data, "vitrine.db")):
        t = time.monotonic()
        subprocess.run([BIN, "demo", "--data", data, "--objects", str(a.objects), "--no-serve"], check=True)
        print(f"demo museum of {a.objects} objects generated in {time.monotonic() - t:.1f} s")
    out = subprocess.run(["/usr/bin/time", "-v", BIN, "reindex", "--data", data], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr)
    print(out.stdout.strip())
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    print(f"reindex peak RSS: {int(rss[1]) / 1024:.0f} MB" if rss else "")
    bench = subprocess.run([BIN, "bench-search", "--data", data, "--fts5", "--rounds", str(a.rounds),
                            "--queries", os.path.join(ROOT, "bench/search-queries.tsv")],
                           capture_output=True, text=True, env=dict(os.environ, VITRINE_LOG="warn"))
    if bench.returncode != 0:
        sys.exit(bench.stderr)
    print(bench.stdout)
    http_runs(a, data)


def http_runs(a, data):
    queries = [l.split("\t", 1)[1].strip() for l in open(os.path.join(ROOT, "bench/search-queries.tsv"), encoding="utf-8")
               if not l.startswith("#") and "\t" in l]
    paths_pub = tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt")
    paths_staff = tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt")
    paths_sugg = tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt")
    for q in queries:
        enc = encode(q)
        paths_pub.write(f"/api/public/v1/search?{enc}\n")
        paths_staff.write(f"/api/v1/search?{enc}\n")
        m = re.match(r"q=([^&]+)", q)
        if m:
            text = m[1]
            for n in range(1, min(len(text), 6) + 1):
                paths_sugg.write("/api/public/v1/search/suggest?" + urllib.parse.urlencode({"q": text[:n]}) + "\n")
    for f in (paths_pub, paths_staff, paths_sugg):
        f.close()
    base = f"http://127.0.0.1:{a.port}"
    proc = subprocess.Popen([BIN, "serve", "--data", data, "--listen", f"127.0.0.1:{a.port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ, VITRINE_LOG="warn"))
    try:
        wait_ready(base, proc)
        for _ in range(600):
            try:
                if http("GET", base + "/api/public/v1/search?q=x")[0] == 200:
                    break
            except Exception:
                time.sleep(0.5)
        _, _, body = http("POST", base + "/api/v1/session",
                          json.dumps({"username": "registrar", "password": "vitrine-demo"}).encode(),
                          {"Content-Type": "application/json"})
        staff = {"AUTH": "Bearer " + json.loads(body)["token"]}
        rows = []
        # Staff answers are never kept: every request runs the engine (first-time queries).
        for name, f, env in [("public search", paths_pub.name, {}),
                             ("staff search (not cached)", paths_staff.name, staff),
                             ("suggestions (public)", paths_sugg.name, {})]:
            r = wrk("paths.lua", base, "/", dict(env, PATHS=f), a.duration, conns=16)
            rows.append((name, r))
        print("\nHTTP at 16 connections (wrk, release build, loopback):\n")
        print("| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors |\n|---|---|---|---|---|---|")
        for name, r in rows:
            print(f"| {name} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p95']:.2f} | {r['p99']:.2f} | {r['errors']} |")
        # One person typing: each prefix waits for the previous answer (the ≤ 50 ms figure).
        r = wrk("paths.lua", base, "/", dict(PATHS=paths_sugg.name), min(a.duration, 10), conns=1)
        print(f"\nsuggestions, one typist (1 connection): {r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, "
              f"p95 {r['p95']:.2f} ms, p99 {r['p99']:.2f} ms, errors {r['errors']}")
        print(f"\nserver peak RSS: {rss_mb(proc.pid):.0f} MB")
        print(freshness(base))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
