"""Read the way people write days, times, ages, costs, referral routes and languages in spreadsheets.

Each reader returns the value in Signpost's terms, or raises ValueError with words for the user
(Dangerous for a value that must not be kept at all). The spreadsheet importer keeps a cell a
reader cannot read as a detail of the listing, with a warning, and imports the rest of the row.
"""

from __future__ import annotations

import calendar
import re
from datetime import time
from functools import lru_cache

from rapidfuzz import fuzz, process

from directory.timetable import runs_overnight

DAYS = {"mo": "MO", "tu": "TU", "we": "WE", "th": "TH", "fr": "FR", "sa": "SA", "su": "SU"}
ORDER = list(DAYS.values())
# Whole words only: "monthly" is not Monday, "sat" is Saturday but "satellite" is not.
_DAY = (
    r"\b(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|"
    r"sat(?:urday)?|sun(?:day)?)(?:'?s)?\b\.?"
)
_ORDINAL_WORDS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "last": -1}
_ORDINAL = r"(?:1st|first|2nd|second|3rd|third|4th|fourth|last)"
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}
_MONTH = r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
# A clock time as written: 10, 10am, 10.30, 10:30pm, noon, midnight (after _plain_times).
_CLOCK = r"(?:(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?|(noon|midnight))"
_RANGE = rf"{_CLOCK}\s*(?:-|until|till|til|to)\s*{_CLOCK}"
_SINGLE = r"\b\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)\b|\bnoon\b"
_NOT_A_DAY = re.compile(
    r"\b(by appointment|by arrangement|appointment only|appointments?|varies|various|variable|"
    r"flexible|tbc|tba|to be confirmed|see website|ask|on request|ad hoc|as needed|"
    r"when needed|ongoing|any ?time|24 ?/ ?7|24 hours)\b"
)
_FORTNIGHTLY = re.compile(
    r"\b(every (?:2nd|second) (?!and\b|&)|every other|alternate|fortnightly|fortnight|bi-?weekly|every two weeks|every 2 weeks)\b"
)
# Words that qualify days without changing them: kept as the session's description.
_QUALIFIERS = re.compile(
    r"\b(term[- ]time(?: only)?|school holidays(?: only)?|during term|excluding bank holidays|"
    r"except bank holidays|mornings?|afternoons?|evenings?|lunchtimes?|nights?)\b"
)
_FILLER = re.compile(r"\b(every|each|on|the|of|month|monthly|weekly|in|a|week|only|from|at)\b")

ROUTE_NAMES = ("self-referral", "drop-in", "GP", "professional", "link worker")
_ROUTES = (  # the first pattern found in a part of a cell decides its route
    (
        "link_worker",
        r"link ?workers?|social prescrib\w*|community connectors?|community links?|"
        r"wellbeing (?:co-?ordinator|worker|link)s?|care navigators?",
    ),
    ("gp", r"\bgps?\b|\bdoctors?\b|surgery|practice nurse"),
    ("self_referral", r"\bself\b|yourself|self-?refer\w*|no referral (?:needed|required|necessary)"),
    ("drop_in", r"drop[- ]?in|turn up|walk[- ]?in|just come|come along|pop in|no need to book|no booking"),
    (
        "professional",
        r"professional|agenc(?:y|ies)|health visitors?|social workers?|key ?workers?|support workers?|"
        r"nurses?|midwi(?:fe|ves)|\bcpns?\b|care co-?ordinators?|mental health team|schools?|teachers?|"
        r"probation|job ?centre|housing officers?|referral (?:only|needed|required|essential)|"
        r"by referral|referred|vouchers?|health (?:and|&) social care",
    ),
    (
        "self_referral",
        r"contact|\bcall\b|ring|phone|telephone|e-?mail|\bbook|register|sign[- ]?up|online|website|"
        r"\btext\b|whatsapp|enquir\w*|get in touch|\bapply|\bjoin|open access|open to all|just ask",
    ),
)
_PLAIN_ROUTE = re.compile(
    r"(self|self[- ]?referrals?|drop[- ]?ins?|gps?|gp referrals?|professional(?: referrals?)?|"
    r"link workers?|link worker referrals?|social prescribers?|social prescribing|"
    r"referral (?:only|needed|required))(?: only)?"
)
_METHODS = (
    ("phone", r"phone|\bcall|\bring|telephone|\btel\b|\btext\b|whatsapp"),
    ("email", r"e-?mail"),
    ("online_form", r"online|website|web ?form|\bform\b"),
    ("in_person", r"in person|face to face|reception"),
)

