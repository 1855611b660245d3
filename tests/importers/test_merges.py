"""Possible duplicates from an import: a moderator merges, keeps both, or discards; re-imports respect it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from directory.models import ChangeRequest, Revision, Service
from directory.operations import InputError
from directory.operations.imports import decide_merge
from directory.operations.moderation import decide_change
from directory.permissions import Actor, PermissionDenied
from tests import factories

from .conftest import PANTRY, import_file, spreadsheet

MODERATOR = Actor("user", "Mo Derator", roles=frozenset({"moderator"}), verified=True)
ROW = PANTRY.replace("Community pantry", "The Community Pantry").replace("Mon, Wed", "Friday")


@pytest.fixture
def proposal(app, session, tmp_path):
    """An existing pantry, and an import from the council that looks like it."""
    org = factories.organisation(session, name="Parkhead Pantry Trust")
    existing = factories.service(
        session,
        org,
        locations=[factories.location(session, org, postcode="G31 5EH")],
        name="Community Pantry",
        description="Kept by the trust.",
    )
    session.commit()
    path = spreadsheet(tmp_path, ROW)
    import_file(app, path)
    change = session.exec(select(ChangeRequest).where(ChangeRequest.kind == "merge")).one()
    return existing, change, path


def test_merging_updates_the_existing_listing_with_the_imported_fields(app, session, proposal):
    existing, change, path = proposal
    decide_merge(session, MODERATOR, change, "merge", "Same pantry")
    session.commit()
    session.expire_all()
    service = session.get(Service, existing.id)
    assert [s.weekday for s in service.schedules] == ["FR"] and service.email == "pantry@example.org"
    assert service.name == "The Community Pantry" and service.description == "Kept by the trust."
    assert session.exec(
        select(Revision).where(Revision.target_id == existing.id, Revision.source == "moderator")
    ).first()
    assert (change.status, change.proposed["decision"]) == ("approved", "merge")
    report = import_file(app, path)  # the council's row now is that listing
    assert dict(report.counts) == {"unchanged": 1}


def test_keeping_both_adds_the_imported_listing_as_a_new_one(app, session, proposal):
    existing, change, path = proposal
    added = decide_merge(session, MODERATOR, change, "separate")
    session.commit()
    assert added.id != existing.id and added.source == "council" and added.location_links
    assert {s.name for s in session.exec(select(Service))} == {"Community Pantry", "The Community Pantry"}
    assert dict(import_file(app, path).counts) == {"unchanged": 1}


def test_discarding_leaves_the_directory_alone_and_the_row_is_not_proposed_again(app, session, proposal):
    existing, change, path = proposal
    decide_merge(session, MODERATOR, change, "discard")
    session.commit()
    assert change.status == "rejected" and session.get(Service, existing.id).name == "Community Pantry"
    report = import_file(app, path)
    assert dict(report.counts) == {"unchanged": 1} and "discarded" in report.outcomes[0].detail
    assert len(session.exec(select(ChangeRequest)).all()) == 1


def test_the_moderation_queues_approve_and_reject_mean_merge_and_discard(app, session, proposal):
    existing, change, _ = proposal
    decide_change(session, MODERATOR, change, True, "")
    assert change.proposed["decision"] == "merge"


@pytest.mark.parametrize("decision, words", [("maybe", "Choose whether"), ("merge", "already been decided")])
def test_a_decision_must_be_one_of_the_three_and_is_made_once(app, session, proposal, decision, words):
    _, change, _ = proposal
    if words == "already been decided":
        decide_merge(session, MODERATOR, change, "discard")
    with pytest.raises(InputError, match=words):
        decide_merge(session, MODERATOR, change, decision)


@pytest.mark.parametrize(
    "actor",
    [
        Actor("user", "Ed", roles=frozenset(), verified=True),
        Actor("user", "Unconfirmed moderator", roles=frozenset({"moderator"}), verified=False),
        Actor("anonymous", "public"),
    ],
)
def test_only_moderators_decide(app, session, proposal, actor):
    _, change, _ = proposal
    with pytest.raises(PermissionDenied):
        decide_merge(session, actor, change, "merge")
    assert change.status == "pending"
