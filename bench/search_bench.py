"""Search benchmark: synthetic GB directories, index build, query latency, edit-to-searchable.

    python bench/search_bench.py [--sizes 10000,100000] [--queries 200] [--edits 20] [--workdir DIR]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/signpost_bench] [--backends whoosh,postgres]

For each size and backend: generate a directory into a fresh database (Core bulk inserts; SQLite
for Whoosh, a new PostgreSQL database named <--postgres database>_<size> for the PostgreSQL
backend), build the index the way `signpost search rebuild` does, then time `search_services` for
the same four query shapes on every backend (against the raw Whoosh search for the same terms),
and time edits from commit until searchable. Prints Markdown tables on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import string
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import selectinload
from sqlmodel import select
from whoosh import query as wq

import search
from bench.synthetic import VOCAB, Generator, seed_categories
from directory import create_app, migrate
from directory.db import get_db
from directory.models import Service
from directory.operations.listings import update_service
from directory.permissions import SYSTEM
from search import Near, SearchQuery, search_services
from search.keywords import parse_keywords
from search.maintenance import all_documents
from search.whoosh_backend import WhooshBackend, _restrict_query, _text_query

console = Console(stderr=True)
KEYWORDS = [
    "food bank",
    "debt advice",
    "walking group",
    "esol",
    "bereavement",
    "carers",
    "men's shed",
    "lunch club",
    "counselling",
    "befriending",
    "gardening",
    "dementia",
    "choir",
    "digital skills",
    "baby bank",
    "domestic abuse",
    "recovery cafe",
    "warm space",
    "job search",
    "tai chi",
    "art group",
    "youth club",
    "benefits",
    "housing advice",
    "anxiety",
    "loneliness",
    "coffee morning",
    "volunteering",
    "cooking",
    "hearing loss",
    "pantry",
    "stay and play",
]
QUERY_TYPES = {
    "Q1": "keywords only",
    "Q2": "keywords within 5 km, nearest first",
    "Q3": "a category within 2 km, no keywords",
    "Q4": "keywords within 25 km + free + age 70 + self-referral",
}
TARGET_P95_MS = {("whoosh", 10_000): 20.0, ("whoosh", 100_000): 150.0, ("postgres", 100_000): 30.0}
TARGET_RATIO = {("whoosh", 10_000): 1.5}
TARGET_EDIT_S = 1.0


@dataclass
class Timings:
    """Latencies in milliseconds for one query type, Signpost and raw Whoosh side by side."""

    signpost: list[float] = field(default_factory=list)
    backend: list[float] = field(default_factory=list)  # the search alone, before rows are loaded
    raw: list[float] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)


@dataclass
class SizeResult:
    backend_name: str
    size: int
    rows: dict
    generate_s: float
    documents_s: float
    whoosh_s: float
    indexed: int
    index_mb: float
    queries: dict[str, Timings]
    edit_commit_ms: list[float]
    edit_searchable_ms: list[float]
    edit_polls: list[int]
    profiles: dict[str, str] = field(default_factory=dict)

    @property
    def build_rate(self) -> float:
        return self.indexed / (self.documents_s + self.whoosh_s)

    @property
    def label(self) -> str:
        return f"{self.size:,} {self.backend_name}"


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def median(values: list[float]) -> float:
    return statistics.median(values)


def make_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def index_mb(backend) -> float:
    """The index's size on disk: Whoosh's folder, or the PostgreSQL search tables with their indexes."""
    if isinstance(backend, WhooshBackend):
        folder = backend.path.resolve()
        return sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 1e6
    from search.postgres_backend import SCHEMA

    with backend.engine.connect() as conn:
        return (
            float(
                conn.execute(
                    text(
                        "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = :schema AND c.relkind = 'r'"
                    ),
                    {"schema": SCHEMA},
                ).scalar()
            )
            / 1e6
        )


# -- queries ------------------------------------------------------------------------------------


def make_queries(
    gen: Generator, count: int, today: date, categories: dict, rng: random.Random
) -> dict[str, list[SearchQuery]]:
    """`count` queries of each type, centred on postcode districts of towns that have services."""
    codes = sorted(categories) + sorted(code for items in categories.values() for code, _, _ in items)

    def near(radius: float) -> Near:
        town = rng.choices(gen.towns, gen.town_weights)[0]
        place = rng.choices(town.places, town.weights)[0]
        areas = frozenset(c for c in (place.district_code, place.health_code, place.country_code, "GB") if c)
        return Near(place.latitude, place.longitude, radius, areas)

    out: dict[str, list[SearchQuery]] = {k: [] for k in QUERY_TYPES}
    for _ in range(count):
        out["Q1"].append(SearchQuery(today=today, keywords=rng.choice(KEYWORDS)))
        out["Q2"].append(SearchQuery(today=today, keywords=rng.choice(KEYWORDS), near=near(5), order="nearest"))
        out["Q3"].append(SearchQuery(today=today, near=near(2), categories=(rng.choice(codes),)))
        out["Q4"].append(
            SearchQuery(
                today=today, keywords=rng.choice(KEYWORDS), near=near(25), free=True, age=70, self_referral=True
            )
        )
    return out


def raw_query(searcher, q: SearchQuery):
    """The same index terms Signpost asks for (keywords with synonyms AND cells/categories/flags)."""
    text = _text_query(searcher, parse_keywords(q.keywords)) if q.keywords else None
    parts = [p for p in (text, _restrict_query(q)) if p is not None]
    return parts[0] if len(parts) == 1 else wq.And(parts)


def run_raw(searcher, whoosh_query) -> list[str]:
    """What Whoosh does by itself: score the query, take the top 20, read their ids."""
    return [hit["id"] for hit in searcher.search(whoosh_query, limit=20)]


def time_queries(sessionmaker, backend, queries: list[SearchQuery], warmup: int, budget_s: float) -> Timings:
    """Median-ready latencies; stops early once `budget_s` is spent, so slow sizes stay bounded."""
    searcher = backend.searcher() if isinstance(backend, WhooshBackend) else None  # raw figures: Whoosh only
    raws = [raw_query(searcher, q) if searcher else None for q in queries]
    for q, r in list(zip(queries, raws, strict=True))[:warmup]:
        with sessionmaker() as session:
            search_services(session, q, backend)
        if searcher:
            run_raw(searcher, r)
    timings = Timings()
    began = time.perf_counter()
    for number, (q, r) in enumerate(zip(queries, raws, strict=True)):
        if time.perf_counter() - began > budget_s:
            break
        # Interleaved, so that all three see the same machine noise; backend.query and the raw
        # search take turns going first, so neither always runs straight after the database work
        # of search_services (cold caches) or straight after the other (warm ones).
        with sessionmaker() as session:
            start = time.perf_counter()
            page = search_services(session, q, backend)
            timings.signpost.append((time.perf_counter() - start) * 1000)
        timings.totals.append(page.total)
        steps = [(timings.backend, partial(backend.query, q))]
        if searcher:
            steps.append((timings.raw, partial(run_raw, searcher, r)))
        for times, step in steps if number % 2 == 0 else steps[::-1]:
            start = time.perf_counter()
            step()
            times.append((time.perf_counter() - start) * 1000)
    return timings


def profile_queries(sessionmaker, backend, queries: list[SearchQuery], top: int = 25) -> str:
    """cProfile of search_services over these queries: overall, then Signpost's own functions."""
    profiler = cProfile.Profile()
    for q in queries:
        with sessionmaker() as session:
            profiler.enable()
            search_services(session, q, backend)
            profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(top)
    out.write("Signpost's own functions (search/, directory/):\n")
    stats.print_stats(r"/(search|directory)/[a-z_]+\.py", top)
    stats.print_callers(r"docs_for_query")
    return out.getvalue()