LANGUAGES = {
    "english": "en",
    "welsh": "cy",
    "gaelic": "gd",
    "scottish gaelic": "gd",
    "irish": "ga",
    "urdu": "ur",
    "punjabi": "pa",
    "panjabi": "pa",
    "bengali": "bn",
    "bangla": "bn",
    "sylheti": "syl",
    "hindi": "hi",
    "gujarati": "gu",
    "tamil": "ta",
    "polish": "pl",
    "romanian": "ro",
    "lithuanian": "lt",
    "latvian": "lv",
    "slovak": "sk",
    "czech": "cs",
    "hungarian": "hu",
    "bulgarian": "bg",
    "russian": "ru",
    "ukrainian": "uk",
    "arabic": "ar",
    "somali": "so",
    "tigrinya": "ti",
    "amharic": "am",
    "farsi": "fa",
    "persian": "fa",
    "dari": "prs",
    "pashto": "ps",
    "kurdish": "ku",
    "turkish": "tr",
    "portuguese": "pt",
    "spanish": "es",
    "french": "fr",
    "italian": "it",
    "german": "de",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "yue",
    "vietnamese": "vi",
    "tagalog": "tl",
    "swahili": "sw",
    "yoruba": "yo",
    "igbo": "ig",
    "shona": "sn",
    "british sign language": "bfi",
    "bsl": "bfi",
    "sign language": "bfi",
    "greek": "el",
    "albanian": "sq",
    "malayalam": "ml",
    "nepali": "ne",
    "hebrew": "he",
    "japanese": "ja",
    "korean": "ko",
    "thai": "th",
    "dutch": "nl",
    "estonian": "et",
    "croatian": "hr",
    "serbian": "sr",
    "slovenian": "sl",
    "oromo": "om",
}
_CODES = set(LANGUAGES.values())
_LANGUAGE_FILLER = re.compile(
    r"\b(speaking|speakers?|spoken|staff|volunteers?|only|available|on request|"
    r"interpret(?:ers?|ing|ation)?|via|some|also|can|be|provided|arranged|translation|"
    r"languages?|sessions?|classes|support|in|with|and|plus|mainly|mostly|fluent)\b"
)
GROUPS = (  # eligibility wording -> groups_served (directory/models/common.py)
    ("women", r"\b(women|woman|ladies|female|females|mums|mothers|girls)\b"),
    ("men", r"\b(men|man|male|males|gents|gentlemen|dads|fathers|boys)\b"),
    ("carers", r"\bcarers?\b|caring for"),
    ("young_people", r"young (?:people|person|adults?|carers)|\byouth\b|teenagers?|\bteens?\b"),
    (
        "older_people",
        r"older (?:people|adults|person)|over (?:50|55|60|65)'?s|seniors?|elderly|pensioners?|"
        r"retired|later life",
    ),
    ("lgbtq", r"lgbt\w*\+?|gay|lesbian|bisexual|trans\b|transgender|queer"),
    ("refugees_asylum_seekers", r"refugees?|asylum"),
    ("veterans", r"veterans?|armed forces|ex-?service|forces"),
    (
        "disabled_people",
        r"disab\w*|learning difficult\w*|sensory impair\w*|deaf|blind|visual(?:ly)? impair\w*|autis\w*",
    ),
    ("families", r"famil(?:y|ies)|parents?\b|under 5s and their"),
    ("people_in_recovery", r"recovery|addiction|substance"),
    ("minority_ethnic", r"\bbme\b|\bbame\b|ethnic minorit\w*|minority ethnic|black and minority|global majority"),
)
YES = {"yes", "y", "true", "1", "x", "✓"}
NO = {"no", "n", "false", "0"}


class Dangerous(ValueError):
    """A value that must not be kept, even as a detail (a script address, control characters)."""


def split_list(text: str) -> list[str]:
    """Items separated by commas, semicolons, slashes, "&", "and" or line breaks."""
    return [part.strip() for part in re.split(r"[,;/|\n&+]|\band\b", text, flags=re.IGNORECASE) if part.strip()]


def _dashes(text: str) -> str:
    return re.sub(r"[‐‑‒–—―−]", "-", text)


# --- Days and times ------------------------------------------------------------------------------


