"""Change notices in a newsletter item: what kind of change it announces, and the field values it proposes.

Kinds, most decisive first: closed (for good), paused (a break with a return), cancelled (one
session or a few), moved (a new venue) and new_times (a new day or time). The values use the
listing's own fields: schedules, a venue, status with its reason and expected reopening, or an alert.
"""

from __future__ import annotations

import re
from datetime import date

DAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?"
KINDS = ("closed", "paused", "cancelled", "moved", "new_times")
PATTERNS = {
    "closed": re.compile(
        r"\b(?:closing(?! date)|(?:will|to) close(?! for| over| until)|closes? (?:for good|permanently|down)|(?:has|have) (?:now )?closed"
        r"|shutting|(?:last|final) (?:ever )?(?:session|meeting|lunch|club)|funding (?:has|have) (?:now )?(?:ended|run out|finished|stopped)"
        r"|funding (?:is )?ending|no longer (?:running|run|meets?|meeting|taking place|available|going ahead)"
        r"|(?:has|have) (?:now )?(?:stopped|ended|finished) (?:running|meeting|for good)|will not be returning|won't be returning"
        r"|ceased|wound up|(?:is|are) ending)\b",
        re.I,
    ),
    "paused": re.compile(
        r"\b(?:paused|on hold|tak(?:ing|es?) (?:a|its|our|their) (?:short |summer |winter |christmas |festive )?break"
        r"|(?:summer|winter|christmas|festive) break|suspended|temporarily closed|closed (?:for|over|until)|will close (?:for|over|until)"
        r"|no (?:sessions?|meetings?|groups?|club|classes) (?:in|during|over|until|throughout) )",
        re.I,
    ),
    "cancelled": re.compile(
        r"\b(?:cancel+ed|called off|will not (?:run|go ahead|take place|be running|meet)|won't (?:run|go ahead|be running)"
        r"|no (?:session|meeting|club|group|walk|class) (?:this|next|on)\b)",
        re.I,
    ),
    "moved": re.compile(
        r"\b(?:(?:has |have |is |are |will )?mov(?:ed|ing|e) to|new venue|new home|relocat\w+|now meets? at|will now meet at"
        r"|(?:will|to) be held at|now (?:being )?held at)\b",
        re.I,
    ),
    "new_times": re.compile(
        rf"\b(?:new (?:times?|day)|time change|change of (?:time|day)|changed? to|now (?:starts?|runs?|meets?|be) (?:at|on|from)"
        rf"|will (?:now )?(?:meet|run|open|start|be served|finish|take place) (?:on|at|from|every)\b|will now (?:meet|run|start)"
        rf"|instead of (?:the )?(?:\d\w* )?{DAY}|(?:earlier|later) than|start at \d)",
        re.I,
    ),
}
# "moving to Tuesdays" is a new day, not a new venue.
_MOVED_TO_A_DAY = re.compile(
    rf"\bmov(?:ed|ing|e) to (?:(?:a )?new (?:day|time)|(?:the )?(?:\d\w* |first |second |third |last )?{DAY}\b|\d)",
    re.I,
)
_RETURN = re.compile(
    r"\b(?:until|till|back (?:on|in|from)|resumes?|resuming|reopens?|reopening|restarts?|start again|starts again"
    r"|returns?|next (?:meeting|session) (?:is|will be))\b",
    re.I,
)


def change_kind(text: str) -> str | None:
    """The one change an item announces, or None."""
    found = {kind for kind, pattern in PATTERNS.items() if pattern.search(text)}
    if "moved" in found and not _moves_venue(text):
        found.discard("moved")
        found.add("new_times")
    return next((kind for kind in KINDS if kind in found), None)


def _moves_venue(text: str) -> bool:
    for match in PATTERNS["moved"].finditer(text):
        if not _MOVED_TO_A_DAY.search(text, match.start(), match.end() + 40):
            return True
    return False


def proposed_values(kind: str | None, text: str, fields: dict, dates: list[tuple[int, date]]) -> dict:
    """The field values a change notice proposes for its listing (schedules, a venue, status, an alert)."""
    if kind == "new_times" and fields.get("schedules"):
        return {"schedules": fields["schedules"]}
    if kind == "moved" and fields.get("venue"):
        return {"venue": fields["venue"]}
    reason = _sentence(text, PATTERNS[kind]) if kind else ""
    if kind == "closed":
        return {"status": "inactive", "status_reason": reason[:500]}
    if kind == "paused":
        return {
            "status": "temporarily_closed",
            "status_reason": reason[:500],
            "expected_reopening": _reopening(text, dates),
        }
    if kind == "cancelled":
        return {"alert": reason[:500]}
    return {}


def _sentence(text: str, pattern: re.Pattern) -> str:
    for line in text.split("\n"):
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(line.split())):
            if pattern.search(sentence):
                return sentence.strip()
    return " ".join(text.split())[:300]


def _reopening(text: str, dates: list[tuple[int, date]]) -> str | None:
    """The first date after a word of return ("until", "back on", "resumes"), else None."""
    for match in _RETURN.finditer(text):
        later = [when for at, when in dates if at >= match.start()]
        if later:
            return later[0].isoformat()
    return None
