"""Find candidate listings and change notices in the free text of a newsletter.

A newsletter is split into items (a heading and the paragraphs under it); an item that names a
day, a time, a postcode, a contact, a cost or a change ("cancelled", "moved to") becomes a
candidate. Everything found is only a suggestion for a person to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from directory import geography
from directory.presenters import LANGUAGE_NAMES

from .hsds_values import parse_time
from .mail_changes import change_kind, proposed_values

DAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
    "mon": "MO",
    "tue": "TU",
    "tues": "TU",
    "wed": "WE",
    "thu": "TH",
    "thur": "TH",
    "thurs": "TH",
    "fri": "FR",
    "sat": "SA",
    "sun": "SU",
}
ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "last": -1}
MONTHS = {
    m: n
    for n, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})

_DAY_WORD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?"
_DAY = re.compile(
    rf"\b(?:(?P<nth>1st|2nd|3rd|4th|first|second|third|fourth|last)(?:\s+and\s+(?P<nth2>1st|2nd|3rd|4th|first|second|third|fourth|last))?\s+)?(?P<day>{_DAY_WORD})\b",
    re.I,
)
_CLOCK = r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?|noon|midday"
_TIMES = re.compile(
    rf"(?P<open>{_CLOCK})\s*(?:-|–|—|to|until|till|and (?:finish|end|close)(?:es|s)? at)\s*(?P<close>{_CLOCK})", re.I
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\d)(?:\+44\s?\(?0?\)?\s?\d{2,4}|\(?0\d{2,4}\)?)[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.I)
_MONEY = re.compile(r"£\s?(\d+(?:\.\d{2})?)")
_DATE = re.compile(
    r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b(?:\s+(?P<year>20\d\d))?",
    re.I,
)
_NUMERIC_DATE = re.compile(r"\b(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>20\d\d|\d\d)\b")
_AGES = re.compile(
    r"\b(?:aged?\s+)?(?P<low>\d{1,2})\s*(?:-|–|to)\s*(?P<high>\d{1,3})\s*(?:years?|yrs?|year olds)?\b(?=[^\n]{0,20}(?:years?|yrs?|olds?|aged?|ages))|\bages?\s+(?P<low2>\d{1,2})\s*(?:-|–|to)\s*(?P<high2>\d{1,3})\b|\b(?:over|aged)\s+(?P<over>\d{2})s?\b|\b(?P<plus>\d{2})\s*\+",
    re.I,
)
GROUP_WORDS = {
    "carers": "carers",
    "carer": "carers",
    "women": "women",
    "ladies": "women",
    "men": "men",
    "young people": "young_people",
    "teenagers": "young_people",
    "older people": "older_people",
    "over 50s": "older_people",
    "over 60s": "older_people",
    "over 65s": "older_people",
    "pensioners": "older_people",
    "lgbt": "lgbtq",
    "refugees": "refugees_asylum_seekers",
    "asylum seekers": "refugees_asylum_seekers",
    "veterans": "veterans",
    "families": "families",
    "parents": "families",
    "disabled people": "disabled_people",
    "recovery": "people_in_recovery",
}
# Older wording of change notices, kept for reference by name; mail_changes decides the kind.
SIGNALS = [
    ("cancelled", re.compile(r"\b(?:cancel+ed|called off|will not (?:run|go ahead|take place))\b", re.I)),
    (
        "no_longer_running",
        re.compile(
            r"\b(?:no longer (?:running|run|meet|meeting|taking place|available)|has (?:now )?(?:stopped|ended|finished)|will not be returning|won't be returning)\b",
            re.I,
        ),
    ),
    (
        "closing",
        re.compile(
            r"\b(?:closing|will close|is to close|closes (?:for good|permanently)|shutting|last (?:ever )?session)\b",
            re.I,
        ),
    ),
    ("paused", re.compile(r"\b(?:paused|on hold|taking a break|suspended|temporarily closed)\b", re.I)),
    (
        "moved",
        re.compile(r"\b(?:moved to|moving to|new venue|relocated|relocating|now meets? at|will now meet at)\b", re.I),
    ),
    (
        "new_times",
        re.compile(
            r"\b(?:new times?|new day|time change|change of (?:time|day)|now (?:starts?|runs?|meets?) (?:at|on|from)|changed? to)\b",
            re.I,
        ),
    ),
]
_BOILERPLATE = re.compile(
    r"^(?:unsubscribe|view (?:this|in) (?:email|browser)|you are receiving|sent from my|registered charity|to stop receiving|follow us|copyright|©)",
    re.I,
)
# "When: Tuesdays 10-12", "Where: ...": a fact of the item above, never a title of its own.
FIELD_LINE = re.compile(
    r"^[-*•\s]*(?:\*\*)?(?:when|where|what|who|time|times|day|days|dates?|venue|location|address|contact|cost|costs|"
    r"price|charge|fee|email|e-mail|phone|tel|telephone|mobile|call|ring|text|age|ages|for|booking|book|how to book|"
    r"referral|referrals|info|more info|details|opening times|open|note|please note|website|web|access|parking)"
    r"\s*(?:\*\*)?\s*:",
    re.I,
)
_RULE = re.compile(r"(?:[-=*_~#•·]\s*){3,}")
_BULLET = re.compile(r"^[-*•·]\s+")
_NOT_A_TITLE = re.compile(
    r"^(?:hello|hi|dear|thanks|thank you|many thanks|best wishes|kind regards|regards|all welcome|everyone welcome|"
    r"please|just|no need|for more|find out|see you|god bless|with love|love from)\b",
    re.I,
)
_VERB = re.compile(
    r"\s(?:meets?|starts?|runs?|is|are|will|takes?|has|have|opens?|returns?|continues?|carries|begins?)\b"
)


@dataclass
class Candidate:
    """A possible listing (or a change to one) found in an email, with the text it came from."""

    name: str
    excerpt: str
    fields: dict = field(default_factory=dict)
    signals: list[str] = field(default_factory=list)  # the change it announces, if any: [kind]
    postcode: str | None = None
    change: str | None = None  # closed, paused, cancelled, moved or new_times (see mail_changes)
    changes: dict = field(default_factory=dict)  # the field values that change proposes
    days: set[str] = field(default_factory=set)  # every weekday the item names (the old day of a change too)


def candidates(text: str, sent: date | None = None, subject: str = "") -> list[Candidate]:
    """Every item in the text that looks like a listing or a change notice."""
    found = []
    for heading, body in split_items(text):
        candidate = extract(heading, body, sent)
        if candidate is not None:
            found.append((heading, candidate))
    titled_by_subject = _subject_title(subject)
    if len(found) == 1 and not found[0][0] and titled_by_subject:
        found[0][1].name = titled_by_subject  # one untitled item: the subject names it
    return [candidate for _, candidate in found]


def _subject_title(subject: str) -> str:
    subject = re.sub(r"^(?:(?:re|fwd?|fw)\s*:\s*)+", "", subject or "", flags=re.I).strip()
    return re.split(r"\s+[-–—:|]\s+|:\s", subject)[0].strip()[:200]


def split_items(text: str) -> list[tuple[str, str]]:
    """(heading, body) for each item: a title line (a heading, a bold or capitalised line) or a rule starts a new one;
    a list of groups gives an item per group; a field line ("When: ...") stays with its item."""
    items, heading, body = [], "", []

    def close():
        if any(part.strip() for part in body):
            items.extend(_split_list(heading, "\n\n".join(body).strip()))

    for paragraph in re.split(r"\n\s*\n", _setext(text)):
        lines = [line.strip() for line in paragraph.strip().split("\n") if line.strip()]
        chunk: list[str] = []
        for number, line in enumerate(lines):
            if _RULE.fullmatch(line):
                if chunk:
                    body.append("\n".join(chunk))
                close()
                heading, body, chunk = "", [], []
            elif (number == 0 and _is_heading(line)) or (number and _is_strong_heading(line)):
                if chunk:
                    body.append("\n".join(chunk))
                close()
                heading, body, chunk = _clean_heading(line), [], []
            else:
                chunk.append(line)
        if chunk:
            body.append("\n".join(chunk))
    close()
    return items


def _setext(text: str) -> str:
    """'Title' underlined with ==== or ---- becomes '## Title'."""
    lines = re.sub(r"\r\n?", "\n", text).split("\n")
    out: list[str] = []
    for line in lines:
        if (
            re.fullmatch(r"\s*(?:={3,}|-{3,})\s*", line)
            and out
            and out[-1].strip()
            and not _RULE.fullmatch(out[-1].strip())
        ):
            out[-1] = "## " + out[-1].strip()
        else:
            out.append(line)
    return "\n".join(out)


def _split_list(heading: str, body: str) -> list[tuple[str, str]]:
    """A list of groups ("- Art Group: Tuesdays 10-12") is an item per group, each keeping the rest of the item
    (the venue and contact said once for all)."""
    lines = body.split("\n")
    groups = [
        line
        for line in lines
        if _BULLET.match(line) and not FIELD_LINE.match(line) and (_DAY.search(line) or _TIMES.search(line))
    ]
    if len(groups) < 2:
        return [(heading, body)]
    rest = "\n".join(line for line in lines if line not in groups).strip()
    items = []
    for line in groups:
        text = _BULLET.sub("", line)
        titled = re.match(r"(.+?)(?::|\s[-–—]\s)", text)
        name = re.sub(r"\s*\([^)]*\)\s*$", "", titled[1] if titled else text).strip()
        items.append((name[:200], f"{text}\n\n{rest}".strip()))
    return items


def _is_strong_heading(line: str) -> bool:
    """A title inside a paragraph: marked as a heading or bold, or in capitals."""
    clean = _clean_heading(line)
    if not clean or len(clean) > 70 or FIELD_LINE.match(line) or _BOILERPLATE.match(clean):
        return False
    return (
        line.startswith("#")
        or (line.startswith("**") and line.rstrip(":").endswith("**"))
        or (line.isupper() and len(clean) > 3)
    )


def _is_heading(line: str) -> bool:
    clean = _clean_heading(line)
    if _BULLET.match(line) and not _is_strong_heading(line):
        return False
    if not clean or len(clean) > 70 or _BOILERPLATE.match(clean) or FIELD_LINE.match(line) or _NOT_A_TITLE.match(clean):
        return False
    if _is_strong_heading(line):
        return True
    return (
        not re.search(r"[.!?,;]$", clean)
        and len(clean.split()) <= 9
        and clean[0].isupper()
        and not _EMAIL.search(clean)
    )


def _clean_heading(line: str) -> str:
    line = re.sub(r"^(?:#+|\*\*|[-•]\s)\s*", "", line).strip()
    line = re.sub(r"[*_#:]+$", "", line).strip()
    line = re.sub(r"^\*\*|\*\*$", "", line).strip()
    if not line.isupper():
        return line
    small = {"and", "or", "of", "the", "for", "in", "at", "on", "to", "a", "with"}
    words = line.lower().split()
    return " ".join(w if i and w in small else w.capitalize() for i, w in enumerate(words))


def extract(heading: str, body: str, sent: date | None = None) -> Candidate | None:
    """The facts an item gives, or None when it gives none (an introduction, a sign-off)."""
    text = f"{heading}\n{body}".strip()
    if not body or _BOILERPLATE.match(body.strip()):
        return None
    fields: dict = {}
    schedules = _schedules(text)
    if schedules:
        fields["schedules"] = schedules
    emails = _EMAIL.findall(text)
    if emails:
        fields["email"] = emails[0]
    phones = _PHONE.findall(text)
    if phones:
        fields["phone"] = " ".join(phones[0].split())
    postcode = _postcode(text)
    if postcode:
        fields["venue"] = _venue(text, postcode)
    fields.update(_cost(text))
    found_dates = _found_dates(text, sent)
    fields.update(_dates(text, found_dates))
    fields.update(_who(text))
    languages = [
        code for code, name in LANGUAGE_NAMES.items() if code != "en" and re.search(rf"\b{re.escape(name)}\b", text)
    ]
    if languages:
        fields["languages"] = languages
    kind = change_kind(text)
    if not ({"schedules", "venue", "phone", "email"} & set(fields)) and not kind:
        return None  # a greeting, news or a funding deadline: nothing a listing holds
    name = heading or _untitled_name(body)
    summary = _first_sentence(body)
    if summary and summary != name:
        fields["summary"] = summary[:300]
    fields["description"] = body[:2000]
    days = {_weekday(match["day"]) for match in _DAY.finditer(text)} - {None}
    return Candidate(
        name=name[:200],
        excerpt=text[:1500],
        fields=fields,
        signals=[kind] if kind else [],
        postcode=postcode,
        change=kind,
        changes=proposed_values(kind, text, fields, found_dates),
        days=days,
    )


def _untitled_name(body: str) -> str:
    """An untitled item's name: its first sentence's subject ("The Veterans' Breakfast Club meets ..."), or the sentence."""
    sentence = _first_sentence(body)
    verb = _VERB.search(sentence)
    if verb and 1 <= len(sentence[: verb.start()].split()) <= 8 and "," not in sentence[: verb.start()]:
        subject = re.sub(r"^(?:the|a new|a|an|our|new)\s+", "", sentence[: verb.start()].strip(), flags=re.I)
        return subject[:1].upper() + subject[1:]
    return sentence[:80]


def _weekday(word: str) -> str | None:
    return DAYS.get(word.lower().rstrip("s").removesuffix("day") or "", None) or DAYS.get(word[:3].lower())


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(?:\s|$)", flat)
    return (match[1] if match else flat)[:300]


def _schedules(text: str) -> list[dict]:
    rows = []
    for line in re.split(r"\n|(?<=[.;])\s", text):
        # "Thursdays instead of Tuesdays": the old day is not a session.
        line = re.sub(r"\b(?:instead of|rather than|no longer on|not on)\b[^.\n]*", "", line, flags=re.I)
        times = _TIMES.search(line)
        for match in _DAY.finditer(line):
            day = _weekday(match["day"])
            if not day:
                continue
            row = {"frequency": "weekly", "weekday": day}
            nths = [ORDINALS[n.lower()] for n in (match["nth"], match["nth2"]) if n]
            opens = closes = None
            if times:
                try:
                    opens, closes = _clock(times["open"], times["close"])
                except ValueError:
                    opens = closes = None
            if opens and closes:
                row.update(opens_at=opens, closes_at=closes)
            for nth in nths or [None]:
                item = dict(row)
                if nth is not None:
                    item.update(frequency="monthly", week_of_month=nth)
                if item not in rows:
                    rows.append(item)
    # "From Friday 15 January ... Fridays 9.30-11.30am": a day named without times is the same session.
    timed = {(row["weekday"], row.get("week_of_month")) for row in rows if "opens_at" in row}
    return [row for row in rows if "opens_at" in row or (row["weekday"], row.get("week_of_month")) not in timed]


def _clock(opens: str, closes: str) -> tuple[str, str]:
    """'10' to '12pm' -> ('10:00', '12:00'): an open time without am/pm takes the closing one's when that fits."""
    close_time = parse_time(_normalise_clock(closes))
    open_text = _normalise_clock(opens)
    if not re.search(r"[ap]m|noon|midday", open_text, re.I):
        suffix = re.search(r"[ap]m", _normalise_clock(closes), re.I)
        if suffix:
            candidate = parse_time(f"{open_text}{suffix[0]}")
            open_time = candidate if candidate < close_time else parse_time(f"{open_text}am")
        else:
            open_time = parse_time(open_text)
    else:
        open_time = parse_time(open_text)
    if not open_time < close_time:
        raise ValueError("closes before it opens")
    return open_time.strftime("%H:%M"), close_time.strftime("%H:%M")