def read_days(text: str) -> list[dict]:
    """Sessions from a days cell: "Mon, Wed", "Mon-Fri 9-5", "2nd and 4th Thursday", "Tuesdays (term time)".

    A session holds weekday (and frequency, week_of_month for monthly ones); times and a
    description when the cell gives them.
    """
    lower = _dashes(text.strip().casefold()).replace("’", "'")
    if _FORTNIGHTLY.search(lower):
        raise ValueError(
            f"'{text}': sessions every other week cannot be stored yet (only weekly and monthly); kept as written."
        )
    if _NOT_A_DAY.search(lower) and not re.search(_DAY, lower):
        raise ValueError(f"'{text}' names no day of the week: kept as written.")
    notes = [n.strip() for n in re.findall(r"\(([^)]*)\)", lower)]
    lower = re.sub(r"\([^)]*\)", " ", lower)
    qualifiers = [m.group(0) for m in _QUALIFIERS.finditer(lower)]
    lower = _QUALIFIERS.sub(" ", lower)
    chunks = []
    for chunk in re.split(r"[;,\n]", lower):
        times = _times_in(chunk)
        chunk = re.sub(_RANGE + "|" + _SINGLE, " ", _plain_times(_dashes(chunk))) if times else chunk
        if chunk.strip(" ,.-&"):
            chunks.append([_days_in(chunk, text), times])
        elif times and chunks:
            chunks[-1][1] = times
    if not chunks or not any(days for days, _ in chunks):
        raise ValueError(
            f"Could not read the day '{text.strip()}': write days like Mon, Tuesday, Mon-Fri or 1st Tuesday."
        )
    for position, chunk in enumerate(chunks):  # "Mon, Wed 10-12": both days at 10-12
        if chunk[1] is None:
            chunk[1] = next((t for _, t in chunks[position:] if t), None) or next(
                (t for _, t in reversed(chunks[:position]) if t), None
            )
    description = "; ".join(dict.fromkeys(n for n in [*qualifiers, *notes] if n))
    sessions = []
    for days, times in chunks:
        for day in days:
            session = dict(day)
            if times:
                session["opens_at"], session["closes_at"] = times
            if description:
                session["description"] = description[:1].upper() + description[1:]
            sessions.append(session)
    return sessions


def _days_in(chunk: str, text: str) -> list[dict]:
    days = []
    for match in re.finditer(rf"((?:{_ORDINAL}\s*(?:,|&|and|\+)?\s*)+){_DAY}", chunk):
        for ordinal in re.findall(_ORDINAL, match[1]):
            days.append({"frequency": "monthly", "week_of_month": _ORDINAL_WORDS[ordinal], "weekday": _day(match[2])})
    chunk = re.sub(rf"((?:{_ORDINAL}\s*(?:,|&|and|\+)?\s*)+){_DAY}", " ", chunk)
    chunk = re.sub(r"\s+(?:to|thru|through|until|till)\s+", "-", chunk)
    if re.search(r"\b(daily|every ?day|7 days(?: a week)?|all week|seven days)\b", chunk):
        return days + [{"weekday": day} for day in ORDER]
    chunk = re.sub(r"\b(weekdays|week days|working days)\b", "mon-fri", chunk)
    chunk = re.sub(r"\b(weekends?)\b", "sat-sun", chunk)
    for part in split_list(chunk):
        part = _FILLER.sub(" ", part).strip(" .-")
        if not part:
            continue
        span = re.fullmatch(rf"{_DAY}\s*-\s*{_DAY}", part)
        if span:
            first, last = ORDER.index(_day(span[1])), ORDER.index(_day(span[2]))
            days += [{"weekday": ORDER[i % 7]} for i in range(first, last + (7 if last < first else 0) + 1)]
        elif re.fullmatch(_DAY, part):
            days.append({"weekday": _day(part)})
        else:
            raise ValueError(
                f"Could not read the day '{part}' in '{text.strip()}': write days like Mon, Tuesday, "
                "Mon-Fri or 1st Tuesday."
            )
    return days


def _day(word: str) -> str:
    return DAYS[word[:2].lower()]


def _plain_times(text: str) -> str:
    text = text.casefold().replace("a.m.", "am").replace("p.m.", "pm").replace("a.m", "am").replace("p.m", "pm")
    text = re.sub(r"\b12\s*(?:noon|midday)\b|\bmidday\b|\bnoon\b", "noon", text)
    text = re.sub(r"\b12\s*midnight\b", "midnight", text)
    return re.sub(r"\b(\d{1,2})(\d{2})\s*(?:hrs|hours|h)?\b(?![.:])", r"\1:\2", text)  # 1030 -> 10:30


def _times_in(text: str) -> tuple[str | None, str | None] | None:
    """The one time range in a piece of free text, or None when it has none."""
    plain = _plain_times(_dashes(text))
    ranges = list(re.finditer(_RANGE, plain))
    if len(ranges) > 1:
        raise ValueError(f"'{text.strip()}' gives several times for one day: give one session a row.")
    if ranges:
        return read_times(ranges[0].group(0))
    single = re.search(_SINGLE, plain)
    return read_times(single.group(0)) if single else None


