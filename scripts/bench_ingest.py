#!/usr/bin/env python3
"""Figures of issue 4 (monitoring ingest and storage), on the release binary over loopback.

The same generated payload (`env,sensor=S0001..S0500,space=G01..G50 t=..,rh=..,lux=..,co2=.. <ns>`,
2,000,000 lines = 8,000,000 values, 60 s apart per sensor, 5,000 lines a request, 4
connections, sent by `vitrine bench-ingest`) goes, in one run, to:

  1. Vitrine on SQLite, then Vitrine on PostgreSQL: ingest rate, peak resident memory;
     kill -9 right after the last answer, restart, and count what is queryable; the hourly
     mean of one metric of one sensor over the whole range (Server-Timing and client time);
     a year of 1-minute readings of one sensor drawn as a chart; disk per stored value.
  2. VictoriaMetrics (Debian `victoria-metrics`) and InfluxDB 1.6 (Debian `influxdb`,
     fsync before each answer): ingest rate, memory, disk per value, the same hourly mean.

Prints Markdown for docs/benchmarks.md. Installs the Debian packages when missing (root).
Targets 127.0.0.1 only; every run is bounded.

  python3 scripts/bench_ingest.py [--lines 2000000] [--targets vitrine-sqlite,vitrine-postgres,victoria-metrics,influxdb]
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, PG, ROOT, http, rss_mb, wait_ready  # noqa: E402

PASSWORD = "bench-password-1"


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def tool(cmd, *args):
    out = subprocess.run([BIN, cmd, *args], capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        sys.exit(f"{cmd} failed: {out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ingest(url, auth, lines, extra=()):
    return tool("bench-ingest", "--url", url, "--lines", str(lines), *(["--auth", auth] if auth else []), *extra)


def get(url, auth=None, repeat=200):
    return tool("bench-get", "--url", url, "--repeat", str(repeat), *(["--auth", auth] if auth else []))


def wait_http(url, proc, timeout=60):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            sys.exit(f"{url}: process exited")
        try:
            http("GET", url)
            return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"{url} not ready")


def ensure_debian(binary, package):
    if shutil.which(binary):
        return
    subprocess.run(["apt-get", "install", "-y", "-q", package], check=True, stdout=subprocess.DEVNULL)


def vitrine(engine, lines, port):
    data = tempfile.mkdtemp(prefix=f"vitrine-bench-ingest-{engine}-")
    args, db = ["--data", data], None
    if engine == "postgres":
        db = f"vt_bench_ingest_{int(time.time())}"
        subprocess.run(["psql", PG, "-qc", f"CREATE DATABASE {db}"], check=True)
        args += ["--database-url", PG.rsplit("/", 1)[0] + "/" + db]
    env = dict(os.environ, VITRINE_LOG="warn")
    subprocess.run([BIN, "migrate", *args], check=True, stdout=subprocess.DEVNULL, env=env)
    subprocess.run([BIN, "user", "add", "bench", "--role", "admin", *args], input=PASSWORD, text=True, check=True,
                   stdout=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"

    def start():
        p = subprocess.Popen([BIN, "serve", *args, "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
        wait_ready(base, p)
        return p

    def size():
        if engine == "sqlite":
            return sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data) if f.startswith("vitrine.db"))
        q = "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['env_days','env_wal','env_series']) c"
        out = subprocess.run(["psql", PG.rsplit("/", 1)[0] + "/" + db, "-tAc", q], capture_output=True, text=True)
        return int(out.stdout.strip() or 0)

    res = {"target": f"Vitrine ({'SQLite' if engine == 'sqlite' else 'PostgreSQL'})"}
    proc = start()
    try:
        _, _, body = http("POST", base + "/api/v1/session", json.dumps({"username": "bench", "password": PASSWORD}).encode(),
                          {"content-type": "application/json"})
        bearer = "Bearer " + json.loads(body)["token"]
        _, _, body = http("POST", base + "/api/v1/ingest-tokens", json.dumps({"name": "bench"}).encode(),
                          {"content-type": "application/json", "authorization": bearer})
        token = "Token " + json.loads(body)["secret"]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        baseline = size()
        proc = start()
        r = ingest(base + "/api/v2/write?precision=ns", token, lines)
        res.update(r)
        res["rss_mb"] = rss_mb(proc.pid)
        # Every answered request must be durable: kill -9 at once, restart, count.
        proc.kill()
        proc.wait()
        t0 = time.monotonic()
        proc = start()
        res["restart_s"] = time.monotonic() - t0
        sensors = json.loads(http("GET", base + "/api/v1/sensors", headers={"authorization": bearer})[2])
        s1 = next(s["id"] for s in sensors if s["code"] == "S0001")
        now = int(time.time() * 1000)
        frm = now - (lines // 500 + 120) * 60_000
        counted = 0
        for s in sensors:
            if s["code"].startswith("S"):
                q = f"{base}/api/v1/sensors/{s['id']}/series?metric=rh&from={frm}&to={now + 60_000}"
                counted += sum(json.loads(http("GET", q, headers={"authorization": bearer})[2])["n"])
        res["rh_after_kill9"] = counted
        hourly = f"{base}/api/v1/sensors/{s1}/series?metric=temperature&from={frm}&to={now}"
        res["hourly"] = get(hourly, bearer, 500)
        res["hourly_resolution"] = json.loads(http("GET", hourly, headers={"authorization": bearer})[2])["resolution"]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        res["bytes"] = size() - baseline
        res["bytes_per_value"] = res["bytes"] / res["values"]
        # A year of one-minute readings of one sensor, drawn as a chart.
        proc = start()
        year_start = (now - 365 * 86_400_000) // 60_000 * 60_000
        ingest(base + "/api/v2/write?precision=ns", token, 525_600,
               ["--sensors", "1", "--prefix", "Y", "--fields", "t", "--start-ms", str(year_start)])
        time.sleep(3)
        sensors = json.loads(http("GET", base + "/api/v1/sensors", headers={"authorization": bearer})[2])
        y = next(s["id"] for s in sensors if s["code"] == "Y0001")
        year = f"{base}/api/v1/sensors/{y}/series?metric=temperature&from={year_start}&to={year_start + 365 * 86_400_000}"
        res["year"] = get(year, bearer, 100)
        body = json.loads(http("GET", year, headers={"authorization": bearer})[2])
        res["year_points"], res["year_resolution"], res["year_readings"] = len(body["t"]), body["resolution"], sum(body["n"])
        return res
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        shutil.rmtree(data, ignore_errors=True)
        if db:
            subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])


def stopped(proc, data, baseline, res):
    """Stops a server gracefully, then measures what its data directory grew by."""
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    res["bytes"] = du(data) - baseline
    res["bytes_per_value"] = res["bytes"] / res["values"]
    return res


def cleanup(proc, data):
    if proc.poll() is None:
        proc.kill()
    shutil.rmtree(data, ignore_errors=True)


def victoria(lines, port):
    ensure_debian("victoria-metrics", "victoria-metrics")
    data = tempfile.mkdtemp(prefix="vm-bench-")
    proc = subprocess.Popen(["victoria-metrics", f"-storageDataPath={data}", f"-httpListenAddr=127.0.0.1:{port}",
                             "-retentionPeriod=100y", "-loggerLevel=ERROR"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/health", proc)
        baseline = du(data)
        res = {"target": "VictoriaMetrics 1.79"}
        res.update(ingest(base + "/write", None, lines))
        res["rss_mb"] = rss_mb(proc.pid)
        http("GET", base + "/internal/force_flush")
        time.sleep(2)
        now = int(time.time())
        frm = now - (lines // 500 + 120) * 60
        q = urllib.parse.urlencode({"query": 'avg_over_time(env_t{sensor="S0001"}[1h])', "start": frm, "end": now, "step": "3600"})
        res["hourly"] = get(f"{base}/api/v1/query_range?{q}", None, 500)
        return stopped(proc, data, baseline, res)
    finally:
        cleanup(proc, data)


def influx(lines, port):
    ensure_debian("influxd", "influxdb")
    data = tempfile.mkdtemp(prefix="influx-bench-")
    conf = os.path.join(data, "influxdb.conf")
    with open(conf, "w") as f:
        f.write(f"""reporting-disabled = true
