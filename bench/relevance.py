"""Relevance benchmark: judged link-worker queries over a directory, on each search backend and a BM25 baseline.

    python bench/relevance.py [--directory data/demo/directory.json --judgements bench/judgements/demo.json]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/signpost_relevance] [--systems whoosh,postgres,bm25]
        [--details] [--list-near POSTCODE]

Loads the directory (a JSON file in the format of data/demo/directory.json) the way `signpost setup`
loads the demo: categories seeded, then every organisation, venue and service through the
operations, then the index rebuilt. Whoosh runs on SQLite in a temporary folder; PostgreSQL runs
when a database URL is given (the database is dropped and re-created). Each judged query goes
through the search page's own path: its query string is validated by SearchArgs, the postcode
resolved, and search_query() + search_services() give the ranking, exactly as /search and the
JSON API do. The BM25 baseline (bench/bm25_baseline.py) ranks the same documents.

Prints Markdown tables on stdout (nDCG@10, success@3 and must-not violations, per kind and
overall, for each system); progress on stderr. See bench/judgements.py for the judgement format.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from marshmallow import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.datastructures import MultiDict

import search
from bench.bm25_baseline import Bm25Baseline
from bench.judgements import KINDS, TOP, Judged, JudgementError, Score, ServiceKey, by_kind, read_judgements, score
from directory import clock, create_app, geography, migrate
from directory.cli import TAXONOMY_FILE
from directory.db import get_db
from directory.demo import DEMO_FILE, load_demo
from directory.models import Organisation, Service
from directory.operations import InputError
from directory.operations.taxonomy import seed_taxonomy
from directory.permissions import SYSTEM
from directory.schemas.search import SearchArgs, search_query
from search.maintenance import all_documents, count_services, rebuild_index

ROOT = Path(__file__).resolve().parent.parent
DEMO_JUDGEMENTS = ROOT / "bench" / "judgements" / "demo.json"
SYSTEM_NAMES = {"whoosh": "Signpost, Whoosh", "postgres": "Signpost, PostgreSQL", "bm25": "BM25 baseline (SQLite FTS5)"}
console = Console(stderr=True)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


# -- the directory ------------------------------------------------------------------------------


def make_app(backend: str, folder: Path, database_url: str | None = None):
    """A fresh app on its own SQLite database (or the PostgreSQL one given), with this search backend."""
    settings = {
        "ENV": "testing",
        "INSTANCE_DIR": str(folder / backend),
        "SECRET_KEY": "relevance",
        "SEARCH_BACKEND": backend,
    }
    if database_url:
        settings["DATABASE_URL"] = database_url
    return create_app(settings)


def fresh_postgres_database(url: str) -> str:
    """Drop and re-create the database the url names; returns the url."""
    base = make_url(url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{base.database}"'))
        conn.execute(text(f'CREATE DATABASE "{base.database}"'))
    admin.dispose()
    return base.render_as_string(hide_password=False)


def load_directory(app, path: Path, today: date, label: str) -> int:
    """Migrate, seed the categories and load the directory as `signpost setup` does; returns the services indexed."""
    database = get_db(app)
    migrate.upgrade(database.engine)
    with database.unit_of_work() as session:
        seed_taxonomy(session, SYSTEM, json.loads(TAXONOMY_FILE.read_text(encoding="utf-8")))
    organisations = len(json.loads(path.read_text(encoding="utf-8"))["organisations"])
    with progress_bar() as bar, database.unit_of_work() as session:
        task = bar.add_task(f"{label}: loading {path.name}", total=organisations)
        try:
            load_demo(session, today, path=path, progress=lambda: bar.advance(task))
        except InputError as exc:
            raise SystemExit(f"{path}: a record the directory refuses: {exc}") from None
    sync = search.get_search(app)
    sync.drain()
    with progress_bar() as bar, database.sessionmaker() as session:
        total = count_services(session)
        task = bar.add_task(f"{label}: indexing", total=total)
        return rebuild_index(sync, lambda: bar.advance(task))


def service_keys(app) -> dict[str, ServiceKey]:
    """Every service id in the app's database with its (organisation, service) names."""
    with get_db(app).sessionmaker() as session:
        rows = session.execute(select(Service.id, Organisation.name, Service.name).join(Organisation))
        return {str(sid): (org, name) for sid, org, name in rows}


# -- running queries ----------------------------------------------------------------------------


@dataclass
class Prepared:
    """A judged query turned into what the search page would run, and the place it searched."""

    judged: Judged
    query: search.SearchQuery


