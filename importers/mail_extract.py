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

DAYS = {"monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH", "friday": "FR", "saturday": "SA",
        "sunday": "SU", "mon": "MO", "tue": "TU", "tues": "TU", "wed": "WE", "thu": "TH", "thur": "TH",
        "thurs": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "last": -1}
MONTHS = {m: n for n, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"), start=1)}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})

_DAY_WORD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?"
_DAY = re.compile(rf"\b(?:(?P<nth>1st|2nd|3rd|4th|first|second|third|fourth|last)(?:\s+and\s+(?P<nth2>1st|2nd|3rd|4th|first|second|third|fourth|last))?\s+)?(?P<day>{_DAY_WORD})\b", re.I)
_CLOCK = r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?|noon|midday"
_TIMES = re.compile(rf"(?P<open>{_CLOCK})\s*(?:-|–|—|to|until|till)\s*(?P<close>{_CLOCK})", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\d)(?:\+44\s?\(?0?\)?\s?\d{2,4}|\(?0\d{2,4}\)?)[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.I)
_MONEY = re.compile(r"£\s?(\d+(?:\.\d{2})?)")
_DATE = re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b(?:\s+(?P<year>20\d\d))?", re.I)
_NUMERIC_DATE = re.compile(r"\b(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>20\d\d|\d\d)\b")
_AGES = re.compile(r"\b(?:aged?\s+)?(?P<low>\d{1,2})\s*(?:-|–|to)\s*(?P<high>\d{1,3})\s*(?:years?|yrs?|year olds)?\b(?=[^\n]{0,20}(?:years?|yrs?|olds?|aged?|ages))|\bages?\s+(?P<low2>\d{1,2})\s*(?:-|–|to)\s*(?P<high2>\d{1,3})\b|\b(?:over|aged)\s+(?P<over>\d{2})s?\b|\b(?P<plus>\d{2})\s*\+", re.I)
GROUP_WORDS = {
    "carers": "carers", "carer": "carers", "women": "women", "ladies": "women", "men": "men", "young people": "young_people",
    "teenagers": "young_people", "older people": "older_people", "over 50s": "older_people", "over 60s": "older_people",
    "over 65s": "older_people", "pensioners": "older_people", "lgbt": "lgbtq", "refugees": "refugees_asylum_seekers",
    "asylum seekers": "refugees_asylum_seekers", "veterans": "veterans", "families": "families", "parents": "families",
    "disabled people": "disabled_people", "recovery": "people_in_recovery",
}
# Change notices about a known service, most specific first.
SIGNALS = [
    ("cancelled", re.compile(r"\b(?:cancel+ed|called off|will not (?:run|go ahead|take place))\b", re.I)),
    ("no_longer_running", re.compile(r"\b(?:no longer (?:running|run|meet|meeting|taking place|available)|has (?:now )?(?:stopped|ended|finished)|will not be returning|won't be returning)\b", re.I)),
    ("closing", re.compile(r"\b(?:closing|will close|is to close|closes (?:for good|permanently)|shutting|last (?:ever )?session)\b", re.I)),
    ("paused", re.compile(r"\b(?:paused|on hold|taking a break|suspended|temporarily closed)\b", re.I)),
    ("moved", re.compile(r"\b(?:moved to|moving to|new venue|relocated|relocating|now meets? at|will now meet at)\b", re.I)),
    ("new_times", re.compile(r"\b(?:new times?|new day|time change|change of (?:time|day)|now (?:starts?|runs?|meets?) (?:at|on|from)|changed? to)\b", re.I)),
]
_BOILERPLATE = re.compile(r"^(?:unsubscribe|view (?:this|in) (?:email|browser)|you are receiving|sent from my|registered charity|to stop receiving|follow us|copyright|©)", re.I)


@dataclass
class Candidate:
    """A possible listing (or a change to one) found in an email, with the text it came from."""

    name: str
    excerpt: str
    fields: dict = field(default_factory=dict)
    signals: list[str] = field(default_factory=list)
    postcode: str | None = None


def candidates(text: str, sent: date | None = None) -> list[Candidate]:
    """Every item in the text that looks like a listing or a change notice."""
    found = []
    for heading, body in split_items(text):
        candidate = extract(heading, body, sent)
        if candidate is not None:
            found.append(candidate)
    return found


def split_items(text: str) -> list[tuple[str, str]]:
    """(heading, body) for each item: a short title line, or a rule (---), starts a new item."""
    text = re.sub(r"\r\n?", "\n", text)
    items, heading, body = [], "", []

    def close():
        if any(part.strip() for part in body):
            items.append((heading, "\n\n".join(body).strip()))

    for paragraph in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in paragraph.strip().split("\n") if line.strip()]
        if not lines:
            continue
        if re.fullmatch(r"[-=*_~#]{3,}", lines[0]):
            close()
            heading, body = "", []
            lines = lines[1:]
            if not lines:
                continue
        if _is_heading(lines[0]):
            close()
            heading, body = _clean_heading(lines[0]), []
            lines = lines[1:]
        if lines:
            body.append("\n".join(lines))
    close()
    return items


