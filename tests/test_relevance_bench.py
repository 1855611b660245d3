"""The relevance benchmark's scoring and its judgement files (bench/judgements.py), without running it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench.judgements import (
    KINDS,
    Judged,
    JudgementError,
    by_kind,
    directory_services,
    ndcg,
    read_judgements,
    score,
    success,
    violations,
)

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENT_FILES = sorted((ROOT / "bench" / "judgements").glob("*.json"))
MINIMUM_QUERIES = {"demo.json": 100, "second.json": 40}

A, B, C, X, Y = (("Org", name) for name in ("A", "B", "C", "X", "Y"))


def judged(grades: dict, must_not=frozenset(), kind="keywords", id="q1") -> Judged:
    return Judged(id, kind, "words", "", "", grades, frozenset(must_not))


def test_ndcg_of_a_perfect_ranking_is_one():
    assert ndcg([A, B], {A: 2, B: 1}) == pytest.approx(1.0)


def test_ndcg_uses_exponential_gain_and_log_discount():
    # B (grade 1) first, nothing second, A (grade 2) third; ideal is A then B.
    got = ndcg([B, X, A], {A: 2, B: 1})
    expected = (1 / math.log2(2) + 3 / math.log2(4)) / (3 / math.log2(2) + 1 / math.log2(3))
    assert got == pytest.approx(expected)


def test_ndcg_only_counts_the_first_ten():
    ranking = [("Org", f"n{i}") for i in range(10)] + [A]
    assert ndcg(ranking, {A: 2}) == 0.0


def test_ndcg_of_an_empty_ranking_is_zero():
    assert ndcg([], {A: 2}) == 0.0


def test_success_at_three_needs_a_relevant_service_in_the_first_three():
    assert success([X, Y, B], {A: 2, B: 1})
    assert not success([X, Y, C, A], {A: 2, B: 1})


def test_must_not_services_in_the_top_ten_are_counted():
    ranking = [X, A, Y] + [("Org", f"n{i}") for i in range(7)] + [C]
    assert violations(ranking, frozenset({X, Y, C})) == 2


def test_scores_are_summarised_per_kind_and_overall():
    queries = [judged({A: 2}, id="1"), judged({A: 2}, {X}, id="2"), judged({B: 2}, kind="misspelling", id="3")]
    rankings = [[A], [X, A], [C]]
    summary = by_kind(queries, [score(q, r) for q, r in zip(queries, rankings, strict=True)])
    assert list(summary) == ["keywords", "misspelling", "overall"]
    assert summary["keywords"].queries == 2
    assert summary["keywords"].success == 1.0
    assert summary["keywords"].violations == 1 and summary["keywords"].violating_queries == 1
    assert summary["misspelling"].ndcg == 0.0
    assert summary["overall"].success == pytest.approx(2 / 3)


def _directory() -> dict:
    return {
        "organisations": [
            {"name": "North Hub", "services": [{"name": "Coffee Morning"}, {"name": "Food Bank"}]},
            {"name": "South Hub", "services": [{"name": "Coffee Morning"}]},
        ]
    }


def _write(tmp_path: Path, query: dict) -> Path:
    base = {"id": "q1", "kind": "keywords", "q": "food", "postcode": "", "filters": "", "must_not": []}
    path = tmp_path / "judgements.json"
    path.write_text(json.dumps({"queries": [base | query]}), encoding="utf-8")
    return path


def test_an_unknown_service_is_named_with_its_query(tmp_path):
    path = _write(tmp_path, {"relevant": {"Food Bnk": 2}})
    with pytest.raises(JudgementError, match=r"query q1: no service named 'Food Bnk'.*did you mean 'Food Bank'"):
        read_judgements(path, _directory())


def test_a_name_used_twice_needs_its_organisation(tmp_path):
    with pytest.raises(JudgementError, match="names 2 services"):
        read_judgements(_write(tmp_path, {"relevant": {"Coffee Morning": 2}}), _directory())
    found = read_judgements(_write(tmp_path, {"relevant": {"Coffee Morning @ South Hub": 2}}), _directory())
    assert found[0].grades == {("South Hub", "Coffee Morning"): 2}


def test_a_query_without_a_first_choice_is_refused(tmp_path):
    with pytest.raises(JudgementError, match="grade 2"):
        read_judgements(_write(tmp_path, {"relevant": {"Food Bank": 1}}), _directory())


def test_an_unknown_kind_is_refused(tmp_path):
    with pytest.raises(JudgementError, match="kind 'vibes'"):
        read_judgements(_write(tmp_path, {"kind": "vibes", "relevant": {"Food Bank": 2}}), _directory())


def test_there_are_judgement_files():
    assert {p.name for p in JUDGEMENT_FILES} >= set(MINIMUM_QUERIES)


@pytest.mark.parametrize("path", JUDGEMENT_FILES, ids=lambda p: p.name)
def test_judgement_file_is_well_formed(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    directory = json.loads((ROOT / document["directory"]).read_text(encoding="utf-8"))
    queries = read_judgements(path, directory)  # every named service exists, grades and kinds are valid
    services = set(directory_services(directory))
    assert len(queries) >= MINIMUM_QUERIES.get(path.name, 1)
    assert {q.kind for q in queries} == set(KINDS)
    for q in queries:
        assert q.kind in KINDS
        assert 2 in q.grades.values(), q.id
        assert set(q.grades) <= services and q.must_not <= services, q.id