def read_times(text: str) -> tuple[str | None, str | None]:
    """Opening and closing times ("10:00-12:00", "10am - 12pm", "9-5", "12 noon", "6pm-2am") as HH:MM.

    A session that opens in the afternoon or evening and closes in the morning runs overnight.
    """
    plain = _plain_times(_dashes(text.strip()))
    plain = re.sub(r"^(?:from|starts?(?: at)?|start)\s+|\s+(?:onwards|start|prompt|approx\.?)$", "", plain).strip()
    match = re.fullmatch(rf"{_CLOCK}(?:\s*(?:-|until|till|til|to)\s*{_CLOCK})?", plain)
    if not match:
        raise ValueError(f"Could not read the times '{text.strip()}': write them like 10:00-12:00 or 10am-12pm.")
    groups = match.groups()
    first, second = _token(groups[:4], text), _token(groups[4:], text) if any(groups[4:]) else None
    if second is None:
        hour, minute, half = first
        return _clock(
            hour + (12 if half == "pm" and hour < 12 else 0) - (12 if half == "am" and hour == 12 else 0), minute, text
        ), None
    opens, closes = _pair(first, second)
    opens, closes = _clock(*opens, text), _clock(*closes, text)
    if closes <= opens and not runs_overnight(time.fromisoformat(opens), time.fromisoformat(closes)):
        raise ValueError(
            f"'{text.strip()}' closes before it opens: write times like 10:00-12:00 (a session "
            "opening in the evening may close by 8am, like 6pm-2am)."
        )
    return opens, closes


def _token(groups, text: str) -> tuple[int, int, str | None]:
    hours, minutes, half, word = groups
    if word == "noon":
        return 12, 0, "noon"
    if word == "midnight":
        return 0, 0, "midnight"
    hour, minute = int(hours), int(minutes or 0)
    if hour > 24 or minute > 59 or (half and not 1 <= hour <= 12):
        raise ValueError(f"'{text.strip()}' is not a time of day: write times like 10:00-12:00 or 10am-12pm.")
    return (0 if hour == 24 else hour), minute, half


def _hour(hour: int, half: str | None) -> int:
    if half == "pm" and hour < 12:
        return hour + 12
    if half == "am" and hour == 12:
        return 0
    return hour


def _pair(first, second) -> tuple[tuple[int, int], tuple[int, int]]:
    (oh, om, ohalf), (ch, cm, chalf) = first, second
    fixed = ("am", "pm", "noon", "midnight")
    if ohalf in fixed:
        opens = _hour(oh, ohalf)
    elif chalf == "pm" and oh < 12 and oh + 12 < _hour(ch, "pm"):
        opens = oh + 12  # "1-3pm": both in the afternoon
    elif chalf is None and 1 <= oh <= 6:
        opens = oh + 12  # "1-3": community sessions at 1 in the morning are rare; "9-5" keeps its 9
    else:
        opens = oh
    if chalf in fixed:
        closes = _hour(ch, chalf)
    elif ch < 12 and (ch + 12) > opens and (ch * 60 + cm) <= opens * 60 + om:
        closes = ch + 12  # "9-5", "6pm-9", "10am-2"
    else:
        closes = ch
    return (opens, om), (closes, cm)


def _clock(hour: int, minute: int, text: str) -> str:
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text.strip()}' is not a time of day: write times like 10:00-12:00 or 10am-12pm.")
    return f"{hour:02d}:{minute:02d}"


# --- Costs and ages ------------------------------------------------------------------------------

_MONEY = re.compile(
    r"£\s*(\d+(?:\.\d{1,2})?)(?:\s*(?:-|to)\s*£?\s*(\d+(?:\.\d{1,2})?)(?![\dp]))?"
    r"|\b(\d+(?:\.\d{1,2})?)\s*(?:p|pence)\b|\b(\d+(?:\.\d{1,2})?)\s*(?:pounds?|gbp)\b"
)
_FREE = re.compile(r"\b(free|no charge|no cost|nil|none|nothing|foc|f\.o\.c\.?|complimentary|at no cost|no fee)\b")
_DONATION = re.compile(
    r"donations?|pay what you (?:can|feel)|pay as you feel|pay what you want|voluntary contribution|"
    r"by donation|contribution welcome"
)
_QUALIFIED_FREE = re.compile(r"\bfree (?:for|to) (?!all\b|everyone|anyone|attend|join|use|access|come)")


def read_cost(text: str) -> dict:
    """Cost: "Free", "£2", "50p", "£2-£5", "£3 (concessions £1.50)", "donations welcome", "free for carers".

    Nothing is guessed: a cost written in words ("varies") is kept as its description, not free.
    """
    words = " ".join(text.split())
    lower = _dashes(words.casefold()).replace(",", "")
    if lower in ("", "0", "£0", "£0.00", "free", "0.00"):
        return {"is_free": True, "cost_description": None}
    amounts = []
    for pounds, upper, pence, named in _MONEY.findall(lower):
        amounts += [float(a) for a in (pounds, upper, named) if a] + ([float(pence) / 100] if pence else [])
    if not amounts and re.fullmatch(r"\d+(?:\.\d{1,2})?", lower):
        amounts = [float(lower)]
    if len(words) > 300:
        raise ValueError(f"The cost '{words[:60]}…' is longer than 300 characters: shorten it.")
    paid = [a for a in amounts if a > 0]
    donation = bool(_DONATION.search(lower))
    free = bool(_FREE.search(lower)) and not _QUALIFIED_FREE.search(lower)
    if not paid or (
        donation
        and not re.search(
            r"\b(per|a|each)\s+(session|week|class|month|term|visit)\b|"
            r"\b(fee|charge|cost)\b",
            lower,
        )
    ):
        return {"is_free": free or donation or (bool(amounts) and not paid), "cost_description": words}
    low = 0.0 if free or _QUALIFIED_FREE.search(lower) else min(paid)
    high = max(paid)
    return {
        "is_free": False,
        "cost_description": words,
        "cost_min": f"{low:.2f}",
        "cost_max": f"{high:.2f}" if high != low else None,
    }


