"""Spelling: a word no listing uses is corrected when one correction is clearly the best.

Candidates are the directory's own words and the words of the synonyms and related needs, within
one edit (two for words of six letters or more; a swap of two letters is one edit). The closest
wins; among equally close ones, one that makes a synonym or need with the words beside it ("food
bamk" -> "food bank"), then one starting with the same letter, then the one more listings use.
It is applied only when it is clearly ahead of the next; otherwise it is only suggested. Words in
the directory, in the synonyms or needs, the filler words and words under four letters are never
changed, so a short real word ("his", "in") is never turned into another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.analysis import STOP_WORDS

from .backend import SearchBackend
from .keywords import Unit, keywords_text, known_words, load_fillers, parse_keywords

MIN_LENGTH = 4
CLEAR_MARGIN = 3  # the best must be used by this many times more listings than the next, if as close


@dataclass
class Spelling:
    """Corrections to apply (typed word -> word searched) and to suggest only."""

    corrected: dict[str, str] = field(default_factory=dict)
    suggested: dict[str, str] = field(default_factory=dict)


def max_edits(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def correctable(unit: Unit) -> bool:
    """A single word typed alone that no synonym or need explains."""
    if unit.group or unit.related or unit.is_phrase or len(unit.words) != 1:
        return False
    word = unit.words[0]
    return len(word) >= MIN_LENGTH and word.isalpha() and word not in STOP_WORDS and word not in load_fillers()


def check_spelling(units: list[Unit], backend: SearchBackend) -> Spelling:
    """Corrections for the words of `units` that no listing uses."""
    spelling = Spelling()
    words = [u.words[0] for u in units if correctable(u)]
    if not words:
        return spelling
    known = known_words()
    counts = backend.word_counts(words)
    unknown = [w for w in words if not counts.get(w) and w not in known]
    if not unknown:
        return spelling
    choices = list(backend.vocabulary() | known)
    for position, word in ((i, u.words[0]) for i, u in enumerate(units) if correctable(u) and u.words[0] in unknown):
        close = [
            (c, d)
            for c, d, _ in process.extract(word, choices, scorer=OSA.distance, score_cutoff=max_edits(word), limit=20)
            if c != word
        ]
        if not close:
            continue
        uses = backend.word_counts([c for c, _ in close])
        phrase = {c for c, _ in close if _makes_phrase(units, position, c)}
        ranked = sorted(
            close, key=lambda cd: (cd[1], cd[0] not in phrase, cd[0][0] != word[0], -uses.get(cd[0], 0), cd[0])
        )
        best, distance = ranked[0]
        if not uses.get(best) and best not in known:
            continue
        runner_up = ranked[1] if len(ranked) > 1 else None
        clear = (
            runner_up is None
            or runner_up[1] > distance
            or (best in phrase and runner_up[0] not in phrase)
            or (runner_up[0][0] != word[0] and best[0] == word[0])
            or uses.get(best, 0) >= CLEAR_MARGIN * max(1, uses.get(runner_up[0], 0))
        )
        (spelling.corrected if clear else spelling.suggested)[word] = best
    return spelling


def _makes_phrase(units: list[Unit], position: int, candidate: str) -> bool:
    """Whether `candidate` in place of the word at `position` joins a neighbour in a synonym or need."""
    changed = units[:position] + [Unit((candidate,))] + units[position + 1 :]
    return any(
        len(u.words) > 1 and candidate in u.words and (u.group or u.related)
        for u in parse_keywords(keywords_text(changed))
    )
