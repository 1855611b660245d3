"""Newsletter benchmark: read the set of community newsletters into drafts and score them against what each says.

    PYTHONPATH=. .venv/bin/python bench/mail_bench.py

Builds a fresh directory (categories, the demo directory and the few listings in
tests/importers/mail_newsletters/listings.json that the messages refer to), reads every message in
tests/importers/mail_corpus/ and tests/importers/mail_newsletters/ as `signpost import mail` does,
and compares the drafts with each message's expectations (NN_name.json beside NN_name.eml, written
from what the message says). Prints precision and recall for drafts found, links (to the right
listing, or correctly new) and change notices (the right kind of change proposed).
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402
from sqlmodel import select  # noqa: E402

from directory import create_app, migrate  # noqa: E402
from directory.config import DATA_DIR  # noqa: E402
from directory.db import get_db  # noqa: E402
from directory.demo import load_demo  # noqa: E402
from directory.models import ChangeRequest, Organisation, Service  # noqa: E402
from directory.operations.taxonomy import seed_taxonomy  # noqa: E402
from directory.permissions import SYSTEM  # noqa: E402
from importers.mail import import_mail  # noqa: E402
from importers.mail_read import read_mail  # noqa: E402

FOLDERS = [ROOT / "tests" / "importers" / "mail_corpus", ROOT / "tests" / "importers" / "mail_newsletters"]
LISTINGS = ROOT / "tests" / "importers" / "mail_newsletters" / "listings.json"
TODAY = date(2026, 12, 1)  # the demo directory's dates are relative to this
NOW = datetime(2026, 12, 22, 9, 0, tzinfo=UTC)


def load_directory(session, today: date = TODAY) -> None:
    """The demo directory and the newsletter set's own listings (caller commits)."""
    load_demo(session, today)
    load_demo(session, today, path=LISTINGS)


def messages() -> list[Path]:
    """Every message in the set, in order."""
    return sorted(path for folder in FOLDERS for path in folder.glob("*.eml"))


@dataclass
class Tally:
    """Counts for one measure: what was right, what was produced, what was expected."""

    right_produced: int = 0
    produced: int = 0
    right_expected: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.right_produced / self.produced if self.produced else 1.0

    @property
    def recall(self) -> float:
        return self.right_expected / self.expected if self.expected else 1.0


def run(session, now: datetime = NOW) -> tuple[dict[str, Tally], list[str]]:
    """Read the set into the session's directory and score it; returns the tallies and a line per miss."""
    for path in messages():
        import_mail(session, SYSTEM, read_mail(str(path)), now=now)
    session.flush()
    names = {s.id: (s.organisation.name, s.name) for s in session.exec(select(Service))}
    assert session.exec(select(Organisation)).first() is not None
    drafts: dict[str, list[ChangeRequest]] = {}
    for draft in session.exec(select(ChangeRequest).where(ChangeRequest.kind == "draft")):
        drafts.setdefault(draft.proposed["source_email"]["message_id"], []).append(draft)
    tallies = {name: Tally() for name in ("drafts found", "links to a listing", "correctly new", "change notices")}
    misses: list[str] = []
    for path in messages():
        [mail] = read_mail(str(path))
        expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["drafts"]
        produced = [
            {
                "name": d.proposed["name"],
                "listing": list(names[d.target_id]) if d.target_id else None,
                "change": (d.proposed.get("change") or {}).get("kind"),
            }
            for d in sorted(drafts.get(mail.message_id, []), key=lambda d: d.proposed["source_email"]["item"])
        ]
        score_message(path.name, expected, produced, tallies, misses)
    return tallies, misses


def score_message(
    file: str, expected: list[dict], produced: list[dict], tallies: dict[str, Tally], misses: list[str]
) -> None:
    """Pair expected and produced drafts by name, then count each measure."""
    pairs, unpaired = [], list(produced)
    for want in expected:
        best = max(unpaired, key=lambda got: _name_score(want["name"], got["name"]), default=None)
        if best is not None and _name_score(want["name"], best["name"]) >= 80:
            unpaired.remove(best)
            pairs.append((want, best))
        else:
            pairs.append((want, None))
            misses.append(f"{file}: not drafted: {want['name']}")
    for got in unpaired:
        misses.append(f"{file}: extra draft: {got['name']}")
    found, links, new, changes = (
        tallies[k] for k in ("drafts found", "links to a listing", "correctly new", "change notices")
    )
    found.expected += len(expected)
    found.produced += len(produced)
    paired = [(want, got) for want, got in pairs if got is not None]
    found.right_produced += len(paired)
    found.right_expected += len(paired)
    for want, _ in pairs:
        links.expected += want["listing"] is not None
        new.expected += want["listing"] is None
        changes.expected += want["change"] is not None
    for got in produced:
        links.produced += got["listing"] is not None
        new.produced += got["listing"] is None
        changes.produced += got["change"] is not None
    for want, got in paired:
        if want["listing"] is not None and got["listing"] == want["listing"]:
            links.right_produced += 1
            links.right_expected += 1
        elif want["listing"] is None and got["listing"] is None:
            new.right_produced += 1
            new.right_expected += 1
        else:
            misses.append(f"{file}: {want['name']}: linked to {got['listing']}, expected {want['listing']}")
        if want["change"] is not None and got["change"] == want["change"]:
            changes.right_produced += 1
            changes.right_expected += 1
        elif want["change"] != got["change"]:
            misses.append(f"{file}: {want['name']}: change {got['change']}, expected {want['change']}")


def _name_score(want: str, got: str) -> float:
    want, got = want.lower(), got.lower()
    return 100.0 if want in got or got in want else fuzz.token_set_ratio(want, got)


def table(tallies: dict[str, Tally]) -> list[str]:
    """The Markdown table of precision and recall."""
    lines = ["| measure | precision | recall | right / produced | right / expected |", "|---|---|---|---|---|"]
    for name, t in tallies.items():
        lines.append(
            f"| {name} | {t.precision:.2f} | {t.recall:.2f} | {t.right_produced} / {t.produced} | {t.right_expected} / {t.expected} |"
        )
    return lines


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"ENV": "testing", "INSTANCE_DIR": folder, "SECRET_KEY": "mail-bench"})
        database = get_db(app)
        migrate.upgrade(database.engine)
        with database.unit_of_work() as session:
            seed_taxonomy(session, SYSTEM, json.loads((DATA_DIR / "taxonomy.json").read_text(encoding="utf-8")))
        with database.unit_of_work() as session:
            load_directory(session)
        with database.sessionmaker() as session:
            tallies, misses = run(session)
            session.rollback()
        database.engine.dispose()
    print(f"{len(messages())} messages\n")
    print("\n".join(table(tallies)))
    if misses:
        print("\nMisses:\n" + "\n".join(f"- {line}" for line in misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