def read_ages(text: str) -> dict:
    """An age range: "18+", "16-25", "over 50s", "under 18", "aged 60 and over", "adults", "all ages"."""
    lower = _dashes(re.sub(r"\([^)]*\)", " ", text.strip().casefold())).replace("’", "'")
    if re.search(r"\b(?:school )?(?:year|yr|p|s)\s*\d", lower):
        raise ValueError(f"Could not read the ages '{text.strip()}': school years are not ages; write ages like 11-16.")
    lower = re.sub(r"\baged?\b", " ", lower)
    lower = re.sub(r"\b(years?|yrs?|y/?o|year olds?|yr olds?|olds?|aged?|ages|only|plus)\b(?!\s*\d)", " ", lower)
    lower = " ".join(lower.replace("plus", "+").split())
    if lower in (
        "",
        "all",
        "all ages",
        "any",
        "any age",
        "everyone",
        "no age limit",
        "no limit",
        "open to all",
        "families",
        "all welcome",
        "anyone",
        "n/a",
    ):
        return {}
    if re.fullmatch(r"adults?|adults? \+?|over 18s?|grown-?ups", lower):
        return {"min_age": 18}
    number = r"(\d{1,3})'?s?"
    span = re.search(rf"{number}\s*(?:-|to|and)\s*{number}", lower)
    if span:
        return {"min_age": int(span[1]), "max_age": int(span[2])}
    over = re.search(
        rf"(?:over|above|from|\bmin(?:imum)?)\s*{number}|{number}\s*(?:\+|and over|and above|or over|or older|"
        rf"and older|upwards)",
        lower,
    )
    if over:
        return {"min_age": int(over[1] or over[2])}
    under = re.search(
        rf"(under|below|up to|upto|younger than)\s*{number}|{number}\s*(and under|or under|or younger)", lower
    )
    if under:
        strict = (under[1] or "") in ("under", "below", "younger than")
        return {"max_age": int(under[2] or under[3]) - strict}
    single = re.fullmatch(number, lower)
    if single:
        return {"min_age": int(single[1])}
    raise ValueError(f"Could not read the ages '{text.strip()}': write them like 18+, 16-25 or under 12.")


def read_groups(text: str) -> dict:
    """Who a service is for, from eligibility wording: groups_served, ages, and "only" (not open to all).

    The wording itself is kept as the eligibility criteria; this adds what Signpost can search on.
    """
    lower = _dashes(text.casefold())
    found = {}
    groups = [group for group, pattern in GROUPS if re.search(pattern, lower)]
    if groups:
        found["groups_served"] = groups
    ages = {}
    for piece in re.findall(r"\d{1,3}'?s?\s*(?:-|to)\s*\d{1,3}|\d{1,3}\s*\+|(?:over|under|aged)\s*\d{1,3}'?s?", lower):
        try:
            ages = read_ages(piece)
            break
        except ValueError:
            continue
    found.update(ages)
    if re.search(r"\b(only|must|exclusively)\b", lower) and (groups or ages):
        found["open_to_all"] = False
    elif re.search(r"\b(open to all|open to anyone|everyone welcome|all welcome|anyone)\b", lower):
        found["open_to_all"] = True
    return found


# --- Referral routes, languages, yes/no ----------------------------------------------------------