bind-address = "127.0.0.1:{port + 1}"
[meta]
  dir = "{data}/meta"
[data]
  dir = "{data}/data"
  wal-dir = "{data}/wal"
  wal-fsync-delay = "0s"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{port}"
  log-enabled = false
[monitor]
  store-enabled = false
""")
    proc = subprocess.Popen(["influxd", "-config", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/ping", proc)
        http("POST", base + "/query?" + urllib.parse.urlencode({"q": "CREATE DATABASE bench"}))
        baseline = du(data)
        res = {"target": "InfluxDB 1.6 (fsync)"}
        res.update(ingest(base + "/write?db=bench&precision=ns", None, lines))
        res["rss_mb"] = rss_mb(proc.pid)
        now = int(time.time())
        frm = now - (lines // 500 + 120) * 60
        q = urllib.parse.urlencode({"db": "bench", "q": f"SELECT mean(t) FROM env WHERE sensor='S0001' AND time >= {frm}s AND time < {now}s GROUP BY time(1h)"})
        res["hourly"] = get(f"{base}/query?{q}", None, 500)
        return stopped(proc, data, baseline, res)
    finally:
        cleanup(proc, data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=2_000_000)
    ap.add_argument("--targets", default="vitrine-sqlite,vitrine-postgres,victoria-metrics,influxdb")
    ap.add_argument("--port", type=int, default=18290)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "vitrine"], cwd=ROOT, check=True)
    rows = []
    for t in a.targets.split(","):
        if t == "vitrine-sqlite":
            rows.append(vitrine("sqlite", a.lines, a.port))
        elif t == "vitrine-postgres":
            rows.append(vitrine("postgres", a.lines, a.port))
        elif t == "victoria-metrics":
            rows.append(victoria(a.lines, a.port + 10))
        elif t == "influxdb":
            rows.append(influx(a.lines, a.port + 20))
        else:
            sys.exit(f"unknown target {t}")
        print(json.dumps(rows[-1]), flush=True)
    ours = rows[0]["values_per_s"]
    print(f"\nPayload: {a.lines:,} lines = {a.lines * 4:,} values, 5,000 lines a request, 4 connections, loopback.\n")
    print("| target | values/s | ratio to first | request p50 / p99 | peak memory | disk / value | hourly mean of 1 sensor (client p50; server p50) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        h = r["hourly"]
        server = f"; {h['server_p50_ms']:.2f} ms" if h.get("server_p50_ms") is not None else ""
        print(f"| {r['target']} | {r['values_per_s'] / 1e6:.2f} M | {r['values_per_s'] / ours:.2f}× | "
              f"{r['request_p50_ms']:.0f} / {r['request_p99_ms']:.0f} ms | {r['rss_mb']:.0f} MiB | {r['bytes_per_value']:.2f} B | "
              f"{h['client_p50_ms']:.2f} ms{server} |")
    for r in rows:
        if "year" in r:
            print(f"\n{r['target']}: after kill -9 and restart ({r['restart_s']:.1f} s) {r['rh_after_kill9']:,} of {a.lines:,} rh readings "
                  f"queryable; hourly series resolution `{r['hourly_resolution']}`; a year of 1-minute readings "
                  f"({r['year_readings']:,}) as a chart: {r['year_points']} points (`{r['year_resolution']}`), "
                  f"server p50 {r['year']['server_p50_ms']:.2f} ms, p99 {r['year']['server_p99_ms']:.2f} ms "
                  f"(client p50 {r['year']['client_p50_ms']:.2f} ms).")


if __name__ == "__main__":
    main()
