"""Liberal readers for the values real Open Referral exports hold: times, days, phones, languages."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal, InvalidOperation

from directory.presenters import LANGUAGE_NAMES

_TIME = re.compile(
    r"^\s*(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?(?::(?P<s>\d{2}))?(?:\.\d+)?\s*(?P<ampm>[ap])?\.?\s*m?\.?\s*(?:Z|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE,
)
_BYDAY = re.compile(r"^(?P<n>[+-]?\d)?(?P<day>MO|TU|WE|TH|FR|SA|SU)$")
_DAY_WORDS = {
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
_LANGUAGE_CODES = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
_LANGUAGE_CODES.update(
    {
        "eng": "en",
        "spa": "es",
        "urd": "ur",
        "pol": "pl",
        "ara": "ar",
        "ben": "bn",
        "som": "so",
        "pan": "pa",
        "ron": "ro",
        "rum": "ro",
        "cym": "cy",
        "wel": "cy",
        "gla": "gd",
        "fas": "fa",
        "per": "fa",
        "kur": "ku",
        "tir": "ti",
        "ukr": "uk",
        "rus": "ru",
        "zho": "zh",
        "chi": "zh",
        "por": "pt",
        "tur": "tr",
        "guj": "gu",
        "hin": "hi",
        "pus": "ps",
        "sqi": "sq",
        "alb": "sq",
        "fra": "fr",
        "fre": "fr",
        "mandarin": "zh",
        "cantonese": "zh",
        "persian": "fa",
        "scottish gaelic": "gd",
        "sign language": "bsl",
        "bsl": "bsl",
    }
)
_MONEY = re.compile(r"£\s?(\d+(?:\.\d{1,2})?)|(\d+(?:\.\d{1,2})?)\s?(?:pounds|gbp)\b|(\d+)\s?p\b", re.IGNORECASE)


def parse_time(text) -> time | None:
    """'9:00am', '09:00', '9am', '9.30 pm', '17:30:00', '12 noon' -> a time; None if blank.

    Raises ValueError naming the text when it cannot be a time.
    """
    if text is None:
        return None
    value = str(text).strip().lower()
    if not value:
        return None
    if value in ("noon", "12 noon", "midday", "12 midday"):
        return time(12, 0)
    if re.fullmatch(r"\d{4}", value):  # 24-hour clock without a separator: 0930, 1730
        value = f"{value[:2]}:{value[2:]}"
    match = _TIME.match(value)
    if not match:
        raise ValueError(f"'{text}' is not a time like 09:30 or 9:30am")
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError(f"'{text}' is not a time: {hour} is not an hour on a 12-hour clock")
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
    if hour == 24 and minute == 0:
        return time(23, 59)
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text}' is not a time of day")
    return time(hour, minute)


def parse_byday(text) -> list[tuple[str, int | None]]:
    """'MO,TH' or '1MO' or 'Monday, Wednesday' -> [(weekday, nth or None)]; ValueError on an unknown day."""
    days = []
    for part in re.split(r"[,;/\s]+", str(text or "").strip()):
        if not part:
            continue
        word = part.strip().lower().rstrip(".")
        if word in _DAY_WORDS or word[:3] in _DAY_WORDS and word.endswith("day"):
            days.append((_DAY_WORDS.get(word) or _DAY_WORDS[word[:3]], None))
            continue
        match = _BYDAY.match(part.strip().upper())
        if not match:
            raise ValueError(f"'{part}' is not a day (use MO, TU, WE, TH, FR, SA, SU, or 1MO for the first Monday)")
        days.append((match["day"], int(match["n"]) if match["n"] else None))
    return days


def parse_phone(text) -> str | None:
    """A phone number as written, without the stray quotes some exports wrap it in."""
    value = str(text or "").strip().strip("'\"").strip()
    return value or None


def language_code(value: dict | str) -> str | None:
    """An HSDS language (code or name) as a short code like 'ur'; None when unknown."""
    if isinstance(value, dict):
        candidates = [value.get("code"), value.get("name")]
    else:
        candidates = [value]
    for candidate in candidates:
        text = str(candidate or "").strip().lower()
        if not text:
            continue
        if text in LANGUAGE_NAMES:
            return text
        text = text.split("-")[0].split("_")[0] if len(text) <= 6 else text
        if text in LANGUAGE_NAMES:
            return text
        if text in _LANGUAGE_CODES:
            return _LANGUAGE_CODES[text]
        if re.fullmatch(r"[a-z]{2}", text):
            return text
    return None


def amounts_in(text: str) -> list[Decimal]:
    """Amounts of money in pounds mentioned in free text ('£2', '£3.50', '50p')."""
    found = []
    for pounds, word, pence in _MONEY.findall(text or ""):
        try:
            found.append(Decimal(pounds or word) if (pounds or word) else Decimal(pence) / 100)
        except InvalidOperation:
            continue
    return found


def amount(value) -> Decimal | None:
    """A cost amount ('35', '£3.50', 3.5) as Decimal; ValueError when it is not a number."""
    if value in (None, ""):
        return None
    text = str(value).strip().lstrip("£").replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"'{value}' is not an amount of money") from None
    if number < 0:
        raise ValueError(f"'{value}' is below zero")
    return number.quantize(Decimal("0.01"))


_ESCAPED = re.compile(r"\\r\\n|\\[nrt]")  # a line break written as the two characters \ and n
_MARKER = re.compile(r"[ \t]*#{2,}[ \t]*([A-Za-z][A-Za-z ]{0,20}?)[ \t]*#{2,}[ \t]*")  # ###MON###
_MARKER_WORDS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def readable(text) -> str:
    """Text as a person should read it: escapes written out ("\\n") as what they stand for, and
    section markers such as "###MON###" as a line "Monday: ...". (HTML is kept: pages sanitise it.)"""
    text = _ESCAPED.sub(lambda m: " " if m.group(0) == "\\t" else "\n", str(text or ""))
    text = _MARKER.sub(lambda m: f"\n{_marker_word(m.group(1).strip())}: ", text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _marker_word(word: str) -> str:
    days = [day for day in _MARKER_WORDS.values() if len(word) >= 3 and day.lower().startswith(word.lower())]
    return days[0] if days else word.capitalize()


def truncate(text, limit: int) -> tuple[str, bool]:
    """Text cut to limit characters at a word boundary; and whether it was cut."""
    text = str(text or "").strip()
    if len(text) <= limit:
        return text, False
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…", True