def read_referral(text: str) -> dict:
    """Referral routes and any season in a referral cell: "Drop in (April-September only)", "GP or self".

    Returns {"referral_routes": [...], "seasons": [...]}; wording beyond the route's name is kept as
    the route's instructions ("Voucher from GP", "Book by phone").
    """
    lower = _dashes(text.strip().casefold())
    seasons = []
    for match in re.finditer(rf"{_MONTH}\s*(?:-|to|until|till)\s*{_MONTH}", lower):
        start, end = _MONTHS[match[1].rstrip(".")], _MONTHS[match[2].rstrip(".")]
        seasons.append(
            {"start_month": start, "start_day": 1, "end_month": end, "end_day": calendar.monthrange(2024, end)[1]}
        )
    spoken = re.sub(
        rf"\(?\s*(?:from\s+)?{_MONTH}\s*(?:-|to|until|till)\s*{_MONTH}(?:\s+only)?\s*\)?",
        " ",
        _dashes(text.strip()),
        flags=re.IGNORECASE,
    )
    routes: dict[str, dict] = {}
    unread = []
    for part in re.split(r"[,;/\n]|\bor\b|\band\b|&|\+", spoken, flags=re.IGNORECASE):
        part = " ".join(part.split()).strip(" .()-")
        if not part:
            continue
        key = part.casefold()
        route_type = next((name for name, pattern in _ROUTES if re.search(pattern, key)), None)
        if route_type is None:
            unread.append(part)
            continue
        route = routes.setdefault(route_type, {"route_type": route_type})
        method = next((name for name, pattern in _METHODS if re.search(pattern, key)), None)
        if method and "method" not in route:
            route["method"] = method
        if not _PLAIN_ROUTE.fullmatch(key):
            route["instructions"] = "; ".join(filter(None, (route.get("instructions"), part)))
    if not routes:
        raise ValueError(
            f"Could not read the referral route '{text.strip()}': use self-referral, drop-in, GP, "
            "professional or link worker."
        )
    if unread:  # words beside a route ("Self-referral, members only") belong with it
        last = list(routes.values())[-1]
        last["instructions"] = "; ".join(filter(None, (last.get("instructions"), *unread)))
    return {"referral_routes": list(routes.values()), "seasons": seasons}


def read_routes(text: str) -> list[dict]:
    """Referral routes: "Self-referral, GP", "drop in", "Link worker referral only"."""
    return read_referral(text)["referral_routes"]


def read_languages(text: str) -> list[str]:
    """Language names or codes ("English, Urdu", "en; ur", "Polish speaking staff") as codes."""
    codes, skipped = [], []
    for part in split_list(_dashes(text.casefold()).replace("(", ",").replace(")", ",")):
        code = LANGUAGES.get(part) or (part if part in _CODES else None)
        if code is None:
            bare = " ".join(_LANGUAGE_FILLER.sub(" ", part).split())
            code = LANGUAGES.get(bare) or (bare if bare in _CODES else None) or _close_language(bare)
            if code is None and bare:
                raise ValueError(
                    f"Could not read the language '{part}': give its name in English or a code like en or ur."
                )
            if code is None:
                skipped.append(part)
                continue
        codes.append(code)
    if not codes:
        raise ValueError(f"'{text.strip()}' names no language: give names in English or codes like en or ur.")
    return list(dict.fromkeys(codes))


def _close_language(word: str) -> str | None:
    if len(word) < 4:
        return None
    found = process.extractOne(word, LANGUAGES.keys(), scorer=fuzz.ratio, score_cutoff=85)
    return LANGUAGES[found[0]] if found else None


# --- Areas covered, how people take part, seasons ---------------------------------------------------

_AREA_KINDS = {"local_authority": "local_authority", "health_board": "health_board", "country": "national"}
_WHOLE_COUNTRY = re.compile(
    r"(?:the )?(?:whole )?(?:uk|united kingdom|gb|great britain|britain|national(?:ly)?|"
    r"nationwide|uk[- ]wide|country[- ]?wide)"
)
# Words around an area's name: "Covers Dundee City", "Dundee City Council", "NHS Tayside", "all of Fife".
_AREA_FILLER = re.compile(
    r"^(?:covers?|covering|serves?|serving|available (?:in|across|to)|across|within|in|"
    r"throughout|the whole of|whole of|all of|anywhere in|residents of|people living in|"
    r"living in|city of|county of)\s+|\s+(?:city council|borough council|district council|"
    r"county council|metropolitan borough council|council|area|residents|only|wide|-wide|"
    r"health board|icb|integrated care board|local authority|la)$"
)


def read_areas(text: str) -> list[dict]:
    """The areas a service covers: council, health board or nation, by name or ONS code ("Covers Dundee City",
    "Calderdale; Kirklees", "NHS Tayside", "S12000042", "UK-wide"). Each as {area_type, code, name}."""
    areas, unread = [], []
    for part in _area_parts(text):
        found = _area(part)
        if found:
            areas.append(found)
        else:
            unread.append(part)
    if unread:
        raise ValueError(
            f"Could not read the area '{unread[0]}': give a council, health board or nation by its name "
            "(Dundee City, NHS Tayside, Scotland) or its ONS code (S12000042)."
        )
    if not areas:
        raise ValueError(f"'{text.strip()}' names no area: give a council, health board or nation.")
    return list({area["code"]: area for area in areas}.values())


