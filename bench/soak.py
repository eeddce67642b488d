#!/usr/bin/env python3
"""Soak with faults: two Site Atlas instances on one PostGIS under mixed load,
while one instance is killed and restarted and PostgreSQL is restarted.

  bench/soak.py [--duration 600] [--plots 20000] [--writes-per-second 50] [--debug]

Load, all through real HTTP and spread over both instances: tile reads,
searches, plot status writes at a fixed rate (GET for the ETag, then PATCH
with If-Match and a unique note), one import of new plots, and panorama
uploads. Faults: at 30 % of the run instance B is killed with SIGKILL and
started again; at 60 % PostgreSQL is stopped for 15 s and started again.

Checked afterwards, and the exit status is 1 if any check fails:
- every acknowledged write (200 to a PATCH) is in the store with at least
  that version, and its note is in the audit log; the acknowledged import's
  plots are all there;
- both instances show the store's version of every written plot (NOTIFY and
  resynchronisation after the restarts);
- no 5xx outside the fault windows; while the database is down, writes get
  503 with Retry-After, reads keep being served from memory, and writes
  succeed again without anyone's help once it is back;
- instance A's resident memory grows at most 10 % after warm-up (the first
  20 % of the run): the median of the last minute against the median of the
  first minute after warm-up.

Needs the Debian packages postgresql-15-postgis-3 (installed when missing)
and builds the release binaries. Not part of CI: it takes --duration seconds
plus set-up. Results go to stdout and bench/out/soak.json.
"""

import argparse
import email.message
import json
import math
import os
import random
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import PGBIN, free_port, install_packages, log, psql, rss_kb, stop, wait_http  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
# The dense part of the generated dataset (Chengdu Wenjiang).
DENSE = (103.846, 30.712)


# --- HTTP --------------------------------------------------------------------

def request(method, url, body=None, headers=None, timeout=30):
    """(status, headers, body bytes); status 0 when no answer came. Headers are read case-insensitively."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
    except (urllib.error.URLError, ConnectionError, OSError):
        return 0, email.message.Message(), b""


class Record:
    """Every answer, with when and where, for the checks afterwards."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = []  # (t, kind, instance, status, has_retry_after)
        self.acked_writes = []  # (plot id, version, note)
        self.acked_import = None  # codes
        self.uploads = 0

    def answer(self, t, kind, instance, status, headers):
        with self.lock:
            self.answers.append((t, kind, instance, status, headers.get("Retry-After") is not None))


# --- the run -----------------------------------------------------------------