# -- edits --------------------------------------------------------------------------------------


def time_edits(sessionmaker, backend, count: int, today: date, rng: random.Random):
    """Rename services through the operations layer; time commit, and commit until searchable."""
    with sessionmaker() as session:
        ids = list(session.exec(select(Service.id).where(Service.status == "active").order_by(Service.id)))
    commit_ms, searchable_ms, polls = [], [], []
    for _ in range(count):
        service_id = rng.choice(ids)
        token = "benchedit" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))
        with sessionmaker() as session:
            service = session.exec(
                select(Service)
                .where(Service.id == service_id)
                .options(selectinload(Service.terms), selectinload(Service.location_links))
            ).one()
            new_name = f"{service.name.split(' benchedit')[0]} {token}"
            data = {
                "name": new_name,
                "categories": [t.code for t in service.terms],
                "location_ids": [link.location_id for link in service.location_links],
            }
            update_service(session, SYSTEM, service, data)
            start = time.perf_counter()
            session.commit()  # the after-commit hook indexes the change
            committed = time.perf_counter()
        tries, found = 0, False
        while not found and time.perf_counter() - start < 10:
            tries += 1
            with sessionmaker() as probe:
                page = search_services(probe, SearchQuery(today=today, keywords=token), backend)
                found = any(r.service.id == service_id and r.service.name == new_name for r in page.results)
            if not found:
                time.sleep(0.002)
        if not found:
            raise SystemExit(f"Edit to {service_id} was not searchable after 10 s")
        commit_ms.append((committed - start) * 1000)
        searchable_ms.append((time.perf_counter() - start) * 1000)
        polls.append(tries)
    return commit_ms, searchable_ms, polls