def _normalise_clock(text: str) -> str:
    text = text.lower().replace("a.m.", "am").replace("p.m.", "pm").replace(" ", "")
    return "12:00" if text in ("noon", "midday") else text


def _postcode(text: str) -> str | None:
    for match in _POSTCODE.finditer(text):
        try:
            parsed = geography.parse_postcode(f"{match[1]} {match[2]}")
        except geography.PostcodeError:
            continue
        if parsed.kind == "unit":
            return parsed.normalised
    return None


def _venue(text: str, postcode: str) -> dict:
    """The venue line: what comes before the postcode on its line (after 'at' when it says so)."""
    outward = postcode.split()[0]
    for line in text.split("\n"):
        match = re.search(rf"{outward}\s*{postcode.split()[1]}", line, re.I)
        if not match:
            continue
        before = re.split(r"[.!?]\s", line[: match.start()])[-1].strip(" ,-–:")
        before = re.split(
            r"\b(?:at|moved to|moving to|venue|where|location|meet(?:s|ing)? (?:at|outside)|(?:starting |setting off |leaving )?from)\s*:?\s+",
            before,
            flags=re.I,
        )[-1]
        parts = [p.strip() for p in before.split(",") if p.strip() and not _is_when(p)]
        venue = {"postcode": postcode}
        if parts:
            venue["name"] = parts[0][:200]
        if len(parts) > 2:
            venue["address_1"], venue["town"] = parts[1][:200], parts[-1][:100]
        elif len(parts) == 2:
            venue["address_1" if re.search(r"\d", parts[1]) else "town"] = parts[1][:200]
        return venue
    return {"postcode": postcode}