class Soak:
    def __init__(self, args):
        self.args = args
        self.record = Record()
        self.stopping = threading.Event()
        self.t0 = None
        self.windows = {}  # name -> [start, end]
        self.instances = {}  # "A"/"B" -> (process, base URL)
        self.plot_ids = []

    def now(self):
        return time.time() - self.t0

    # set-up

    def build(self):
        profile = [] if self.args.debug else ["--release"]
        log("building the binaries")
        subprocess.run(["cargo", "build", "--locked", "--bins", *profile], cwd=ROOT, check=True)
        target = ROOT / "target" / ("debug" if self.args.debug else "release")
        return target / "siteatlas", target / "siteatlas-fixtures"

    def start_postgis(self):
        self.pg_port = free_port()
        self.pg_dir = Path(tempfile.mkdtemp(prefix="siteatlas-soak-pg."))
        os.chmod(self.pg_dir, 0o755)
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if os.getuid() == 0:
            shutil.chown(self.pg_dir, "postgres")
        subprocess.run(self.as_pg + [str(PGBIN / "initdb"), "-D", str(self.pg_dir / "db"), "-U", "postgres",
                                     "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, stdout=subprocess.DEVNULL)
        self.pg_ctl("start")
        self.url = f"postgres://postgres@127.0.0.1:{self.pg_port}/postgres"

    def pg_ctl(self, action):
        opts = f"-p {self.pg_port} -k {self.pg_dir} -c listen_addresses=127.0.0.1 -c max_connections=100"
        cmd = [str(PGBIN / "pg_ctl"), "-D", str(self.pg_dir / "db"), "-l", str(self.pg_dir / "log"), "-w"]
        if action == "start":
            cmd += ["-o", opts, "start"]
        else:
            cmd += ["-m", "fast", "stop"]
        subprocess.run(self.as_pg + cmd, check=True, stdout=subprocess.DEVNULL)

    def load_data(self, siteatlas, fixtures):
        data = Path(tempfile.mkdtemp(prefix="siteatlas-soak-data."))
        subprocess.run([str(fixtures), "--plots", str(self.args.plots), str(data)], check=True,
                       stdout=subprocess.DEVNULL)
        for layer in ["parks", "plots", "factories", "pois"]:
            path = data / f"{layer}.geojsonl"
            if not path.exists():
                path = next(data.glob(f"{layer}.*"))
            subprocess.run([str(siteatlas), "import", "--layer", layer, "--database-url", self.url, str(path)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(data)
        out = subprocess.run([str(siteatlas), "token", "create", "--role", "admin", "--name", "soak",
                              "--database-url", self.url], check=True, capture_output=True, text=True).stdout
        self.token = out.strip().splitlines()[-1]
        self.plot_ids = [int(i) for i in psql(self.url, "SELECT id FROM plots ORDER BY id").split()]
        self.park = psql(self.url, "SELECT code FROM parks ORDER BY id LIMIT 1").strip()

    def start_instance(self, name):
        port = self.instances[name][2] if name in self.instances else free_port()
        log_file = open(OUT / f"soak-{name}.log", "ab")
        p = subprocess.Popen([str(self.siteatlas), "serve", "--bind", f"127.0.0.1:{port}", "--database-url", self.url,
                              "--no-demo", "--data-dir", str(self.media_dir)],
                             stdout=log_file, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        self.instances[name] = (p, base, port)
        wait_http(base + "/health", timeout=300)

    # load

    def base(self):
        name = random.choice("AB")
        return name, self.instances[name][1]

    def tile_reader(self, seed):
        rng = random.Random(seed)
        while not self.stopping.is_set():
            name, base = self.base()
            z = rng.randint(12, 16)
            n = 2 ** z
            lon = DENSE[0] + rng.uniform(-0.05, 0.05)
            lat = DENSE[1] + rng.uniform(-0.05, 0.05)
            x = int((lon + 180) / 360 * n)
            y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
            status, headers, _ = request("GET", f"{base}/tiles/plots,factories/{z}/{x}/{y}.mvt",
                                         headers={"Accept-Encoding": "gzip"})
            self.record.answer(self.now(), "tile", name, status, headers)

    def searcher(self, seed):
        rng = random.Random(seed)
        while not self.stopping.is_set():
            name, base = self.base()
            lon = DENSE[0] + rng.uniform(-0.05, 0.05)
            lat = DENSE[1] + rng.uniform(-0.05, 0.05)
            q = f"layer=plots&lon={lon:.5f}&lat={lat:.5f}&radius_m=3000&status=available&min_area_mu=20&limit=20"
            status, headers, _ = request("GET", f"{base}/api/search?{q}")
            self.record.answer(self.now(), "search", name, status, headers)

    def writer(self, seed, per_second):
        rng = random.Random(seed)
        auth = {"Authorization": f"Bearer {self.token}"}
        interval = 1.0 / per_second
        next_at = time.time()
        n = 0
        while not self.stopping.is_set():
            next_at += interval
            time.sleep(max(0.0, next_at - time.time()))
            name, base = self.base()
            plot = rng.choice(self.plot_ids)
            status, headers, body = request("GET", f"{base}/api/plots/{plot}")
            if status != 200:
                self.record.answer(self.now(), "read", name, status, headers)
                continue
            current = json.loads(body)["properties"]["status"]
            wanted = {"available": "reserved", "reserved": "available"}.get(current)
            if wanted is None:
                # Not a plot this workload toggles: its slot goes to another.
                next_at -= interval
                continue
            n += 1
            note = f"soak-{seed}-{n}"
            status, headers, body = request(
                "PATCH", f"{base}/api/plots/{plot}",
                body=json.dumps({"status": wanted, "note": note}).encode(),
                headers={**auth, "Content-Type": "application/json", "If-Match": headers.get("ETag", "")})
            self.record.answer(self.now(), "write", name, status, headers)
            if status == 200:
                version = json.loads(body)["properties"]["version"]
                with self.record.lock:
                    self.record.acked_writes.append((plot, version, note))

    def importer(self, at):
        while self.now() < at:
            if self.stopping.wait(0.5):
                return
        features = []
        for i in range(500):
            lon = 104.5 + (i % 25) * 0.002
            lat = 31.5 + (i // 25) * 0.002
            ring = [[lon, lat], [lon + 0.0015, lat], [lon + 0.0015, lat + 0.0015], [lon, lat + 0.0015], [lon, lat]]
            features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                             "properties": {"code": f"SOAK-{i:04}", "name": f"soak {i}", "status": "available",
                                            "land_use": "industrial", "park": self.park}})
        body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        name, base = self.base()
        status, headers, answer = request("POST", f"{base}/api/import?layer=plots", body=body, timeout=120,
                                          headers={"Authorization": f"Bearer {self.token}",
                                                   "Content-Type": "application/geo+json"})
        self.record.answer(self.now(), "import", name, status, headers)
        if status == 200:
            self.record.acked_import = [f["properties"]["code"] for f in features]
        else:
            log(f"import answered {status}: {answer[:300]!r}")

    def uploader(self, every):
        image = panorama_png(2048, 1024)
        rng = random.Random(7)
        while not self.stopping.wait(every):
            name, base = self.base()
            plot = rng.choice(self.plot_ids)
            boundary = "soak-boundary"
            parts = []
            for field, value in [("layer", "plots"), ("feature", str(plot)), ("title", "soak")]:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'
                             .encode())
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.png"\r\n'
                         f'Content-Type: image/png\r\n\r\n'.encode() + image + b"\r\n")
            parts.append(f"--{boundary}--\r\n".encode())
            status, headers, _ = request("POST", f"{base}/api/panoramas", body=b"".join(parts), timeout=120,
                                         headers={"Authorization": f"Bearer {self.token}",
                                                  "Content-Type": f"multipart/form-data; boundary={boundary}"})
            self.record.answer(self.now(), "upload", name, status, headers)
            # Accepted uploads are processed in the background (202).
            if status in (201, 202):
                self.record.uploads += 1

    def memory_sampler(self, samples):
        while not self.stopping.wait(5):
            p = self.instances["A"][0]
            if p.poll() is None:
                samples.append((self.now(), rss_kb(p.pid)[0]))

    # faults

    def faults(self):
        d = self.args.duration
        self.wait_until(0.3 * d)
        log("killing instance B (SIGKILL)")
        start = self.now()
        self.instances["B"][0].kill()
        self.instances["B"][0].wait()
        time.sleep(3)
        self.start_instance("B")
        self.windows["instance B down"] = [start, self.now() + 1]
        log(f"instance B back after {self.now() - start:.1f} s")

        self.wait_until(0.6 * d)
        log("stopping PostgreSQL for 15 s")
        start = self.now()
        self.pg_ctl("stop")
        time.sleep(15)
        self.pg_ctl("start")
        back = self.now()
        # The pools find the database again on their own; give them the
        # documented Retry-After and a margin to do so.
        self.windows["PostgreSQL down"] = [start, back + 5]
        self.db_back_at = back
        log("PostgreSQL back")

    def wait_until(self, t):
        while self.now() < t and not self.stopping.is_set():
            time.sleep(0.2)

    # the whole

    def run(self):
        OUT.mkdir(parents=True, exist_ok=True)
        for name in ["A", "B"]:
            (OUT / f"soak-{name}.log").unlink(missing_ok=True)
        install_packages_postgis_only()
        self.siteatlas, fixtures = self.build()
        self.start_postgis()
        self.media_dir = Path(tempfile.mkdtemp(prefix="siteatlas-soak-media."))
        try:
            log(f"loading {self.args.plots} plots")
            self.load_data(self.siteatlas, fixtures)
            self.start_instance("A")
            self.start_instance("B")
            self.t0 = time.time()
            samples = []
            per_writer = self.args.writes_per_second / 5
            threads = [threading.Thread(target=self.tile_reader, args=(i,)) for i in range(3)]
            threads += [threading.Thread(target=self.searcher, args=(10 + i,)) for i in range(2)]
            threads += [threading.Thread(target=self.writer, args=(20 + i, per_writer)) for i in range(5)]
            threads += [threading.Thread(target=self.importer, args=(0.45 * self.args.duration,)),
                        threading.Thread(target=self.uploader, args=(60,)),
                        threading.Thread(target=self.memory_sampler, args=(samples,))]
            for t in threads:
                t.daemon = True
                t.start()
            log(f"load for {self.args.duration} s")
            self.faults()
            self.wait_until(self.args.duration)
            self.stopping.set()
            for t in threads:
                t.join(130)
            return self.check(samples)
        finally:
            for p, _, _ in self.instances.values():
                stop(p)
            try:
                self.pg_ctl("stop")
            except subprocess.CalledProcessError:
                pass
            shutil.rmtree(self.pg_dir, ignore_errors=True)
            shutil.rmtree(self.media_dir, ignore_errors=True)

    def in_window(self, t, names):
        return any(self.windows[n][0] <= t <= self.windows[n][1] for n in names if n in self.windows)

    def check(self, samples):
        r = self.record
        failures = []
        # Every acknowledged write is in the store and in the audit log.
        versions = dict(tuple(map(int, line.split("|"))) for line in
                        psql(self.url, "SELECT id, version FROM plots").split())
        notes = set(psql(self.url, "SELECT note FROM audit_log WHERE note LIKE 'soak-%'").split())
        lost_versions = [w for w in r.acked_writes if versions.get(w[0], 0) < w[1]]
        lost_notes = [w for w in r.acked_writes if w[2] not in notes]
        if lost_versions or lost_notes:
            failures.append(f"acknowledged writes lost: {len(lost_versions)} versions, {len(lost_notes)} notes")
        if r.acked_import is not None:
            codes = set(psql(self.url, "SELECT code FROM plots WHERE code LIKE 'SOAK-%'").split())
            missing = [c for c in r.acked_import if c not in codes]
            if missing:
                failures.append(f"acknowledged import lost {len(missing)} plots")
        else:
            failures.append("the import was not acknowledged")
        # Both instances show the store's version of every written plot.
        stale = 0
        written = sorted({w[0] for w in r.acked_writes})
        for name in ["A", "B"]:
            base = self.instances[name][1]
            for plot in written:
                status, _, body = request("GET", f"{base}/api/plots/{plot}")
                if status != 200 or json.loads(body)["properties"]["version"] != versions[plot]:
                    stale += 1
        if stale:
            failures.append(f"{stale} plot reads disagree with the store after the run")
        # Status codes by window.
        db_down = self.windows.get("PostgreSQL down")
        b_down = self.windows.get("instance B down")
        server_errors_outside = [a for a in r.answers if a[3] >= 500 and not self.in_window(a[0], self.windows)]
        refused_outside = [a for a in r.answers if a[3] == 0
                           and not (a[2] == "B" and b_down and b_down[0] <= a[0] <= b_down[1])]
        writes_in_db_window = [a for a in r.answers if a[1] == "write" and db_down and db_down[0] <= a[0] <= db_down[1]]
        unavailable = [a for a in writes_in_db_window if a[3] == 503]
        unavailable_without_retry = [a for a in unavailable if not a[4]]
        reads_in_db_window = [a for a in r.answers if a[1] in ("tile", "search") and db_down
                              and db_down[0] <= a[0] <= db_down[1] - 5]
        reads_failed_in_db_window = [a for a in reads_in_db_window if a[3] not in (200, 204, 304)]
        back = getattr(self, "db_back_at", None)
        writes_after = [a for a in r.answers if a[1] == "write" and back is not None and a[0] > back]
        recovered_at = next((a[0] for a in writes_after if a[3] == 200), None)
        if server_errors_outside:
            failures.append(f"{len(server_errors_outside)} 5xx outside the fault windows")
        if refused_outside:
            failures.append(f"{len(refused_outside)} requests unanswered outside instance B's restart")
        if not unavailable:
            failures.append("no write got 503 while PostgreSQL was down")
        if unavailable_without_retry:
            failures.append(f"{len(unavailable_without_retry)} 503s without Retry-After")
        if reads_failed_in_db_window:
            failures.append(f"{len(reads_failed_in_db_window)} reads failed while PostgreSQL was down")
        if recovered_at is None:
            failures.append("writes did not succeed again after PostgreSQL came back")
        # Memory.
        # RSS moves by a few MB from one sample to the next as the allocator
        # hands pages back, so the first and the last minute after warm-up are
        # compared by their medians rather than by two single samples.
        warm = [(t, kb) for t, kb in samples if t >= 0.2 * self.args.duration]
        first = [kb for t, kb in warm if t < warm[0][0] + 60] if warm else []
        last = [kb for t, kb in warm if t > warm[-1][0] - 60] if warm else []
        growth = (statistics.median(last) - statistics.median(first)) / statistics.median(first) \
            if first and last and warm[-1][0] - warm[0][0] >= 120 else None
        if growth is None or growth > 0.10:
            failures.append(f"instance A's memory grew {growth if growth is None else round(100 * growth, 1)} %")

        by_kind = {}
        for a in r.answers:
            k = by_kind.setdefault(a[1], {})
            k[str(a[3])] = k.get(str(a[3]), 0) + 1
        result = {
            "duration_s": self.args.duration,
            "plots": self.args.plots,
            "writes_per_second_target": self.args.writes_per_second,
            "answers_by_kind_and_status": by_kind,
            "acknowledged_writes": len(r.acked_writes),
            "acknowledged_writes_per_second": round(len(r.acked_writes) / self.args.duration, 1),
            "import_acknowledged": r.acked_import is not None,
            "panoramas_uploaded": r.uploads,
            "windows_s": {k: [round(v[0], 1), round(v[1], 1)] for k, v in self.windows.items()},
            "writes_503_while_db_down": len(unavailable),
            "writes_in_db_window": len(writes_in_db_window),
            "reads_in_db_window": len(reads_in_db_window),
            "first_write_after_db_back_s": None if recovered_at is None else round(recovered_at - back, 1),
            "rss_a_kb_median_first_minute_after_warmup": statistics.median(first) if first else None,
            "rss_a_kb_median_last_minute": statistics.median(last) if last else None,
            "rss_a_kb_max_after_warmup": max(kb for _, kb in warm) if warm else None,
            "rss_growth_percent": None if growth is None else round(100 * growth, 1),
            "rss_a_kb_samples": [[round(t), kb] for t, kb in samples],
            "failures": failures,
        }
        (OUT / "soak.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2))
        return 1 if failures else 0


def install_packages_postgis_only():
    if not (PGBIN / "postgres").exists() or not Path("/usr/share/postgresql/15/extension/postgis.control").exists():
        install_packages()


def panorama_png(width, height):
    """An equirectangular-shaped PNG (2:1), a smooth gradient, made without any imaging library."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row += bytes(((x * 255) // width, (y * 255) // height, 128))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 6)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=600, help="seconds of load (default 600)")
    parser.add_argument("--plots", type=int, default=20000, help="generated plots (default 20000)")
    parser.add_argument("--writes-per-second", type=float, default=50)
    parser.add_argument("--debug", action="store_true", help="use the debug build")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(Soak(args).run())


if __name__ == "__main__":
    main()