def _area_parts(text: str) -> list[str]:
    """The names in a cell; "and" splits only where the whole is not one name ("Brighton and Hove")."""
    parts = []
    for part in re.split(r"[,;/\n|]|\s+\+\s+", re.sub(r"\s*&\s*", " and ", text)):
        part = part.strip(" .()")
        if not part:
            continue
        pieces = re.split(r"\s+and\s+", part, flags=re.IGNORECASE)
        parts.extend([part] if _area(part) or len(pieces) == 1 else pieces)
    return parts


def _area(text: str) -> dict | None:
    key = _area_key(text)
    if _WHOLE_COUNTRY.fullmatch(key):
        return {"area_type": "national", "code": "GB", "name": "Great Britain"}
    names = _area_names()
    code = text.strip().upper() if text.strip().upper() in names["by_code"] else None
    if code is None:
        stripped = key
        for _ in range(3):  # "Covers the whole of Dundee City Council area"
            stripped = _AREA_FILLER.sub("", stripped).strip()
        code = names["by_name"].get(stripped) or names["by_name"].get(re.sub(r"^nhs\s+", "", stripped))
        if code is None and len(stripped) >= 5:
            found = process.extract(stripped, names["by_name"].keys(), scorer=fuzz.ratio, score_cutoff=90, limit=2)
            if found and (len(found) == 1 or found[0][1] > found[1][1]):
                code = names["by_name"][found[0][0]]
    if code is None:
        return None
    name, kind = names["by_code"][code]
    return {"area_type": _AREA_KINDS[kind], "code": code, "name": name}


def _area_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w&+-]+", " ", text.casefold().replace("’", "'").replace("'", "")).split())


@lru_cache(maxsize=1)
def _area_names() -> dict:
    """Area names and codes from data/postcodes/area_names.csv (councils, health boards, nations)."""
    import csv

    from directory.geography import POSTCODE_DIR

    by_code, by_name = {}, {}
    with (POSTCODE_DIR / "area_names.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] not in _AREA_KINDS:
                continue
            by_code[row["code"]] = (row["name"], row["kind"])
            full = _area_key(row["name"])
            short = re.sub(r"^(?:the )?(?:city|county) of |^county | city$", "", full)  # "City of Edinburgh": Edinburgh
            for key in dict.fromkeys((full, short)):
                # A council and a health board may share a name (Fife): the council, unless "NHS" or "health board" says.
                if key not in by_name or row["kind"] == "local_authority":
                    by_name[key] = row["code"]
                if row["kind"] == "health_board":
                    by_name[f"{key} health board"] = by_name[f"nhs {key}"] = row["code"]
    return {"by_code": by_code, "by_name": by_name}


_ATTENDANCE = (  # how people take part, as cells say it
    (
        "phone",
        r"\b(?:tele)?phone\b|\bhelp ?line\b|(?<!video )\bcall\b|\bby phone\b|\btext(?: message)?s?\b|\bsms\b|\bwhatsapp\b",
    ),
    (
        "online",
        r"\bonline\b|\bvideo\b|\bzoom\b|\bteams\b|\bvirtual\b|\bweb ?chat\b|\blive chat\b|\binternet\b|"
        r"\bremote(?:ly)?\b|\bapp\b|\bwebsite\b|\be-?mail\b",
    ),
    (
        "home_visit",
        r"\bhome visits?\b|\bvisits? (?:you )?at home\b|\bin (?:your|the person's|their) (?:own )?home\b|"
        r"\bat home\b|\bhome-?based\b|\boutreach\b|\bhousebound\b",
    ),
    (
        "in_person",
        r"\bin[- ]person\b|\bface[- ]to[- ]face\b|\bvenue\b|\bdrop[- ]?in\b|\bgroup\b|\bsessions?\b|"
        r"\bcentre\b|\bclinic\b|\boffice\b",
    ),
)


def read_attendance(text: str) -> list[str]:
    """How people take part: "Phone only", "Online (Zoom)", "In person or by phone", "Home visits"."""
    lower = _dashes(text.casefold())
    found = [mode for mode, pattern in _ATTENDANCE if re.search(pattern, lower)]
    if not found:
        raise ValueError(
            f"Could not read how people take part from '{text.strip()}': write in person, phone, online or home visits."
        )
    order = ("in_person", "phone", "online", "home_visit")
    return sorted(found, key=order.index)


_SEASON_NAMES = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
_TERM_TIME = re.compile(r"\bterm[- ]?time\b|\bduring term\b|\bschool terms?\b")
_ALL_YEAR = re.compile(
    r"^(?:all|whole|every|throughout the)[- ]?year(?:[- ]round)?$|^year[- ]round$|^all year round$|"
    r"^ongoing$|^n/?a$|^always$|^open all year$|^12 months$"
)


def read_seasons(text: str) -> list[dict]:
    """Yearly windows a service runs in: "April-September", "Summer only", "Sept to July (term time)",
    "Winter (Dec-Feb)", "August". All year gives none; the cell's words are kept as each season's description."""
    lower = _dashes(text.strip().casefold())
    if _ALL_YEAR.match(lower.strip(" .")):
        return []
    said = text.strip()[:200]
    seasons = []
    for match in re.finditer(rf"{_MONTH}\s*(?:-|to|until|till|through)\s*{_MONTH}", lower):
        seasons.append(_season(_MONTHS[match[1].rstrip(".")], _MONTHS[match[2].rstrip(".")], said))
    if not seasons:
        for word, (start, end) in _SEASON_NAMES.items():
            if re.search(rf"\b{word}s?\b", lower):
                seasons.append(_season(start, end, said))
    if not seasons and _TERM_TIME.search(lower):
        seasons.append(_season(9, 7, said))  # the school year, September to July
    if not seasons:
        months = [_MONTHS[m.rstrip(".")] for m in re.findall(_MONTH, lower)]
        seasons = [_season(month, month, said) for month in dict.fromkeys(months)]
    if not seasons:
        raise ValueError(
            f"Could not read the season '{text.strip()}': write months like April-September, or a season like summer."
        )
    return seasons


def _season(start: int, end: int, description: str) -> dict:
    return {
        "start_month": start,
        "start_day": 1,
        "end_month": end,
        "end_day": calendar.monthrange(2024, end)[1],
        "description": description,
    }


def read_yes_no(text: str) -> bool | None:
    """Yes/no in the usual spellings; blank is unknown."""
    lower = text.strip().lower()
    if not lower:
        return None
    if lower in YES or lower.startswith("yes"):
        return True
    if lower in NO or lower.startswith("no"):
        return False
    raise ValueError(f"'{text}' is not yes or no.")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*):(?!\d)", re.IGNORECASE)


