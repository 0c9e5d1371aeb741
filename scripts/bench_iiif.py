#!/usr/bin/env python3
"""IIIF image-server figures of issue 5, Vitrine against Debian's iipimage-server in one run.

1. Writes an 8192x8192 RGB TIFF master (smooth structure plus grain, like a photograph) and
   a 100-megapixel one (12,000 x 8,400); imports both with `vitrine media import` and times
   the 100 MP import (master checked and stored, pyramid ready).
2. Serves the 8192 pyramid with `vitrine serve` (answer cache off: image_cache_mb = 0) and
   the same pyramid file with iipsrv 1.1 (FastCGI behind lighttpd, 2 processes, tile cache
   off), and drives both with wrk over the same URL lists:
   - tiles: every 512 px tile of every level, shuffled (what a deep-zoom viewer asks);
   - regions: random crops and sizes that match no stored tile (x,y,w,h with w, / !w,h /
     pct: sizes), which need decoding, scaling and encoding.
3. Warm: the tile list again with Vitrine's answer cache on; info.json.
Prints a Markdown table for docs/benchmarks.md. Loopback only; every wrk run is bounded.

  python3 scripts/bench_iiif.py [--duration 15] [--conns 16] [--keep DIR]
Needs the release binary (cargo build --release -p vitrine), wrk, lighttpd and
iipimage-server (installed with apt-get when missing and running as root).
"""
import argparse, json, math, os, random, shutil, struct, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, ROOT, http, wait_ready, wrk, rss_mb  # noqa: E402

IIPSRV = "/usr/lib/iipimage-server/iipsrv.fcgi"
TILE = 512


