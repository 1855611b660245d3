"""An import killed in the middle of a batch keeps the batches before it, nothing of that batch,
and running it again carries on without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from directory.db import get_db
from directory.models import ImportRun, Service

from ..conftest import migrated_app

ROWS, BATCH = 1200, 100
POSTCODES = ("G31 5EH", "G32 7PN", "HX1 1AA", "E1 6AN")
HEADER = "ID,Org name,Service,Postcode,Tel,Days,Times,Cost,Referral,Category"


def big_spreadsheet(path: Path) -> Path:
    """ROWS distinct listings from 60 organisations, each with its own ID."""
    lines = [HEADER]
    for n in range(ROWS):
        lines.append(
            f"row-{n:05d},Organisation {n % 60:02d},Activity number {n:05d},{POSTCODES[n % len(POSTCODES)]},"
            f"0141 496 {n % 10000:04d},Mon,10am-12pm,Free,Self-referral,Food pantry"
        )
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def signpost(instance: Path, database: str, *args: str) -> subprocess.Popen:
    """`signpost ARGS` in its own process, on this installation."""
    environ = {
        **os.environ,
        "SIGNPOST_INSTANCE_DIR": str(instance),
        "SIGNPOST_DATABASE_URL": database,
        "SIGNPOST_SEARCH_BACKEND": "whoosh",
    }
    command = [sys.executable, "-c", "from directory.cli import main; main()", *args]
    return subprocess.Popen(command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def committed_batches(app) -> int:
    """Batches the running import has committed, as its run record says (saved after each commit)."""
    with get_db(app).sessionmaker() as session:
        run = session.exec(select(ImportRun)).first()
        return 0 if run is None else sum(run.counts.values()) // BATCH


def services(app) -> int:
    with get_db(app).sessionmaker() as session:
        return session.exec(select(func.count()).select_from(Service)).one()


@pytest.mark.slow
def test_a_killed_import_keeps_whole_batches_and_a_rerun_carries_on(tmp_path):
    database = f"sqlite:///{tmp_path / 'instance' / 'signpost.db'}"
    app = migrated_app(tmp_path, DATABASE_URL=database)
    sheet = big_spreadsheet(tmp_path / "council.csv")
    args = ("import", "csv", str(sheet), "--source", "council", "--batch-size", str(BATCH))

    importing = signpost(tmp_path / "instance", database, *args)
    deadline = time.monotonic() + 300
    while committed_batches(app) < 2:
        assert importing.poll() is None, "the import ended before it could be stopped: " + importing.stdout.read()
        assert time.monotonic() < deadline, "the import did not commit two batches in time"
        time.sleep(0.01)
    importing.send_signal(signal.SIGKILL)  # the third batch is under way: nothing of it may stay
    importing.wait()
    importing.stdout.close()

    kept = services(app)
    assert kept % BATCH == 0, f"{kept} services: part of a batch was kept"
    assert 2 * BATCH <= kept < ROWS
    with get_db(app).sessionmaker() as session:
        assert session.exec(select(ImportRun.status)).one() == "running"  # killed: it never got to say so

    again = signpost(tmp_path / "instance", database, *args)
    output, _ = again.communicate(timeout=600)
    assert again.returncode == 0, output
    assert f"{ROWS - kept} were created, 0 updated, {kept} unchanged, 0 proposed as merges, 0 rejected" in output
    assert services(app) == ROWS
    with get_db(app).sessionmaker() as session:
        names = session.exec(select(Service.name)).all()
    assert len(set(names)) == ROWS
    check = signpost(tmp_path / "instance", database, "search", "check")
    output, _ = check.communicate(timeout=300)
    assert check.returncode == 0 and "The index matches the database." in output, output
    get_db(app).engine.dispose()
