"""Load test: gunicorn workers on PostgreSQL under wrk, mixing searches and service pages.

    python bench/load_test.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/signpost_load \
        [--services 100000] [--workers 4] [--clients 32] [--duration 60] [--search-backend whoosh]

Builds a synthetic directory of --services services into the PostgreSQL database (creating the
database if needed, reusing it when it already holds exactly that directory), indexes it with
the chosen search backend, starts `signpost serve --workers N` on a free port, and runs wrk from
a second process over loopback: --clients connections, each sending its next request as soon as
the last is answered, for --duration seconds. Requests are drawn at random from a fixed mix of
searches (the four shapes of bench/search_bench.py, on random towns and words) and service pages.
Prints Markdown tables: wrk's view (client side: errors, throughput, latency percentiles) and the
server's view per kind of request (from gunicorn's access log). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

import search
from bench.search_bench import KEYWORDS
from bench.synthetic import Generator, seed_categories
from directory import create_app, migrate
from directory.db import get_db
from directory.models import Service
from search.maintenance import count_services, rebuild_index

ROOT = Path(__file__).resolve().parent.parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"
TARGET_P95_MS = 150.0
SEED = 2025
console = Console(stderr=True)

# One request in this many of each kind, drawn at random: searches of the four benchmark shapes
# and service pages, as a link worker's morning goes (search, open a few results, search again).
MIX = {
    "Q1 keywords": 15,
    "Q2 keywords + 5 km, nearest": 15,
    "Q3 category + 2 km": 10,
    "Q4 keywords + 25 km + filters": 10,
    "service page": 50,
}

LUA = r"""
-- Each wrk thread reads the request paths once and sends them in random order.
local paths, threads = {}, 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(tonumber(args[2]) + id)
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""
ACCESS = re.compile(r'"GET (\S+) HTTP/[\d.]+" (\d+) \S+ (\d+)ms worker=<(\d+)>')


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database if it does not exist yet."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def settings(args, workdir: Path) -> dict:
    return {
        "ENV": "production",
        "BASE_URL": "https://signpost.example",
        "SECRET_KEY": "load-test-" + "x" * 40,
        "INSTANCE_DIR": str(workdir),
        "DATABASE_URL": args.database_url,
        "SEARCH_BACKEND": args.search_backend,
    }


def build(args, workdir: Path) -> None:
    """The synthetic directory in PostgreSQL and an index of it, reusing both when they already match."""
    ensure_database(args.database_url)
    app = create_app(settings(args, workdir))
    database, sync = get_db(app), search.get_search(app)
    migrate.upgrade(database.engine)
    with database.sessionmaker() as session:
        have = count_services(session)
    if have != args.services:
        if have:
            console.print(f"The database holds {have:,} services, not {args.services:,}: rebuilding it.")
            migrate.downgrade(database.engine, "base")
            migrate.upgrade(database.engine)
        with database.sessionmaker() as session:
            categories = seed_categories(session)
        with progress_bar() as bar:
            task = bar.add_task(f"Generating {args.services:,} services", total=args.services)
            Generator(SEED, date.today()).write(
                database.engine, args.services, categories, lambda n: bar.advance(task, n)
            )
        with database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    indexed = len(sync.backend.stamps())
    with database.sessionmaker() as session:
        wanted = session.exec(select(func.count()).select_from(Service).where(Service.archived_at.is_(None))).one()
    if indexed != wanted:
        with progress_bar() as bar:
            task = bar.add_task(f"Indexing ({args.search_backend})", total=args.services)
            rebuild_index(sync, lambda: bar.advance(task))
    database.engine.dispose()


def request_paths(args, count: int = 4000) -> list[str]:
    """`count` request paths in the proportions of MIX, on random towns, words and services."""
    rng = random.Random(SEED + 7)
    gen = Generator(SEED, date.today())
    engine = create_engine(args.database_url)
    with engine.connect() as connection:
        ids = [
            str(i)
            for i in connection.execute(
                select(Service.id).where(Service.status == "active").order_by(func.random()).limit(3000)
            ).scalars()
        ]
        codes = [c for c in connection.execute(text("SELECT code FROM taxonomy_term ORDER BY code")).scalars()]
    engine.dispose()

    def district() -> str:
        town = rng.choices(gen.towns, gen.town_weights)[0]
        return rng.choices(town.places, town.weights)[0].district

    def shape(kind: str) -> str:
        if kind.startswith("Q1"):
            return "/search?" + urlencode({"q": rng.choice(KEYWORDS)})
        if kind.startswith("Q2"):
            return "/search?" + urlencode(
                {"q": rng.choice(KEYWORDS), "postcode": district(), "radius": 5, "order": "nearest"}
            )
        if kind.startswith("Q3"):
            return "/search?" + urlencode({"category": rng.choice(codes), "postcode": district(), "radius": 2})
        if kind.startswith("Q4"):
            return "/search?" + urlencode(
                {
                    "q": rng.choice(KEYWORDS),
                    "postcode": district(),
                    "radius": 25,
                    "free": 1,
                    "age": 70,
                    "self_referral": 1,
                }
            )
        return f"/services/{rng.choice(ids)}"

    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    return [shape(kind) for kind in kinds]


