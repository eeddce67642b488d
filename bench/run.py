#!/usr/bin/env python3
"""Site Atlas against Martin, PostGIS and nginx, in one run on one machine.

  bench/run.py [--plots 1000000] [--duration 20] [--out docs/benchmarks.md] [--without-martin]

Steps: build; start a throwaway PostGIS; generate the deterministic dataset and
import it with `siteatlas import`; start `siteatlas serve` and Martin on the
same tables; replay one browsing session of tile URLs with wrk (16
connections, gzip) cold and warm against both; run radius + constraint
searches through /api/search and the same ST_DWithin query through pgbench,
checking the answers agree; serve the same tiles pre-gzipped with nginx; then
measure start-up, memory, tile sizes and the delay from a write to the first
tile that shows it under read load. Results go to stdout and to --out.
`--without-martin` leaves Martin out (no build, no comparison): Site Atlas's own
figures alone, to check a change against an earlier run.

Needs: Debian packages postgresql-15-postgis-3, nginx-light, wrk (installed
when missing) and Martin from crates.io (built once into
~/.cache/siteatlas-bench). Not part of CI: it takes about half an hour.
"""

import argparse
import datetime
import gzip
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TOOLS = Path.home() / ".cache" / "siteatlas-bench"
MARTIN_VERSION = "1.3.1"
PGBIN = Path("/usr/lib/postgresql/15/bin")
CONNECTIONS = 16
# What an investor filters by in the web map: available or reserved
# industrial land of 30-80 mu.
TILE_FILTER = "status=available,reserved&land_use=industrial&min_area_mu=30&max_area_mu=80"
# The dense part of the dataset: the first generated area (Chengdu Wenjiang).
DENSE = (103.846, 30.712)

children = []