def _is_when(part: str) -> bool:
    """A day, a time, a date or a price: never part of a venue's name or address."""
    return bool(
        _DAY.search(part)
        or _TIMES.search(part)
        or re.search(rf"\b(?:{_CLOCK})\b", part, re.I)
        and re.search(r"\d\s*(?:am|pm)|:\d\d", part, re.I)
        or _DATE.search(part)
        or _MONEY.search(part)
        or re.search(r"\b(?:every|weekly|monthly|fortnightly|daily)\b", part, re.I)
    )


def _cost(text: str) -> dict:
    amounts = [float(a) for a in _MONEY.findall(text)]
    if amounts:
        match = re.search(r"£\s?\d+(?:\.\d{2})?[^.\n;]{0,120}", text)
        return {
            "is_free": False,
            "cost_min": f"{min(amounts):.2f}",
            "cost_max": f"{max(amounts):.2f}",
            "cost_description": match[0].strip()[:300] if match else None,
        }
    if re.search(r"\b(?:free(?: of charge)?|no charge|costs nothing)\b", text, re.I) and not re.search(
        r"\bfree ?phone\b", text, re.I
    ):
        return {"is_free": True}
    return {}


def _found_dates(text: str, sent: date | None) -> list[tuple[int, date]]:
    """(position, date) for every date the text gives, in order."""
    found = []
    for match in _DATE.finditer(text):
        month = MONTHS.get(match["month"].lower()[:3])
        found.append((match.start(), _date(int(match["day"]), month, match["year"], sent)))
    for match in _NUMERIC_DATE.finditer(text):
        year = match["year"] if len(match["year"]) == 4 else f"20{match['year']}"
        found.append((match.start(), _date(int(match["day"]), int(match["month"]), year, sent)))
    return [(at, d) for at, d in sorted(found) if d]


