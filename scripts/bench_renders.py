#!/usr/bin/env python3
"""Peak memory under a burst of large IIIF renders (issue 22), for several values of
`image_large_renders`.

Writes an 8192x8192 RGB TIFF master, imports it, then for each setting starts
`vitrine serve` (answer cache off) and sends N requests for the whole image turned by a
different angle at `^max` (the largest answer the limits allow: about 40 megapixels of
canvas each), C at a time, and reads the server's peak resident memory (VmHWM). Every
answer must be 200. Prints a Markdown table for docs/benchmarks.md. Loopback only.

  python3 scripts/bench_renders.py [--renders 64] [--conns 8] [--settings 1,2,8] [--keep DIR]
Needs the release binary (cargo build --release -p vitrine).
"""
import argparse, json, os, random, shutil, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, http, wait_ready, rss_mb  # noqa: E402
from bench_iiif import master_work, import_master  # noqa: E402


def burst(base, renders, conns):
    """Sends the requests; returns (seconds, answer sizes)."""
    def one(i):
        angle = 1 + (i * 7) % 359
        if angle % 90 == 0:
            angle += 1
        status, _, body = http("GET", f"{base}/iiif/3/benchbig/full/^max/{angle}/default.jpg")
        if status != 200:
            sys.exit(f"render {i}: {status}")
        return len(body)
    t0 = time.monotonic()
    with ThreadPoolExecutor(conns) as pool:
        sizes = list(pool.map(one, range(renders)))
    return time.monotonic() - t0, sizes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--renders", type=int, default=64)
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--settings", default="1,2,8")
    ap.add_argument("--keep", help="reuse/keep this work folder")
    a = ap.parse_args()
    work, data, master = master_work(a.keep, "vitrine-bench-renders-")
    port = 18000 + random.randint(0, 999)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        if not os.path.exists(data):
            subprocess.run([BIN, "demo", "--data", data, "--objects", "20", "--images", "0", "--no-serve", "--no-simulate"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # A public object, so anonymous callers may see its image.
            proc = start(data, port, 1)
            number = json.loads(http("GET", base + "/api/public/v1/objects?limit=1")[2])["items"][0]["object_number"]
            stop(proc)
            import_master(data, master, "benchbig", number)
        for setting in a.settings.split(","):
            proc = start(data, port, setting)
            try:
                time.sleep(0.5)
                idle = rss_mb(proc.pid, "VmRSS")
                took, sizes = burst(base, a.renders, a.conns)
                rows.append((setting, idle, rss_mb(proc.pid), took, sum(sizes) / len(sizes)))
            finally:
                stop(proc)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{a.renders} renders of an 8192×8192 image turned by a different angle each at ^max "
          f"(about 40 MP of canvas), {a.conns} at a time, answer cache off, release build, {os.cpu_count()} cores\n")
    print("| image_large_renders | idle RSS | peak RSS | wall time | renders/s | mean answer |")
    print("|---|---|---|---|---|---|")
    for setting, idle, peak, took, mean in rows:
        print(f"| {setting} | {idle:.0f} MiB | {peak:.0f} MiB | {took:.1f} s | {a.renders / took:.2f} | {mean / 1e6:.1f} MB |")


def start(data, port, setting):
    env = dict(os.environ, VITRINE_LOG="warn", VITRINE_IMAGE_CACHE_MB="0", VITRINE_IMAGE_LARGE_RENDERS=str(setting))
    proc = subprocess.Popen([BIN, "serve", "--data", data, "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    wait_ready(f"http://127.0.0.1:{port}", proc)
    return proc


def stop(proc):
    proc.terminate()
    proc.wait(timeout=30)


if __name__ == "__main__":
    main()