# -- one size -----------------------------------------------------------------------------------


def bench_app(backend_name: str, size: int, folder: Path, args):
    """A fresh app for one backend and size: SQLite for Whoosh, a new PostgreSQL database otherwise."""
    settings = {
        "ENV": "testing",
        "INSTANCE_DIR": str(folder / backend_name),
        "SECRET_KEY": "x",
        "SEARCH_BACKEND": backend_name,
    }
    if backend_name == "postgres":
        if not args.postgres:
            raise SystemExit("--backends postgres needs --postgres postgresql+psycopg://user@host/name")
        settings["DATABASE_URL"] = fresh_postgres_database(args.postgres, size)
    return create_app(settings)


def fresh_postgres_database(url: str, size: int) -> str:
    """Create (or re-create) the database <name>_<size> beside the one url names; returns its url."""
    base = make_url(url)
    name = f"{base.database}_{size}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def run_size(size: int, folder: Path, args, backend_name: str, today: date) -> SizeResult:
    rng = random.Random(args.seed + 1)
    app = bench_app(backend_name, size, folder, args)
    database = get_db(app)
    sync = search.get_search(app)
    backend = sync.backend
    migrate.upgrade(database.engine)
    with database.sessionmaker() as session:
        categories = seed_categories(session)
    missing = sorted(set(categories) - set(VOCAB))
    if missing:
        raise SystemExit(f"Taxonomy has categories the generator has no words for: {missing}")

    gen = Generator(args.seed, today)  # the same seed: every backend gets the same directory
    start = time.perf_counter()
    with make_progress() as bar:
        task = bar.add_task(f"{size:,} {backend_name}: generating services", total=size)
        rows = gen.write(database.engine, size, categories, lambda n: bar.advance(task, n))
    if backend_name == "postgres":  # planner statistics after a bulk load, as autovacuum would gather them
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    generate_s = time.perf_counter() - start

    # Build as `signpost search rebuild` does (search.maintenance), timing the database side
    # (loading services, making documents) apart from the backend's side.
    documents_s = 0.0
    with make_progress() as bar, database.sessionmaker() as session:
        task = bar.add_task(f"{size:,} {backend_name}: building index", total=size)
        source = all_documents(session, lambda: bar.advance(task))

        def timed():
            nonlocal documents_s
            while True:
                t = time.perf_counter()
                doc = next(source, None)
                documents_s += time.perf_counter() - t
                if doc is None:
                    return
                yield doc

        start = time.perf_counter()
        indexed = backend.rebuild(timed())
        build_s = time.perf_counter() - start
    sync.drain()
    size_mb = index_mb(backend)
    console.print(
        f"{size:,} {backend_name}: {indexed:,} documents in {build_s:.0f} s ({documents_s:.0f} s loading), {size_mb:.1f} MB"
    )

    queries = make_queries(gen, args.queries, today, categories, rng)  # the same queries for every backend
    if not args.cold:
        search.warm_up(app)  # what `signpost serve` does before taking requests
    results: dict[str, Timings] = {}
    with make_progress() as bar:
        task = bar.add_task(f"{size:,} {backend_name}: queries", total=len(queries))
        for name, qs in queries.items():
            results[name] = time_queries(database.sessionmaker, backend, qs, min(20, len(qs)), args.budget)
            bar.advance(task)

    profiles = {}
    if args.profile:
        wanted = [k.strip() for k in args.profile.split(",")]
        if wanted == ["slowest"]:
            wanted = [max(results, key=lambda k: p95(results[k].signpost))]
        for name in wanted:
            if name not in queries:
                raise SystemExit(f"--profile: {name!r} is not one of {', '.join(QUERY_TYPES)}")
            console.print(f"{size:,} {backend_name}: profiling {name}")
            profiles[name] = profile_queries(database.sessionmaker, backend, queries[name])

    edit_commit, edit_searchable, polls = time_edits(database.sessionmaker, backend, args.edits, today, rng)
    database.engine.dispose()
    return SizeResult(
        backend_name,
        size,
        rows,
        generate_s,
        documents_s,
        build_s - documents_s,
        indexed,
        size_mb,
        results,
        edit_commit,
        edit_searchable,
        polls,
        profiles,
    )