def kind_of(path: str) -> str:
    if path.startswith("/services/"):
        return "service page"
    if "self_referral" in path:
        return "Q4 keywords + 25 km + filters"
    if "category=" in path:
        return "Q3 category + 2 km"
    if "order=nearest" in path:
        return "Q2 keywords + 5 km, nearest"
    return "Q1 keywords"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(args, workdir: Path, port: int, access_log: Path) -> subprocess.Popen:
    env = os.environ | {f"SIGNPOST_{k}": str(v) for k, v in settings(args, workdir).items()} | {"PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-c",
        "from directory.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--access-log",
        str(access_log),
    ]
    server = subprocess.Popen(
        command,
        env=env,
        cwd=workdir,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "server.log", "w"),
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server stopped: see {workdir / 'server.log'}")
        try:
            with urlopen(f"http://127.0.0.1:{port}/search?q=warm", timeout=10) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"The server did not answer within 180 s: see {workdir / 'server.log'}")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def run_wrk(url: str, paths_file: Path, lua: Path, clients: int, seconds: int, threads: int) -> dict:
    command = [
        WRK,
        f"-t{min(threads, clients)}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        url,
        "--",
        str(paths_file),
        str(random.randrange(1 << 30)),
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    match = re.search(r"^RESULT (\{.*\})$", output, re.M)
    if not match:
        raise SystemExit(f"wrk gave no result:\n{output}")
    return json.loads(match.group(1))


def server_view(access_log: Path, skip: int) -> dict[str, dict]:
    """Per kind of request: count, non-2xx answers, median and p95 server time (ms), from the access log."""
    times, bad = defaultdict(list), defaultdict(int)
    for line in access_log.read_text().splitlines()[skip:]:
        match = ACCESS.search(line)
        if match:
            kind = kind_of(match.group(1))
            times[kind].append(int(match.group(3)))
            bad[kind] += not match.group(2).startswith("2")
    return {
        kind: {
            "count": len(values),
            "bad": bad[kind],
            "median": statistics.median(values),
            "p95": percentile(values, 0.95),
        }
        for kind, values in sorted(times.items())
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(args, result: dict, per_kind: dict) -> str:
    errors = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    seconds = result["duration_us"] / 1e6
    ms = lambda us: f"{us / 1000:.1f}"  # noqa: E731
    lines = [
        f"{args.services:,} services on PostgreSQL, search backend {args.search_backend}; "
        f"{args.workers} gunicorn workers x {args.threads} thread(s); wrk: {args.clients} connections for {args.duration} s.",
        "",
        "| requests | req/s | errors (connect/read/write/timeout/non-2xx) | median ms | p90 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|",
        f"| {result['requests']:,} | {result['requests'] / seconds:.0f} | {errors} ({result['connect']}/{result['read']}/"
        f"{result['write']}/{result['timeout']}/{result['status']}) | {ms(result['p50'])} | {ms(result['p90'])} | "
        f"{ms(result['p95'])} | {ms(result['p99'])} | {ms(result['max'])} |",
        "",
        "Server time per kind of request (gunicorn access log, whole requests inside the worker):",
        "",
        "| request | share | count | non-2xx | median ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    total = sum(row["count"] for row in per_kind.values()) or 1
    for kind, row in per_kind.items():
        lines.append(
            f"| {kind} | {row['count'] / total:.0%} | {row['count']:,} | {row['bad']} | {row['median']:.0f} | {row['p95']:.0f} |"
        )
    verdict = "met" if errors == 0 and result["p95"] / 1000 < TARGET_P95_MS else "MISSED"
    lines += [
        "",
        f"Target (zero errors, p95 under {TARGET_P95_MS:.0f} ms): **{verdict}** "
        f"({errors} errors, p95 {ms(result['p95'])} ms).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", required=True, help="a PostgreSQL database this test may fill (created if missing)"
    )
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1: sync workers)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of load before the measured run")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--search-backend", default="whoosh", help="SIGNPOST_SEARCH_BACKEND for the server (whoosh or postgres)"
    )
    parser.add_argument("--build-only", action="store_true", help="build (or check) the directory and index, then stop")
    parser.add_argument(
        "--skip-build", action="store_true", help="use the database and index as they are (built by an earlier run)"
    )
    parser.add_argument(
        "--workdir",
        help="instance folder for the index and logs (default: one per database under the temp folder, kept)",
    )
    args = parser.parse_args(argv)
    if make_url(args.database_url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL (postgresql+psycopg://user@host/db).")
    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed: apt-get install wrk")
    name = make_url(args.database_url).database
    workdir = Path(args.workdir or Path(tempfile.gettempdir()) / f"signpost-load-{name}-{args.search_backend}")
    workdir.mkdir(parents=True, exist_ok=True)

    if not args.skip_build:
        build(args, workdir)
    if args.build_only:
        return 0
    paths_file, lua, access_log = workdir / "paths.txt", workdir / "mix.lua", workdir / "access.log"
    paths_file.write_text("\n".join(request_paths(args)) + "\n")
    lua.write_text(LUA)
    access_log.unlink(missing_ok=True)
    port = free_port()
    console.print(f"Starting {args.workers} workers on port {port}…")
    server = start_server(args, workdir, port, access_log)
    try:
        url = f"http://127.0.0.1:{port}"
        if args.warmup:
            console.print(f"Warming up for {args.warmup} s…")
            run_wrk(url, paths_file, lua, args.clients, args.warmup, args.wrk_threads)
        skip = len(access_log.read_text().splitlines())
        console.print(f"Measuring: {args.clients} clients for {args.duration} s…")
        result = run_wrk(url, paths_file, lua, args.clients, args.duration, args.wrk_threads)
        time.sleep(1)  # the last access-log lines
        per_kind = server_view(access_log, skip)
    finally:
        stop_server(server)
    print(report(args, result, per_kind))
    errors = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return 0 if errors == 0 and result["p95"] / 1000 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