def ensure_tools():
    missing = [p for p, probe in (("wrk", "wrk"), ("lighttpd", "lighttpd"), ("iipimage-server", IIPSRV))
               if shutil.which(probe) is None and not os.path.exists(probe)]
    if missing:
        if os.geteuid() != 0:
            sys.exit(f"install {' '.join(missing)} first")
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def write_tiff(path, width, height, seed):
    """A baseline RGB TIFF, 16 rows a strip: rows built with bytes.translate (C speed)."""
    rnd = random.Random(seed)
    bases = []
    for k in range(64):
        row = bytearray(width * 3)
        ph = rnd.random() * 6.28
        for x in range(width):
            # Broad bands and a finer texture, plus a little grain.
            v = 110 + 60 * math.sin(x / 700 + ph) + 25 * math.sin(x / 37 + k) + rnd.randint(-6, 6)
            i = 3 * x
            row[i] = max(0, min(255, int(v)))
            row[i + 1] = max(0, min(255, int(v * 0.85 + 20)))
            row[i + 2] = max(0, min(255, int(v * 0.7 + 30)))
        bases.append(bytes(row))
    tables = [bytes(max(0, min(255, v + off)) for v in range(256)) for off in range(-60, 61)]
    rows_per_strip = 16
    strips = (height + rows_per_strip - 1) // rows_per_strip
    entries = 10
    ifd_off = 8
    ifd_len = 2 + entries * 12 + 4
    bps_off = ifd_off + ifd_len
    so_off = bps_off + 6
    sbc_off = so_off + 4 * strips
    data_off = sbc_off + 4 * strips
    row_bytes = width * 3
    with open(path, "wb") as f:
        f.write(b"II*\x00" + struct.pack("<I", ifd_off))

        def entry(tag, typ, count, value):
            return struct.pack("<HHII", tag, typ, count, value)
        ifd = struct.pack("<H", entries)
        ifd += entry(256, 4, 1, width) + entry(257, 4, 1, height) + entry(258, 3, 3, bps_off)
        ifd += entry(259, 3, 1, 1) + entry(262, 3, 1, 2) + entry(273, 4, strips, so_off)
        ifd += entry(277, 3, 1, 3) + entry(278, 4, 1, rows_per_strip) + entry(279, 4, strips, sbc_off)
        ifd += entry(284, 3, 1, 1) + struct.pack("<I", 0)
        f.write(ifd)
        f.write(struct.pack("<HHH", 8, 8, 8))
        offs, counts = [], []
        for s in range(strips):
            n = min(rows_per_strip, height - s * rows_per_strip)
            offs.append(data_off + s * rows_per_strip * row_bytes)
            counts.append(n * row_bytes)
        f.write(struct.pack(f"<{strips}I", *offs))
        f.write(struct.pack(f"<{strips}I", *counts))
        for y in range(height):
            base = bases[(y // 9) % 64]
            off = int(60 * ((y / height) * 2 - 1))
            f.write(base.translate(tables[off + 60]))


def master_work(keep, prefix):
    """The work folder (kept when `keep` names one), its data directory and an 8192x8192
    TIFF master written there once. Exits when the release binary is missing."""
    if not os.path.exists(BIN):
        sys.exit("build the release binary first: cargo build --release -p vitrine")
    work = keep or tempfile.mkdtemp(prefix=prefix)
    os.makedirs(work, exist_ok=True)
    master = os.path.join(work, "master-8192.tif")
    if not os.path.exists(master):
        write_tiff(master, 8192, 8192, 1)
    return work, os.path.join(work, "data"), master


def import_master(data, path, ident, number):
    t0 = time.monotonic()
    out = subprocess.run([BIN, "media", "import", "--data", data, "--id", ident, "--object", number,
                          "--rights", "http://creativecommons.org/publicdomain/zero/1.0/", path], capture_output=True, text=True,
                         env=dict(os.environ, VITRINE_LOG="warn"), timeout=600)
    took = time.monotonic() - t0
    if out.returncode != 0:
        sys.exit(f"import failed: {out.stdout}{out.stderr}")
    asset = next(line.split(": ", 1)[1].split()[0] for line in out.stdout.splitlines() if ident in line and "/iiif/3/" in line)
    return asset, took


def levels(w, h):
    out, s = [], 1
    while True:
        out.append(s)
        if (w + s - 1) // s <= TILE and (h + s - 1) // s <= TILE:
            return out
        s *= 2


def tile_paths(w, h):
    """Every tile of every level as `region/size` (the sizes info.json advertises)."""
    paths = []
    for s in levels(w, h):
        step = TILE * s
        for y in range(0, h, step):
            for x in range(0, w, step):
                rw, rh = min(step, w - x), min(step, h - y)
                paths.append(f"{x},{y},{rw},{rh}/{(rw + s - 1) // s},{(rh + s - 1) // s}")
    return paths


def region_paths(w, h, n, seed):
    """Crops and sizes that match no stored tile."""
    rnd = random.Random(seed)
    out = []
    while len(out) < n:
        rw, rh = rnd.randint(300, 3000), rnd.randint(300, 3000)
        x, y = rnd.randint(0, w - rw), rnd.randint(0, h - rh)
        kind = len(out) % 3
        if kind == 0:
            size = f"{rnd.randint(200, min(rw, 800))},"
        elif kind == 1:
            # Confined, never enlarging (that needs `^`).
            size = f"!{rnd.randint(200, min(rw, 700))},{rnd.randint(200, min(rh, 700))}"
        else:
            size = f"pct:{rnd.randint(10, 40)}"
        if x % TILE == 0 or y % TILE == 0:
            continue
        out.append(f"{x},{y},{rw},{rh}/{size}")
    return out


def write_list(path, prefix, items, suffix="/0/default.jpg"):
    with open(path, "w") as f:
        for it in items:
            f.write(f"{prefix}/{it}{suffix}\n")


def start_vitrine(data, port, cache_mb):
    env = dict(os.environ, VITRINE_LOG="warn", VITRINE_IMAGE_CACHE_MB=str(cache_mb))
    proc = subprocess.Popen([BIN, "serve", "--data", data, "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    wait_ready(f"http://127.0.0.1:{port}", proc)
    return proc


def start_iipsrv(work, pyramid_dir, port):
    conf = os.path.join(work, "lighttpd.conf")
    sock = os.path.join(work, "iipsrv.sock")
    with open(conf, "w") as f:
        f.write(f'''server.modules = ("mod_fastcgi")
server.document-root = "{work}"
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = "{work}/lighttpd.err"
server.max-connections = 1024
fastcgi.server = ("/fcgi-bin/iipsrv.fcgi" => ((
  "socket" => "{sock}", "bin-path" => "{IIPSRV}", "max-procs" => 2, "check-local" => "disable",
  "bin-environment" => ("FILESYSTEM_PREFIX" => "{pyramid_dir}/", "MAX_IMAGE_CACHE_SIZE" => "0",
                        "JPEG_QUALITY" => "80", "VERBOSITY" => "0", "LOGFILE" => "{work}/iipsrv.log",
                        "MAX_CVT" => "16384", "IIIF_VERSION" => "3")
)))
''')
    proc = subprocess.Popen(["lighttpd", "-D", "-f", conf], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            http("GET", f"http://127.0.0.1:{port}/fcgi-bin/iipsrv.fcgi?IIIF=/bench.tif/info.json")
            return proc
        except Exception:
            time.sleep(0.1)
    proc.terminate()
    sys.exit(f"iipsrv did not answer: {open(os.path.join(work, 'lighttpd.err')).read()}")


def check_lists(urls_a, urls_b, n=20):
    """Every URL of Vitrine's list and the first `n` of iipsrv's must answer 200, so the
    runs measure images, not errors."""
    for i, a in enumerate(urls_a):
        try:
            http("GET", a)
        except Exception as e:
            sys.exit(f"{a}: {e}")
        if i < n:
            try:
                http("GET", urls_b[i])
            except Exception as e:
                sys.exit(f"{urls_b[i]}: {e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--conns", type=int, default=16)
    ap.add_argument("--keep", help="reuse/keep this work folder")
    a = ap.parse_args()
    ensure_tools()
    work, data, master = master_work(a.keep, "vitrine-bench-iiif-")
    big = os.path.join(work, "master-100mp.tif")
    if not os.path.exists(big):
        write_tiff(big, 12000, 8400, 2)
    procs = []
    vport, iport = 18000 + random.randint(0, 999), 19000 + random.randint(0, 999)
    vb, ib = f"http://127.0.0.1:{vport}", f"http://127.0.0.1:{iport}"
    try:
        fresh = not os.path.exists(data)
        if fresh:
            subprocess.run([BIN, "demo", "--data", data, "--objects", "20", "--images", "0", "--no-serve", "--no-simulate"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Answer cache off for the uncached runs.
        v = start_vitrine(data, vport, 0)
        procs.append(v)
        if fresh:
            # Shown with a public object, so anonymous callers (like iipsrv's) may have it.
            number = json.loads(http("GET", vb + "/api/public/v1/objects?limit=1")[2])["items"][0]["object_number"]
            asset, _ = import_master(data, master, "bench8k", number)
            _, took_100 = import_master(data, big, "bench100mp", number)
            with open(os.path.join(work, "assets.json"), "w") as f:
                json.dump({"asset": asset, "took_100": took_100}, f)
            time.sleep(1.5)  # the server sees the imports through the outbox
        meta = json.load(open(os.path.join(work, "assets.json")))
        asset, took_100 = meta["asset"], meta["took_100"]
        pyramids = os.path.join(data, "media", "pyramids")
        link = os.path.join(pyramids, "bench.tif")
        if not os.path.exists(link):
            os.symlink(os.path.join(pyramids, f"{asset}.tif"), link)
        w = h = 8192
        tiles = tile_paths(w, h)
        random.Random(3).shuffle(tiles)
        regions = region_paths(w, h, 400, 4)
        v_prefix = "/iiif/3/bench8k"
        i_prefix = "/fcgi-bin/iipsrv.fcgi?IIIF=/bench.tif"
        lists = {}
        for name, items in (("tiles", tiles), ("regions", regions)):
            for who, prefix in (("vitrine", v_prefix), ("iipsrv", i_prefix)):
                p = os.path.join(work, f"{name}-{who}.txt")
                write_list(p, prefix, items)
                lists[(name, who)] = p
        info_list = os.path.join(work, "info.txt")
        with open(info_list, "w") as f:
            f.write(f"{v_prefix}/info.json\n")

        results = {}
        ii = start_iipsrv(work, pyramids, iport)
        procs.append(ii)
        for name in ("tiles", "regions"):
            va = [vb + l.strip() for l in open(lists[(name, "vitrine")])]
            ia = [ib + l.strip() for l in open(lists[(name, "iipsrv")])]
            check_lists(va, ia)
        for name in ("tiles", "regions"):
            results[(name, "vitrine")] = wrk("paths.lua", vb, "/", dict(PATHS=lists[(name, "vitrine")]), a.duration, a.conns)
            results[(name, "iipsrv")] = wrk("paths.lua", ib, "/", dict(PATHS=lists[(name, "iipsrv")]), a.duration, a.conns)
        v_rss = rss_mb(v.pid)
        v.terminate()
        v.wait()
        procs.remove(v)
        # Warm: the default answer cache, filled by one pass over the tiles first.
        v = start_vitrine(data, vport, 256)
        procs.append(v)
        for line in open(lists[("tiles", "vitrine")]):
            http("GET", vb + line.strip())
        results[("warm", "vitrine")] = wrk("paths.lua", vb, "/", dict(PATHS=lists[("tiles", "vitrine")]), a.duration, a.conns)
        results[("info", "vitrine")] = wrk("paths.lua", vb, "/", dict(PATHS=info_list), a.duration, a.conns)

        def row(label, key, target):
            r = results[key]
            return f"| {label} | {target} | {r['rps']:,.0f} | {r['p50']:.1f} / {r['p99']:.1f} | {r['errors']} |"
        print(f"\nIIIF Image API, 8192×8192 pyramid ({len(tiles)} tiles, {len(regions)} regions), wrk {a.conns} connections, "
              f"{a.duration} s each, loopback, release build, {os.cpu_count()} cores\n")
        print("| run | target | req/s | p50 / p99 ms | errors |\n|---|---|---|---|---|")
        print(row("tiles, Vitrine, uncached", ("tiles", "vitrine"), f"≥ 3× iipsrv"))
        print(row("tiles, iipsrv 1.1 (lighttpd FastCGI ×2)", ("tiles", "iipsrv"), ""))
        print(row("regions, Vitrine, uncached", ("regions", "vitrine"), "≥ 1.5× iipsrv"))
        print(row("regions, iipsrv 1.1", ("regions", "iipsrv"), ""))
        print(row("tiles, Vitrine, warm cache", ("warm", "vitrine"), "≥ 10,000"))
        print(row("info.json, Vitrine", ("info", "vitrine"), "≥ 20,000"))
        t = results[("tiles", "vitrine")]["rps"] / results[("tiles", "iipsrv")]["rps"]
        r = results[("regions", "vitrine")]["rps"] / results[("regions", "iipsrv")]["rps"]
        print(f"\nRatios: tiles {t:.2f}× iipsrv, regions {r:.2f}× iipsrv. Vitrine peak memory (uncached runs) {v_rss:.0f} MiB.")
        print(f"100-megapixel TIFF (12,000×8,400, 302 MB) imported with its pyramid ready in {took_100:.2f} s "
              f"(`vitrine media import`, wall time of the whole command).")
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