def _dates(text: str, found: list[tuple[int, date]]) -> dict:
    result = {}
    for at, when in found:
        before = text[max(0, at - 40) : at].lower()
        if (
            re.search(r"\b(?:until|till|to|ends?|ending|last session|finishes?|runs? to)\b[^.]*$", before)
            and "end_date" not in result
        ):
            result["end_date"] = when.isoformat()
        elif "start_date" not in result and "end_date" not in result:
            result["start_date"] = when.isoformat()
    return result


def _date(day: int, month: int | None, year: str | None, sent: date | None) -> date | None:
    if not month:
        return None
    base = sent or date(2000, 1, 1)
    try:
        when = date(int(year) if year else base.year, month, day)
    except ValueError:
        return None
    if not year and sent and (sent - when).days > 60:
        when = when.replace(year=when.year + 1)  # "14 January" in a December newsletter is next year
    return when


def _who(text: str) -> dict:
    result: dict = {}
    lowered = text.lower()
    groups = sorted({group for word, group in GROUP_WORDS.items() if re.search(rf"\b{re.escape(word)}\b", lowered)})
    if groups:
        result["groups_served"] = groups
    for match in _AGES.finditer(text):
        low, high = match["low"] or match["low2"], match["high"] or match["high2"]
        if low and high and int(low) < int(high) <= 120:
            result.update(min_age=int(low), max_age=int(high))
            break
        over = match["over"] or match["plus"]
        if over and 10 <= int(over) <= 100:
            result["min_age"] = int(over)
            break
    sentence = re.search(
        r"[^.\n]*\b(?:open to|suitable for|aimed at|for anyone|for people|for (?:men|women|carers|parents|"
        r"families|adults|children|dads|mums|older people|young people)|(?:all|everyone|beginners) "
        r"(?:are |very )?welcome)\b[^.\n]*",
        text,
        re.I,
    )
    if sentence:
        result["who_for"] = sentence[0].strip()[:300]
    return result