def check_safe(text: str) -> None:
    """Raise Dangerous for text holding control characters (never kept, even as a detail)."""
    if _CONTROL.search(text):
        raise Dangerous("It holds control characters, so it was left out.")


def read_web_address(text: str) -> str:
    """A web address as written; anything but http(s) (javascript:, data:, file:) is Dangerous."""
    scheme = _SCHEME.match(text)
    if scheme and scheme[1].casefold() not in ("http", "https"):
        raise Dangerous(f"'{scheme[1]}:' addresses are not web pages, so it was left out.")
    return text.strip()


# --- Categories ----------------------------------------------------------------------------------


class CategoryReader:
    """Reads category wording as taxonomy codes: by code, name, synonym or a close spelling."""

    def __init__(self, terms: list[tuple[str, str]], synonyms: list[list[str]] = ()):
        self.names = {_category_key(name): code for code, name in terms}
        self.labels = {code: name for code, name in terms}
        self.exact = dict(self.names) | {code.casefold(): code for code, _ in terms}
        self.synonyms = {}
        for group in synonyms:
            named = [self.names[_category_key(word)] for word in group if _category_key(word) in self.names]
            if named:  # the group's first category name stands for the words that are no category's name
                self.synonyms.update({_category_key(word): named[0] for word in group})

    def read(self, text: str) -> tuple[str, bool]:
        """(code, exact): exact is False when read by synonym or spelling (the report says so)."""
        key = _category_key(text)
        if text.strip().casefold() in self.exact:
            return self.exact[text.strip().casefold()], True
        if key in self.exact:
            return self.exact[key], True
        if key in self.synonyms:
            return self.synonyms[key], False
        found = _best(key, self.names, fuzz.token_set_ratio, 100) if len(key) >= 4 else None
        if found is None:
            found = _best(key, self.names, fuzz.token_sort_ratio, 85)
        if found is None:
            raise ValueError(
                f"Unknown category '{text.strip()}': use a category name or code from Signpost's list "
                "(data/taxonomy.json)."
            )
        return found, False

    @classmethod
    def from_files(cls, terms: list[tuple[str, str]]) -> CategoryReader:
        """A reader with the search synonyms (data/synonyms.txt)."""
        return cls(terms, _synonym_groups())


def _category_key(text: str) -> str:
    text = text.casefold().replace("&", " and ").replace("’", "").replace("'", "")
    return " ".join(re.sub(r"[^\w+]+", " ", text).split())


def _best(key: str, names: dict[str, str], scorer, cutoff: int) -> str | None:
    found = process.extract(key, names.keys(), scorer=scorer, score_cutoff=cutoff, limit=2)
    if not found or (len(found) == 2 and found[0][1] == found[1][1] and names[found[0][0]] != names[found[1][0]]):
        return None  # nothing close, or two equally close: a person decides
    return names[found[0][0]]


@lru_cache(maxsize=1)
def _synonym_groups() -> tuple:
    from search.keywords import SYNONYMS_FILE

    groups = []
    for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            groups.append([word.strip() for word in line.split(",") if word.strip()])
    return tuple(groups)