def prepare(app, judged: list[Judged]) -> list[Prepared]:
    """Each judged query through the search page's validation and postcode lookup, to a SearchQuery."""
    config = app.config["SIGNPOST"]
    out = []
    with app.app_context():
        now = clock.local_now()
        for j in judged:
            args_in = MultiDict(parse_qsl(j.filters, keep_blank_values=True)) if j.filters else MultiDict()
            args_in.add("q", j.q)
            args_in.add("postcode", j.postcode)
            try:
                args = SearchArgs().load(args_in)
            except ValidationError as exc:
                raise JudgementError(f"query {j.id}: the search page refuses its arguments: {exc.messages}") from None
            place = None
            if args["postcode"]:
                try:
                    place = geography.resolve_postcode(args["postcode"])
                except geography.PostcodeError as exc:
                    raise JudgementError(f"query {j.id}: {exc}") from None
            radius = args["radius"] or config.DEFAULT_RADIUS_KM
            out.append(Prepared(j, search_query(args, place, radius, now, config.PAGE_SIZE)))
    return out


def run_signpost(app, prepared: list[Prepared], label: str) -> list[list[ServiceKey]]:
    """The first TOP results of each query from search_services, as the search page shows them."""
    keys = service_keys(app)
    backend = search.get_search(app).backend
    rankings = []
    with progress_bar() as bar, app.app_context():
        task = bar.add_task(f"{label}: queries", total=len(prepared))
        for p in prepared:
            with get_db(app).sessionmaker() as session:
                page = search.search_services(session, p.query, backend)
            rankings.append([keys[str(r.service.id)] for r in page.results[:TOP]])
            bar.advance(task)
    return rankings


def run_bm25(app, prepared: list[Prepared]) -> list[list[ServiceKey]]:
    """The baseline's first TOP for each query, over the documents Signpost indexed."""
    keys = service_keys(app)
    with get_db(app).sessionmaker() as session:
        baseline = Bm25Baseline(list(all_documents(session)), keys)
    rankings = []
    with progress_bar() as bar:
        task = bar.add_task("BM25 baseline: queries", total=len(prepared))
        for p in prepared:
            try:
                rankings.append(baseline.query(p.query, TOP))
            except ValueError as exc:
                raise JudgementError(f"query {p.judged.id}: {exc}") from None
            bar.advance(task)
    return rankings


# -- report -------------------------------------------------------------------------------------


def table(name: str, judged: list[Judged], scores: list[Score]) -> list[str]:
    lines = [
        f"#### {name}",
        "",
        "| kind | queries | nDCG@10 | success@3 | must-not in top 10 (queries) |",
        "|---|---|---|---|---|",
    ]
    for kind, s in by_kind(judged, scores).items():
        label = "**overall**" if kind == "overall" else KINDS[kind]
        lines.append(
            f"| {label} | {s.queries} | {s.ndcg:.3f} | {s.success:.0%} | {s.violations} ({s.violating_queries}) |"
        )
    return lines + [""]


def comparison(judged: list[Judged], results: dict[str, list[Score]]) -> list[str]:
    systems = list(results)
    summaries = {name: by_kind(judged, scores) for name, scores in results.items()}
    head = "| kind | queries | " + " | ".join(f"{SYSTEM_NAMES[s]}: nDCG@10 / S@3" for s in systems) + " |"
    lines = [head, "|---|---|" + "---|" * len(systems)]
    for kind in summaries[systems[0]]:
        label = "**overall**" if kind == "overall" else KINDS[kind]
        cells = [f"{summaries[s][kind].ndcg:.3f} / {summaries[s][kind].success:.0%}" for s in systems]
        lines.append(f"| {label} | {summaries[systems[0]][kind].queries} | " + " | ".join(cells) + " |")
    return lines + [""]


def details(
    judged: list[Judged], rankings: dict[str, list[list[ServiceKey]]], results: dict[str, list[Score]]
) -> list[str]:
    lines = [
        "| query | kind | "
        + " | ".join(f"{s} nDCG" for s in results)
        + " | first three ("
        + next(iter(results))
        + ") |",
        "|---|---|" + "---|" * len(results) + "---|",
    ]
    first = next(iter(rankings))
    for i, j in enumerate(judged):
        top3 = "; ".join(
            f"{name} ({org})"
            + (f" [{j.grades[(org, name)]}]" if (org, name) in j.grades else "")
            + (" [MUST NOT]" if (org, name) in j.must_not else "")
            for org, name in rankings[first][i][:3]
        )
        cells = " | ".join(f"{results[s][i].ndcg:.2f}" for s in results)
        lines.append(f"| {j.id} `{j.q}` {j.postcode} {j.filters} | {j.kind} | {cells} | {top3} |")
    return lines + [""]