def _is_heading(line: str) -> bool:
    clean = _clean_heading(line)
    if not clean or len(clean) > 70 or _BOILERPLATE.match(clean):
        return False
    if line.startswith("#") or line.startswith("**") or clean.isupper() and len(clean) > 3:
        return True
    return not re.search(r"[.!?,;]$", clean) and len(clean.split()) <= 9 and clean[0].isupper() and not _EMAIL.search(clean)


def _clean_heading(line: str) -> str:
    line = re.sub(r"^[#*\-•\s\d.)]+", "", line).strip()
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
    fields.update(_dates(text, sent))
    fields.update(_who(text))
    languages = [code for code, name in LANGUAGE_NAMES.items() if code != "en" and re.search(rf"\b{re.escape(name)}\b", text)]
    if languages:
        fields["languages"] = languages
    signals = [name for name, pattern in SIGNALS if pattern.search(text)]
    if not (set(fields) - {"is_free"}) and not signals:
        return None
    name = heading or _first_sentence(body)[:80]
    summary = _first_sentence(body)
    if summary and summary != name:
        fields["summary"] = summary[:300]
    fields["description"] = body[:2000]
    return Candidate(name=name[:200], excerpt=text[:1500], fields=fields, signals=signals, postcode=postcode)


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
            day = DAYS.get(match["day"].lower().rstrip("s").removesuffix("day") or "", None) or DAYS.get(match["day"][:3].lower())
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
    return rows


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
        before = re.split(r"\b(?:at|moved to|moving to|venue|where|location|meet(?:s|ing)? (?:at|outside))\s*:?\s+", before, flags=re.I)[-1]
        parts = [p.strip() for p in before.split(",") if p.strip()]
        venue = {"postcode": postcode}
        if parts:
            venue["name"] = parts[0][:200]
        if len(parts) > 2:
            venue["address_1"], venue["town"] = parts[1][:200], parts[-1][:100]
        elif len(parts) == 2:
            venue["address_1" if re.search(r"\d", parts[1]) else "town"] = parts[1][:200]
        return venue
    return {"postcode": postcode}


def _cost(text: str) -> dict:
    amounts = [float(a) for a in _MONEY.findall(text)]
    if amounts:
        match = re.search(r"£\s?\d+(?:\.\d{2})?[^.\n;]{0,120}", text)
        return {"is_free": False, "cost_min": f"{min(amounts):.2f}", "cost_max": f"{max(amounts):.2f}",
                "cost_description": match[0].strip()[:300] if match else None}
    if re.search(r"\b(?:free(?: of charge)?|no charge|costs nothing)\b", text, re.I) and not re.search(r"\bfree ?phone\b", text, re.I):
        return {"is_free": True}
    return {}


def _dates(text: str, sent: date | None) -> dict:
    found = []
    for match in _DATE.finditer(text):
        month = MONTHS.get(match["month"].lower()[:3])
        found.append((match.start(), _date(int(match["day"]), month, match["year"], sent)))
    for match in _NUMERIC_DATE.finditer(text):
        year = match["year"] if len(match["year"]) == 4 else f"20{match['year']}"
        found.append((match.start(), _date(int(match["day"]), int(match["month"]), year, sent)))
    found = [(at, d) for at, d in sorted(found) if d]
    result = {}
    for at, when in found:
        before = text[max(0, at - 40):at].lower()
        if re.search(r"\b(?:until|till|to|ends?|ending|last session|finishes?|runs? to)\b[^.]*$", before) and "end_date" not in result:
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
    sentence = re.search(r"[^.\n]*\b(?:open to|suitable for|aimed at|for anyone|for people|for (?:men|women|carers|parents|"
                         r"families|adults|children|dads|mums|older people|young people)|(?:all|everyone|beginners) "
                         r"(?:are |very )?welcome)\b[^.\n]*", text, re.I)
    if sentence:
        result["who_for"] = sentence[0].strip()[:300]
    return result