def log(msg):
    print(f"== {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def start(cmd, **kw):
    p = subprocess.Popen(cmd, **kw)
    children.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def fetch(url, gzip_ok=False):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(req, timeout=300) as r:
        return r.status, r.read(), dict(r.headers)


def etag_of(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        r.read()
        return r.headers.get("ETag")


def rss_kb(pid):
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


# --- set-up ------------------------------------------------------------------

def install_packages():
    need = []
    if not (PGBIN / "postgres").exists() or not Path("/usr/share/postgresql/15/extension/postgis.control").exists():
        need += ["postgresql-15", "postgresql-15-postgis-3"]
    if not shutil.which("nginx"):
        need.append("nginx-light")
    if not shutil.which("wrk"):
        need.append("wrk")
    if need:
        log(f"installing {' '.join(need)}")
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", *need], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def build(with_martin):
    log("building Site Atlas (release)")
    run(["cargo", "build", "--release", "--locked", "--bins"], cwd=ROOT)
    martin = TOOLS / "martin" / "bin" / "martin"
    if with_martin and not martin.exists():
        # `--features postgres` alone does not build in 1.3.1 (tokio lacks its
        # multi-threaded runtime); mbtiles brings it and changes nothing served.
        log(f"building Martin {MARTIN_VERSION} from crates.io (once)")
        run(["cargo", "install", "martin", "--version", MARTIN_VERSION, "--locked", "--no-default-features",
             "--features", "postgres,mbtiles", "--root", str(TOOLS / "martin")])
    return ROOT / "target" / "release" / "siteatlas", ROOT / "target" / "release" / "siteatlas-fixtures", martin


def start_postgis(port):
    data = Path(tempfile.mkdtemp(prefix="siteatlas-bench-pg."))
    os.chmod(data, 0o755)
    as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    if os.getuid() == 0:
        shutil.chown(data, "postgres")
    run(as_pg + [str(PGBIN / "initdb"), "-D", str(data / "db"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8"], stdout=subprocess.DEVNULL)
    opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c shared_buffers=2GB -c work_mem=64MB " \
           f"-c max_connections=100 -c fsync=off -c synchronous_commit=off -c max_wal_size=8GB"
    run(as_pg + [str(PGBIN / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w", "-o", opts, "start"],
        stdout=subprocess.DEVNULL)
    return data, as_pg


def psql(url, sql):
    return subprocess.run(["psql", url, "-qAtc", sql], check=True, capture_output=True, text=True).stdout


# --- workloads ---------------------------------------------------------------

def browsing_session(parks, n_requests, seed=1):
    """Views at zooms 10-16 around parks, 3x2 tiles a view, as tile (z, x, y)."""
    rng = random.Random(seed)
    tiles = []
    while len(tiles) < n_requests:
        lon, lat = rng.choice(parks)
        z = rng.randint(10, 16)
        lon += rng.uniform(-0.02, 0.02)
        lat += rng.uniform(-0.02, 0.02)
        n = 2 ** z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        for dx in (-1, 0, 1):
            for dy in (0, 1):
                tiles.append((z, x + dx, y + dy))
    return tiles[:n_requests]


WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local counter = 0
local threads = {}
function setup(thread)
  thread:set("offset", #threads * 997)
  table.insert(threads, thread)
end
function init(args) counter = offset or 0 end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], HEADERS)
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.1f %.1f %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status, summary.bytes))
end
"""


def wrk(base, paths, duration, label, gzip=True, threads=2):
    """Replays `paths` for `duration` seconds; `gzip` says whether the client accepts gzip;
    `threads` is wrk's thread count (the connections are shared among them)."""
    path_file = OUT / f"{label}.paths"
    path_file.write_text("\n".join(paths) + "\n")
    headers = '{ ["Accept-Encoding"] = "gzip" }' if gzip else "{}"
    script = OUT / ("replay.lua" if gzip else "replay-identity.lua")
    script.write_text(WRK_SCRIPT.replace("HEADERS", headers))
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "30s", "-s", str(script), base],
                         env={**os.environ, "WRK_PATHS": str(path_file)}, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    _, reqs, dur_us, p50, p99, bad, nbytes = line.split()
    result = {"rps": int(reqs) / (int(dur_us) / 1e6), "p50_ms": float(p50) / 1000, "p99_ms": float(p99) / 1000,
              "requests": int(reqs), "non_2xx": int(bad)}
    log(f"{label}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms")
    return result


def pgbench(url, sql_file, duration):
    out = subprocess.run(["pgbench", "-n", f"-c{CONNECTIONS}", "-j2", f"-T{duration}", "-f", str(sql_file), "-r",
                          "--log", "--log-prefix", str(OUT / "pgbench"), url],
                         capture_output=True, text=True, check=True, cwd=OUT).stdout
    tps = float(next(l for l in out.splitlines() if l.startswith("tps")).split("=")[1].split()[0])
    lat = []
    for f in OUT.glob("pgbench*"):
        if f.suffix != ".sql":
            for line in f.read_text().splitlines():
                lat.append(int(line.split()[2]) / 1000)
            f.unlink()
    lat.sort()
    return {"rps": tps, "p50_ms": lat[len(lat) // 2], "p99_ms": lat[int(len(lat) * 0.99)]}


# --- the run -------------------------------------------------------------------

def martin_yaml(db, port, cache_mb):
    """Martin's configuration: the EPSG:3857 copy of the plots (see main)."""
    return f"""listen_addresses: '127.0.0.1:{port}'
cache_size_mb: {cache_mb}
postgres:
  connection_string: '{db}'
  auto_publish: false
  tables:
    plots:
      schema: public
      table: plots_3857
      srid: 3857
      geometry_column: geom
      geometry_type: GEOMETRY
      id_column: id
      extent: 4096
      buffer: 64
      clip_geom: true
      properties:
        code: text
        name: text
        status: text
        land_use: text
        area_m2: float8
        price_wan_per_mu: float8
        park: text
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plots", type=int, default=1_000_000)
    ap.add_argument("--duration", type=int, default=20, help="seconds per load test")
    ap.add_argument("--requests", type=int, default=10_000, help="tile requests in the browsing session")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--without-martin", action="store_true", help="Site Atlas's own figures only")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    install_packages()
    siteatlas, fixtures, martin = build(not args.without_martin)

    pg_port = free_port()
    pg_data, as_pg = start_postgis(pg_port)
    admin = f"postgres://postgres@127.0.0.1:{pg_port}/postgres"
    psql(admin, "CREATE DATABASE bench")
    db = f"postgres://postgres@127.0.0.1:{pg_port}/bench"
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    try:
        data_dir = OUT / f"data-{args.plots}"
        if not (data_dir / "plots.geojsonl").exists():
            log(f"generating {args.plots} plots")
            run([str(fixtures), "--plots", str(args.plots), str(data_dir)])
        t0 = time.time()
        for layer in ["parks", "pois", "factories", "plots"]:
            run([str(siteatlas), "import", "--layer", layer, str(data_dir / f"{layer}.geojsonl"), "--database-url", db])
        results["import_s"] = time.time() - t0
        psql(db, "VACUUM ANALYZE")

        parks = [tuple(json.loads(l)["geometry"]["coordinates"][0][0]) for l in (data_dir / "parks.geojsonl").open()]
        tiles = browsing_session(parks, args.requests)
        ours_path = [f"/tiles/plots/{z}/{x}/{y}.mvt" for z, x, y in tiles]
        martin_path = [f"/plots/{z}/{x}/{y}" for z, x, y in tiles]

        def serve(cache_mb):
            port = free_port()
            t = time.time()
            p = start([str(siteatlas), "serve", "--no-demo", "--database-url", db, "--bind", f"127.0.0.1:{port}",
                       "--tile-cache-mb", str(cache_mb)], stderr=subprocess.DEVNULL)
            wait_http(f"http://127.0.0.1:{port}/health")
            return p, f"http://127.0.0.1:{port}", time.time() - t

        # Start-up and memory with the whole dataset.
        p, base, startup = serve(0)
        results["startup_s"] = startup
        results["rss_mb"], results["peak_rss_mb"] = (v / 1024 for v in rss_kb(p.pid))
        log(f"start-up {startup:.1f} s, RSS {results['rss_mb']:.0f} MB (peak {results['peak_rss_mb']:.0f} MB)")

        # Tile sizes of the session, and the largest tile per zoom over the dense area.
        sizes = []
        nginx_root = OUT / "static"
        shutil.rmtree(nginx_root, ignore_errors=True)
        for path in sorted(set(ours_path)):
            status, body, _ = fetch(base + path)
            if status == 200:
                sizes.append(len(body))
                _, gz, _ = fetch(base + path, gzip_ok=True)
                target = nginx_root / (path.lstrip("/") + ".gz")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(gz)
        sizes.sort()
        results["tile_bytes"] = {"p50": sizes[len(sizes) // 2], "p99": sizes[int(len(sizes) * 0.99)], "max": sizes[-1]}
        largest = {}
        for z in range(0, 17):
            n = 2 ** z
            cx = int((DENSE[0] + 180) / 360 * n)
            cy = int((1 - math.asinh(math.tan(math.radians(DENSE[1]))) / math.pi) / 2 * n)
            biggest = 0
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    if 0 <= cx + dx < n and 0 <= cy + dy < n:
                        status, body, _ = fetch(f"{base}/tiles/parks,plots,factories,pois/{z}/{cx + dx}/{cy + dy}.mvt")
                        biggest = max(biggest, len(body) if status == 200 else 0)
            largest[z] = biggest
        results["largest_tile_by_zoom"] = largest
        log(f"tile bytes {results['tile_bytes']}, largest per zoom {largest}")

        # Cold tiles: caches off.
        results["ours_cold"] = wrk(base, ours_path, args.duration, "siteatlas-cold")
        # The same session with the investor's filters, as the web map asks for
        # them: the tiles then hold (and their clusters count) only what passes.
        filtered_path = [f"{pth}?{TILE_FILTER}" for pth in ours_path]
        results["ours_cold_filtered"] = wrk(base, filtered_path, args.duration, "siteatlas-cold-filtered")
        stop(p)

        def martin_config(cache_mb):
            martin_cfg.write_text(martin_yaml(db, martin_port, cache_mb))
            m = start([str(martin), "--config", str(martin_cfg)], stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            wait_http(f"http://127.0.0.1:{martin_port}/health")
            return m

        martin_cfg = OUT / "martin.yaml"
        martin_port = free_port()
        if not args.without_martin:
            # Martin's best case, as its documentation advises: the geometry stored
            # in Web Mercator with a GiST index, so no tile reprojects a geometry.
            psql(db, "DROP TABLE IF EXISTS plots_3857; "
                     "CREATE TABLE plots_3857 AS SELECT id, code, name, status, land_use, area_m2, price_wan_per_mu, park, "
                     "ST_Transform(geom, 3857) AS geom FROM plots; "
                     "ALTER TABLE plots_3857 ADD PRIMARY KEY (id); "
                     "CREATE INDEX plots_3857_geom ON plots_3857 USING GIST (geom)")
            # VACUUM cannot run in the transaction psql makes of several statements.
            psql(db, "VACUUM ANALYZE plots_3857")
            m = martin_config(0)
            results["martin_cold"] = wrk(f"http://127.0.0.1:{martin_port}", martin_path, args.duration, "martin-cold")
            stop(m)

        # Warm tiles: caches on and primed by one pass over the session.
        p, base, results["startup_again_s"] = serve(1024)
        for path in sorted(set(ours_path)):
            fetch(base + path, gzip_ok=True)
        results["ours_warm"] = wrk(base, ours_path, args.duration, "siteatlas-warm")
        # With one wrk thread, wrk takes less of the 2 cores from the server.
        results["ours_warm_t1"] = wrk(base, ours_path, args.duration, "siteatlas-warm-t1", threads=1)
        if not args.without_martin:
            m = martin_config(1024)
            # Martin encodes low-zoom tiles of a million plots slowly: prime for at
            # most five minutes (what is not primed is then cached by the run itself).
            priming_deadline = time.time() + 300
            for path in sorted(set(martin_path), key=lambda p: -int(p.split("/")[2])):
                if time.time() > priming_deadline:
                    log("Martin priming stopped after 5 minutes")
                    break
                fetch(f"http://127.0.0.1:{martin_port}{path}", gzip_ok=True)
            results["martin_warm"] = wrk(f"http://127.0.0.1:{martin_port}", martin_path, args.duration, "martin-warm")
            stop(m)

        # nginx serving the same tiles pre-gzipped from disk.
        nginx_port = free_port()
        conf = OUT / "nginx.conf"
        conf.write_text(f"""worker_processes 2;
pid {OUT}/nginx.pid;
error_log {OUT}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types {{ application/vnd.mapbox-vector-tile mvt; }}
  server {{
    listen 127.0.0.1:{nginx_port};
    root {nginx_root};
    gzip_static always;
    location /tiles/ {{ add_header Cache-Control "public, max-age=60"; }}
    location /search/ {{ gzip_static off; default_type application/geo+json; }}
  }}
}}
""")
        ngx = start(["nginx", "-c", str(conf), "-g", "daemon off;"])
        wait_port(nginx_port)
        static_paths = [pth for pth in ours_path if (nginx_root / (pth.lstrip("/") + ".gz")).exists()]
        results["nginx"] = wrk(f"http://127.0.0.1:{nginx_port}", static_paths, args.duration, "nginx")
        results["nginx_t1"] = wrk(f"http://127.0.0.1:{nginx_port}", static_paths, args.duration, "nginx-t1", threads=1)
        stop(ngx)

        # Searches: the API against the same question in SQL.
        rng = random.Random(5)
        centres = [(DENSE[0] + rng.uniform(-0.05, 0.05), DENSE[1] + rng.uniform(-0.05, 0.05)) for _ in range(2000)]
        filters = "status=available,reserved&land_use=industrial&min_area_mu=30&max_area_mu=80"
        centres = [(round(lon, 6), round(lat, 6)) for lon, lat in centres]
        search_paths = [f"/api/search?lon={lon}&lat={lat}&radius_m=5000&{filters}&limit=1000" for lon, lat in centres]
        page_paths = [p.replace("limit=1000", "limit=20") for p in search_paths]
        # The same question answered with what pgbench returns: ids and distances.
        ids_paths = [p + "&properties=distance_m&skipGeometry=true" for p in search_paths]
        sql = ("SELECT id, ST_Distance(geom::geography, p) AS d FROM plots, "
               "(SELECT ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)::geography AS p) q "
               "WHERE ST_DWithin(geom::geography, p, 5000) AND status IN ('available', 'reserved') "
               "AND land_use = 'industrial' AND area_m2 BETWEEN 30 * 666.67 AND 80 * 666.67 ORDER BY d, id")
        identical, equivalent, compared = 0, 0, 0
        for path, ids_path, (lon, lat) in list(zip(search_paths, ids_paths, centres))[:100]:
            _, body, _ = fetch(base + path)
            ours = [(f["id"], f["properties"]["distance_m"]) for f in json.loads(body)["features"]]
            _, body, _ = fetch(base + ids_path)
            compact = [(f["id"], f["properties"]["distance_m"]) for f in json.loads(body)["features"]]
            assert compact == ours, f"{ids_path}: the compact answer differs from the full one"
            theirs = [(int(i), float(d)) for i, d in (r.split("|") for r in psql(db, sql.format(lon=lon, lat=lat)).split())]
            compared += 1
            if [i for i, _ in ours] == [i for i, _ in theirs]:
                identical += 1
                equivalent += 1
                continue
            # Otherwise the same within the tolerance: differences only for
            # features within max(0.5 m, 0.1 %) of the radius, distances agreeing.
            tol = lambda d: max(0.5, 0.001 * d)
            mine, pg = dict(ours), dict(theirs)
            differ = set(mine) ^ set(pg)
            if all(abs(pg.get(i, mine.get(i)) - 5000) <= tol(5000) for i in differ) and \
                    all(abs(mine[i] - pg[i]) <= tol(pg[i]) + 0.01 for i in set(mine) & set(pg)):
                equivalent += 1
        results["search_identical"] = f"{identical}/{compared} identical (same ids in the same order), " \
                                      f"{equivalent}/{compared} equal within max(0.5 m, 0.1 %)"
        log(f"search answers: {results['search_identical']}")
        results["ours_search_ids"] = wrk(base, ids_paths, args.duration, "siteatlas-search-ids")
        # The same answers uncompressed, as pgbench receives its rows.
        results["ours_search_ids_identity"] = wrk(base, ids_paths, args.duration, "siteatlas-search-ids-identity",
                                                  gzip=False)
        # wrk shares the 2 cores with the server: with one thread instead of
        # two it takes less of them (it is far from its own limit here).
        results["ours_search_ids_identity_t1"] = wrk(base, ids_paths, args.duration,
                                                     "siteatlas-search-ids-identity-t1", gzip=False, threads=1)
        # The floor under the search latency on this machine: nginx serving the
        # same answers, uncompressed, as files. It does no work per request
        # but shares the 2 cores with wrk as the server does.
        answers_root = nginx_root / "search"
        answers_root.mkdir(parents=True, exist_ok=True)
        for i, path in enumerate(ids_paths):
            (answers_root / f"{i}.json").write_bytes(fetch(base + path)[1])
        ngx = start(["nginx", "-c", str(conf), "-g", "daemon off;"])
        wait_port(nginx_port)
        results["nginx_search_answers"] = wrk(f"http://127.0.0.1:{nginx_port}",
                                              [f"/search/{i}.json" for i in range(len(ids_paths))],
                                              args.duration, "nginx-search-answers", gzip=False)
        stop(ngx)
        results["ours_search"] = wrk(base, search_paths, args.duration, "siteatlas-search")
        results["ours_search_page"] = wrk(base, page_paths, args.duration, "siteatlas-search-page")
        random_centre = {"lon": f"{DENSE[0]} + :dx / 1000000.0", "lat": f"{DENSE[1]} + :dy / 1000000.0"}
        sql_file = OUT / "search.sql"
        sql_file.write_text("\\set dx random(-50000, 50000)\n\\set dy random(-50000, 50000)\n" +
                            sql.format(**random_centre) + ";\n")
        results["postgis_search"] = pgbench(db, sql_file, args.duration)
        log(f"PostGIS search: {results['postgis_search']}")
        # PostGIS writing the whole answer as GeoJSON features, as /api/search does.
        full_sql = ("SELECT ST_AsGeoJSON(t.*, 'geom', 9) FROM (SELECT plots.*, "
                    "ST_Distance(geom::geography, p) AS distance_m FROM plots, "
                    "(SELECT ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)::geography AS p) q "
                    "WHERE ST_DWithin(geom::geography, p, 5000) AND status IN ('available', 'reserved') "
                    "AND land_use = 'industrial' AND area_m2 BETWEEN 30 * 666.67 AND 80 * 666.67 "
                    "ORDER BY distance_m, id) t")
        sql_file.write_text("\\set dx random(-50000, 50000)\n\\set dy random(-50000, 50000)\n" +
                            full_sql.format(**random_centre) + ";\n")
        results["postgis_search_full"] = pgbench(db, sql_file, args.duration)
        log(f"PostGIS search, GeoJSON features: {results['postgis_search_full']}")

        # Write to visible under read load: import one plot with a new status and
        # poll the tile that shows it, while wrk keeps the server busy.
        load = start(["wrk", "-t1", "-c8", f"-d{args.duration + 30}s", "-s", str(OUT / "replay.lua"), base],
                     env={**os.environ, "WRK_PATHS": str(OUT / "siteatlas-warm.paths")}, stdout=subprocess.DEVNULL)
        time.sleep(2)
        first = json.loads(next((data_dir / "plots.geojsonl").open()))
        lon, lat = first["geometry"]["coordinates"][0][0]
        z = 15
        n = 2 ** z
        tile_url = f"{base}/tiles/plots/{z}/{int((lon + 180) / 360 * n)}/" \
                   f"{int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)}.mvt"
        delays = []
        for i, status in enumerate(["reserved", "available"] * 5):
            before = etag_of(tile_url)
            first["properties"]["status"] = status
            one = OUT / "one.geojson"
            one.write_text(json.dumps(first))
            run([str(siteatlas), "import", "--layer", "plots", str(one), "--database-url", db], stderr=subprocess.DEVNULL)
            committed = time.time()
            while True:
                if etag_of(tile_url) != before:
                    delays.append((time.time() - committed) * 1000)
                    break
                if time.time() - committed > 5:
                    delays.append(float("inf"))
                    break
        stop(load)
        results["write_to_visible_ms"] = {"median": statistics.median(delays), "max": max(delays)}
        log(f"write to visible: {results['write_to_visible_ms']}")
        stop(p)
    finally:
        for c in children:
            stop(c)
        subprocess.run(as_pg + [str(PGBIN / "pg_ctl"), "-D", str(pg_data / "db"), "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(pg_data, ignore_errors=True)

    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    report(results, args)


def report(r, args):
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    mem_gb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1]) / 2**20
    ratio = lambda a, b: r[a]["rps"] / r[b]["rps"] if r[b]["rps"] else float("inf")
    rows = [
        ("cold tiles", "ours_cold", "martin_cold"),
        ("cold tiles, filtered (`" + TILE_FILTER + "`)", "ours_cold_filtered", None),
        ("warm tiles", "ours_warm", "martin_warm"),
        ("static tiles (nginx)", "nginx", None),
        ("warm tiles, wrk with one thread", "ours_warm_t1", "nginx_t1"),
        ("search 5 km + constraints, ids and distances", "ours_search_ids", "postgis_search"),
        ("search 5 km + constraints, ids and distances, uncompressed", "ours_search_ids_identity", None),
        ("search 5 km + constraints, ids and distances, uncompressed", "ours_search_ids_identity_t1", None),
        ("search 5 km + constraints, ids and distances, uncompressed", "nginx_search_answers", None),
        ("search 5 km + constraints, GeoJSON features", "ours_search", "postgis_search_full"),
        ("search, first page of 20 features", "ours_search_page", None),
    ]
    lines = [
        "# Benchmarks", "",
        f"Run {r['date']} on {os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GB, with "
        f"`bench/run.py --plots {args.plots} --duration {args.duration}"
        f"{' --without-martin' if args.without_martin else ''}`: {args.plots:,} plots, "
        f"wrk with 2 threads, {CONNECTIONS} connections and `Accept-Encoding: gzip` (except where a row says "
        f"otherwise), one browsing session of "
        f"{args.requests:,} tile requests (views at zooms 10-16 around parks, 3x2 tiles a view).", "",
        "| workload | server | req/s | p50 ms | p99 ms |", "|---|---|---:|---:|---:|",
    ]
    names = {"ours_cold": "Site Atlas, cache off", "martin_cold": "Martin, cache off (EPSG:3857 table, GiST)",
             "ours_cold_filtered": "Site Atlas, cache off", "ours_warm": "Site Atlas, warm",
             "ours_warm_t1": "Site Atlas, warm", "nginx_t1": "nginx, pre-gzipped files",
             "martin_warm": "Martin, warm (EPSG:3857 table, GiST)", "nginx": "nginx, pre-gzipped files", "ours_search": "Site Atlas /api/search",
             "postgis_search": "PostGIS ST_DWithin (pgbench)", "ours_search_page": "Site Atlas /api/search, limit=20",
             "ours_search_ids": "Site Atlas /api/search, properties=distance_m, skipGeometry",
             "ours_search_ids_identity": "Site Atlas, the same without `Accept-Encoding`",
             "ours_search_ids_identity_t1": "Site Atlas, the same, wrk with one thread",
             "nginx_search_answers": "nginx, the same answers as files (the floor)",
             "postgis_search_full": "PostGIS ST_DWithin + ST_AsGeoJSON (pgbench)"}
    for title, a, b in rows:
        for key in (a, b):
            if key in r:
                x = r[key]
                lines.append(f"| {title} | {names[key]} | {x['rps']:,.0f} | {x['p50_ms']:.2f} | {x['p99_ms']:.2f} |")
    lines += ["", "| ratio | value | target |", "|---|---:|---|"]
    if "martin_cold" in r:
        lines += [
              f"| cold tiles, Site Atlas / Martin | {ratio('ours_cold', 'martin_cold'):.1f}x | >= 10x |",
              f"| warm tiles, Site Atlas / Martin | {ratio('ours_warm', 'martin_warm'):.1f}x | >= 30x |",
              f"| filtered cold tiles, Site Atlas / Martin's unfiltered cold tiles | "
              f"{ratio('ours_cold_filtered', 'martin_cold'):.1f}x | >= 20x |"]
    lines += [
              f"| warm tiles, Site Atlas / nginx | {ratio('ours_warm', 'nginx'):.2f} | >= 0.5 |",
              f"| warm tiles, wrk with one thread, Site Atlas / nginx | {ratio('ours_warm_t1', 'nginx_t1'):.2f} | >= 0.6 |",
              f"| search (ids and distances), Site Atlas / PostGIS | {ratio('ours_search_ids', 'postgis_search'):.1f}x | >= 50x |",
              f"| search (ids and distances, both uncompressed), Site Atlas / PostGIS | "
              f"{ratio('ours_search_ids_identity', 'postgis_search'):.1f}x | >= 50x |",
              f"| search p99 under {CONNECTIONS} connections, gzipped / uncompressed / uncompressed with one wrk thread | "
              f"{r['ours_search_ids']['p99_ms']:.1f} / {r['ours_search_ids_identity']['p99_ms']:.1f} / "
              f"{r['ours_search_ids_identity_t1']['p99_ms']:.1f} ms | <= 5 ms |",
              f"| search p99, nginx serving the same answers as files (the floor on this machine) | "
              f"{r['nginx_search_answers']['p99_ms']:.1f} ms | |",
              f"| search (GeoJSON features), Site Atlas / PostGIS | {ratio('ours_search', 'postgis_search_full'):.1f}x | |", "",
              f"- Search answers against PostGIS: {r['search_identical']}. Both forms of the answer "
              "(ids and distances; all matches as GeoJSON features, about 550 a query) hold the same ids "
              "and distances, and each is timed against PostGIS doing the same work.",
              f"- Tile bytes (raw) over the session: p50 {r['tile_bytes']['p50']:,}, p99 {r['tile_bytes']['p99']:,}, "
              f"max {r['tile_bytes']['max']:,}; largest all-layer tile per zoom over the dense area: "
              + ", ".join(f"z{z} {b:,}" for z, b in r["largest_tile_by_zoom"].items()) + " (limit 500 KB).",
              f"- Import of the dataset with `siteatlas import`: {r['import_s']:.0f} s.",
              f"- Start-up with {args.plots:,} plots from PostGIS: {r['startup_s']:.1f} s to a healthy server the "
              f"first time (which checks every stored plot area once, see `siteatlas migrate`), "
              f"{r['startup_again_s']:.1f} s after that; "
              f"resident memory {r['rss_mb']:.0f} MB (peak {r['peak_rss_mb']:.0f} MB).",
              f"- Write to visible under read load (import of one plot, then polling its z15 tile): median "
              f"{r['write_to_visible_ms']['median']:.0f} ms, max {r['write_to_visible_ms']['max']:.0f} ms "
              "(from the importing process's exit).", ""]
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    try:
        main()
    finally:
        for c in children:
            if c.poll() is None:
                c.kill()