def list_near(app, postcode: str, radius: float | None) -> None:
    """Print the listings a search at this postcode could offer, nearest first (for writing judgements)."""
    config = app.config["SIGNPOST"]
    with app.app_context(), get_db(app).sessionmaker() as session:
        place = geography.resolve_postcode(postcode)
        radius = radius or config.DEFAULT_RADIUS_KM
        near = search.Near(place.latitude, place.longitude, radius, frozenset(geography.area_codes(place)))
        keys = service_keys(app)
        rows = []
        for doc in all_documents(session):
            best = min(
                (geography.distance_km(near.latitude, near.longitude, lat, lng) for lat, lng in doc["points"]),
                default=None,
            )
            covered = bool(set(doc["areas"]) & near.area_codes)
            if (best is not None and best <= radius) or covered:
                rows.append((best if best is not None else -1.0, keys[doc["id"]], doc["status"], doc["categories"]))
    print(f"{place.label}: {len(rows)} listings within {radius:g} km or covering its areas")
    for best, (org, name), status, categories in sorted(rows):
        where = "covers area" if best < 0 else f"{best:.1f} km"
        print(f"{where:>11}  {name} @ {org}  [{status}]  {', '.join(c for c in categories if '/' in c)}")


def judged_directory(judgements: Path) -> Path:
    """The directory file a judgement file names (relative to the project), else the demo."""
    try:
        named = json.loads(judgements.read_text(encoding="utf-8")).get("directory")
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"Judgements: {judgements}: cannot read it: {exc}") from None
    return ROOT / named if named else DEMO_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judgements", type=Path, help="judgement file (default: bench/judgements/demo.json)")
    parser.add_argument(
        "--directory", type=Path, help="directory JSON in the demo's format (default: the one the judgement file names)"
    )
    parser.add_argument("--systems", default="whoosh,postgres,bm25", help="comma-separated: whoosh, postgres, bm25")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SIGNPOST_RELEVANCE_DATABASE_URL"),
        help="PostgreSQL database for the postgres backend; dropped and re-created "
        "(default: $SIGNPOST_RELEVANCE_DATABASE_URL; without it, PostgreSQL is skipped)",
    )
    parser.add_argument(
        "--details", action="store_true", help="also print each query's figures and first three results"
    )
    parser.add_argument("--list-near", metavar="POSTCODE", help="list the directory's listings near POSTCODE and stop")
    parser.add_argument("--radius", type=float, help="with --list-near: km (default: the search page's default)")
    parser.add_argument(
        "--workdir", type=Path, help="keep the SQLite database and Whoosh index here (default: a temporary folder)"
    )
    args = parser.parse_args(argv)

    judgements = args.judgements or (DEMO_JUDGEMENTS if args.directory is None else None)
    if judgements is None and not args.list_near:
        parser.error("--judgements is needed with a --directory")
    if args.directory is None:
        args.directory = judged_directory(judgements) if judgements else DEMO_FILE
    if not args.directory.is_file():
        parser.error(f"--directory {args.directory}: no such file")
    directory = json.loads(args.directory.read_text(encoding="utf-8"))
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - set(SYSTEM_NAMES)
    if unknown:
        parser.error(f"--systems: {', '.join(sorted(unknown))} not known (use {', '.join(SYSTEM_NAMES)})")
    if "postgres" in systems and not args.postgres and not args.list_near:
        console.print("No --postgres URL (or SIGNPOST_RELEVANCE_DATABASE_URL): PostgreSQL skipped.")
        systems.remove("postgres")
    try:
        judged = [] if args.list_near else read_judgements(judgements, directory)
    except JudgementError as exc:
        raise SystemExit(f"Judgements: {exc}") from None

    today = clock.today()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="signpost-relevance-"))
    root.mkdir(parents=True, exist_ok=True)
    rankings: dict[str, list[list[ServiceKey]]] = {}
    try:
        whoosh_app = make_app("whoosh", root)
        load_directory(whoosh_app, args.directory, today, "Whoosh")
        if args.list_near:
            list_near(whoosh_app, args.list_near, args.radius)
            return 0
        try:
            prepared = prepare(whoosh_app, judged)
            if "whoosh" in systems:
                rankings["whoosh"] = run_signpost(whoosh_app, prepared, "Whoosh")
            if "bm25" in systems:
                rankings["bm25"] = run_bm25(whoosh_app, prepared)
            if "postgres" in systems:
                pg_app = make_app("postgres", root, fresh_postgres_database(args.postgres))
                load_directory(pg_app, args.directory, today, "PostgreSQL")
                rankings["postgres"] = run_signpost(pg_app, prepare(pg_app, judged), "PostgreSQL")
                get_db(pg_app).engine.dispose()
        except JudgementError as exc:
            raise SystemExit(f"Judgements: {exc}") from None
        get_db(whoosh_app).engine.dispose()
    finally:
        if not args.workdir:
            shutil.rmtree(root, ignore_errors=True)

    order = [s for s in SYSTEM_NAMES if s in rankings]
    results = {s: [score(j, r) for j, r in zip(judged, rankings[s], strict=True)] for s in order}
    kinds = sorted({j.kind for j in judged}, key=list(KINDS).index)
    lines = [
        f"### {args.directory.name}: {len(judged)} judged queries ({', '.join(kinds)}), {today.isoformat()}",
        "",
        *comparison(judged, results),
    ]
    for s in order:
        lines += table(SYSTEM_NAMES[s], judged, results[s])
    if args.details:
        lines += details(judged, {s: rankings[s] for s in order}, results)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