# -- report -------------------------------------------------------------------------------------


def ms(values: list[float]) -> str:
    return f"{median(values):.1f} / {p95(values):.1f}"


def report(results: list[SizeResult], args) -> str:
    lines = ["## Search benchmark", ""]
    lines.append(
        f"{date.today().isoformat()}; {os.cpu_count()} cores ({_cpu()}); Python {platform.python_version()}; "
        f"SQLite {sqlite3.sqlite_version}; {_whoosh()}; {_postgres(args)}up to {args.queries} queries per type after 20 warm-up (at most {args.budget:g} s each); {args.edits} edits; seed {args.seed}."
    )
    lines += [
        "",
        "Median / p95 in ms; build rate is documents per second for the whole rebuild (database load + index build).",
        "",
    ]
    lines.append(
        "| services, backend | build docs/s | index MB | Q1 keywords | Q2 keywords + 5 km, nearest | Q3 category + 2 km | Q4 keywords + 25 km + free + age + self-ref | edit commit → searchable |"
    )
    lines.append("|---|---|---|---|---|---|---|---|")
    for r in results:
        cells = [ms(r.queries[k].signpost) for k in QUERY_TYPES]
        lines.append(
            f"| {r.label} | {r.build_rate:,.0f} | {r.index_mb:.1f} | "
            + " | ".join(cells)
            + f" | {ms(r.edit_searchable_ms)} |"
        )
    lines += [
        "",
        "Signpost's overhead over the raw Whoosh query (same index terms, `searcher.search(..., limit=20)`). "
        "`backend.query` is Signpost's search work (filters, exact distances, facets, ranking); "
        "`search_services` adds loading the page's rows from the database and explaining each. "
        "Ratios are median / median (Whoosh only).",
        "",
    ]
    lines.append(
        "| services, backend | query | queries | mean matches | search_services | backend.query | raw Whoosh | search ratio | end-to-end ratio |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        for k, t in r.queries.items():
            raw = (
                [ms(t.raw), f"{median(t.backend) / median(t.raw):.1f}", f"{median(t.signpost) / median(t.raw):.1f}"]
                if t.raw
                else ["—"] * 3
            )
            lines.append(
                f"| {r.label} | {k} | {len(t.signpost)} | {statistics.fmean(t.totals):,.0f} | {ms(t.signpost)} | {ms(t.backend)} | "
                + " | ".join(raw)
                + " |"
            )
    lines += [
        "",
        "| services, backend | generate + insert s | rebuild: load + documents s | rebuild: index s (docs/s) | edit: commit incl. index write, ms | searches until found |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.generate_s:.0f} | {r.documents_s:.0f} | {r.whoosh_s:.0f} ({r.indexed / r.whoosh_s:,.0f}) | "
            f"{ms(r.edit_commit_ms)} | {max(r.edit_polls)} at most |"
        )
    lines += ["", "### Targets", ""]
    for r in results:
        limit = TARGET_P95_MS.get((r.backend_name, r.size))
        if limit is not None:
            worst = max(r.queries, key=lambda k: p95(r.queries[k].signpost))
            value = p95(r.queries[worst].signpost)
            lines.append(
                f"- {r.label}: every p95 ≤ {limit:g} ms: {'met' if value <= limit else 'MISSED'} (worst {worst} {value:.1f} ms)"
            )
        ratio_limit = TARGET_RATIO.get((r.backend_name, r.size))
        if ratio_limit is not None:
            for label, pick in (("search", lambda t: t.backend), ("end-to-end", lambda t: t.signpost)):
                ratios = {k: median(pick(t)) / median(t.raw) for k, t in r.queries.items()}
                worst = max(ratios, key=ratios.get)
                ok = ratios[worst] <= ratio_limit
                lines.append(
                    f"- {r.label}: {label} overhead ratio ≤ {ratio_limit:g}: {'met' if ok else 'MISSED'} (worst {worst} {ratios[worst]:.1f})"
                )
        value = p95(r.edit_searchable_ms) / 1000
        lines.append(
            f"- {r.label}: edit searchable within {TARGET_EDIT_S:g} s: {'met' if value <= TARGET_EDIT_S else 'MISSED'} (p95 {value * 1000:.0f} ms)"
        )
    for r in results:
        for name, profile in r.profiles.items():
            heading = f"### cProfile of search_services at {r.label}: {name} ({QUERY_TYPES[name]}), {len(r.queries[name].signpost)} queries"
            lines += ["", heading, "", "```", *_trim(profile.splitlines()), "```"]
    return "\n".join(lines)


def _trim(lines: list[str]) -> list[str]:
    return [line.replace(str(Path(__file__).resolve().parent.parent) + "/", "") for line in lines if line.strip()]


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _postgres(args) -> str:
    if not args.postgres:
        return ""
    engine = create_engine(make_url(args.postgres).set(database="postgres"))
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return f"PostgreSQL {version.split()[0]} (default settings); "


def _whoosh() -> str:
    from importlib.metadata import PackageNotFoundError, version

    for name in ("whoosh-reloaded", "whoosh"):
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            continue
    return "whoosh"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated directory sizes (services)")
    parser.add_argument("--queries", type=int, default=200, help="queries per type, after 20 warm-up")
    parser.add_argument("--edits", type=int, default=20, help="edits timed from commit until searchable")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds of timed queries per type and size at most")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--cold", action="store_true", help="skip the serving warm-up (search.warm_up) before timing")
    parser.add_argument("--workdir", help="keep databases and indexes here (default: a temporary folder, removed)")
    parser.add_argument(
        "--backends", default="whoosh,postgres", help="comma-separated search backends to run (whoosh, postgres)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SIGNPOST_BENCH_DATABASE_URL"),
        help="PostgreSQL server and database-name prefix for the postgres backend; <name>_<size> is dropped and re-created "
        "(default: $SIGNPOST_BENCH_DATABASE_URL; without it, only Whoosh runs)",
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const="slowest",
        metavar="Q1,Q2,...",
        help="after timing, cProfile search_services for these query types (default: the slowest by p95)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "postgres" in backends and not args.postgres:
        console.print("No --postgres URL (or SIGNPOST_BENCH_DATABASE_URL): running Whoosh only.")
        backends.remove("postgres")
    today = date.today()

    root = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="signpost-bench-"))
    results = []
    try:
        for size in sizes:
            folder = root / f"n{size}"
            if folder.exists():
                raise SystemExit(f"{folder} exists; choose another --workdir or remove it.")
            folder.mkdir(parents=True)
            for backend_name in backends:
                results.append(run_size(size, folder, args, backend_name, today))
    finally:
        if not args.workdir:
            shutil.rmtree(root, ignore_errors=True)
    print(report(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
