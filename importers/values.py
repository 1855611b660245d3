"""Read the way people write days, times, ages, costs, referral routes and languages in spreadsheets.

Each reader returns the value in Signpost's terms, or raises ValueError with words for the user.
"""

from __future__ import annotations

import re

DAYS = {"mo": "MO", "tu": "TU", "we": "WE", "th": "TH", "fr": "FR", "sa": "SA", "su": "SU"}
ORDER = list(DAYS.values())
_DAY = r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*"
_ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "last": -1}
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|noon)?"
ROUTES = {
    "self": "self_referral", "selfreferral": "self_referral", "self-referral": "self_referral",
    "drop in": "drop_in", "drop-in": "drop_in", "dropin": "drop_in", "just turn up": "drop_in", "walk in": "drop_in",
    "gp": "gp", "gp referral": "gp", "doctor": "gp",
    "professional": "professional", "professional referral": "professional", "referral needed": "professional",
    "referral only": "professional", "agency referral": "professional",
    "link worker": "link_worker", "social prescriber": "link_worker", "social prescribing": "link_worker",
}
LANGUAGES = {
    "english": "en", "welsh": "cy", "gaelic": "gd", "scottish gaelic": "gd", "irish": "ga", "urdu": "ur",
    "punjabi": "pa", "panjabi": "pa", "bengali": "bn", "bangla": "bn", "sylheti": "syl", "hindi": "hi",
    "gujarati": "gu", "tamil": "ta", "polish": "pl", "romanian": "ro", "lithuanian": "lt", "latvian": "lv",
    "slovak": "sk", "czech": "cs", "hungarian": "hu", "bulgarian": "bg", "russian": "ru", "ukrainian": "uk",
    "arabic": "ar", "somali": "so", "tigrinya": "ti", "amharic": "am", "farsi": "fa", "persian": "fa",
    "dari": "prs", "pashto": "ps", "kurdish": "ku", "turkish": "tr", "portuguese": "pt", "spanish": "es",
    "french": "fr", "italian": "it", "german": "de", "chinese": "zh", "mandarin": "zh", "cantonese": "yue",
    "vietnamese": "vi", "tagalog": "tl", "swahili": "sw", "yoruba": "yo", "igbo": "ig", "shona": "sn",
    "british sign language": "bfi", "bsl": "bfi",
}
YES = {"yes", "y", "true", "1", "x", "✓"}
NO = {"no", "n", "false", "0"}


def split_list(text: str) -> list[str]:
    """Items separated by commas, semicolons, slashes, "&", "and" or line breaks."""
    return [part.strip() for part in re.split(r"[,;/|\n&+]|\band\b", text, flags=re.IGNORECASE) if part.strip()]


def read_days(text: str) -> list[dict]:
    """Sessions' days: "Mon, Wed", "Mondays", "Mon-Fri", "weekdays", "daily", "1st Tuesday", "last Friday"."""
    text = re.sub(r"\s+to\s+", "-", text.strip().replace("–", "-"), flags=re.IGNORECASE)
    if text.lower() in ("daily", "every day", "7 days", "all week"):
        return [{"weekday": day} for day in ORDER]
    if text.lower() in ("weekdays", "week days", "monday-friday", "mon-fri"):
        return [{"weekday": day} for day in ORDER[:5]]
    sessions = []
    for part in split_list(text):
        part = re.sub(r"\b(every|each|on|of the month|of each month|monthly)\b", " ", part, flags=re.IGNORECASE).strip()
        monthly = re.fullmatch(rf"(1st|first|2nd|second|3rd|third|4th|fourth|last)\s+{_DAY}", part, re.IGNORECASE)
        span = re.fullmatch(rf"{_DAY}\s*-\s*{_DAY}", part, re.IGNORECASE)
        if monthly:
            sessions.append({"frequency": "monthly", "week_of_month": _ORDINALS[monthly[1].lower()], "weekday": _day(monthly[2])})
        elif span:
            first, last = ORDER.index(_day(span[1])), ORDER.index(_day(span[2]))
            sessions += [{"weekday": ORDER[i % 7]} for i in range(first, last + (7 if last < first else 0) + 1)]
        elif re.fullmatch(_DAY, part, re.IGNORECASE):
            sessions.append({"weekday": _day(part)})
        else:
            raise ValueError(f"Could not read the day '{part}': write days like Mon, Tuesday, Mon-Fri or 1st Tuesday.")
    return sessions


def _day(word: str) -> str:
    return DAYS[word[:2].lower()]


def read_times(text: str) -> tuple[str | None, str | None]:
    """Opening and closing times ("10:00-12:00", "10am - 12pm", "9.30 to 11", "1-3pm") as HH:MM."""
    text = text.strip().lower().replace("–", "-").replace("—", "-").replace(" to ", "-").replace("midday", "12pm")
    match = re.fullmatch(rf"{_TIME}\s*(?:-\s*{_TIME})?", text)
    if not match:
        raise ValueError(f"Could not read the times '{text}': write them like 10:00-12:00 or 10am-12pm.")
    opens_h, opens_m, opens_half, closes_h, closes_m, closes_half = match.groups()
    if closes_h is not None and opens_half is None and closes_half == "pm" and int(opens_h) < 12:
        # "1-3pm": the first time is in the afternoon too, unless that would put it after the second.
        close_hour = int(closes_h) + (12 if int(closes_h) < 12 else 0)
        opens_half = "pm" if int(opens_h) + 12 < close_hour else None
    opens = _clock(opens_h, opens_m, opens_half, text)
    return opens, _clock(closes_h, closes_m, closes_half, text) if closes_h is not None else None


def _clock(hours: str, minutes: str | None, half: str | None, text: str) -> str:
    hour, minute = int(hours), int(minutes or 0)
    if half == "pm" and hour < 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text}' is not a time of day: write times like 10:00-12:00 or 10am-12pm.")
    return f"{hour:02d}:{minute:02d}"


def read_cost(text: str) -> dict:
    """Cost: "Free", "£2", "£2-£5", "£3 per session", "donations welcome"."""
    words = text.strip()
    amounts = [float(a) for a in re.findall(r"£?\s*(\d+(?:\.\d{1,2})?)", words.replace(",", ""))]
    lower = words.lower()
    if not amounts or max(amounts) == 0:
        free = not lower or bool(amounts) or any(w in lower for w in ("free", "no cost", "nothing", "donation"))
        return {"is_free": free, "cost_description": None if lower in ("", "free", "0", "£0") else words}
    return {"is_free": False, "cost_description": words, "cost_min": f"{min(amounts):.2f}",
            "cost_max": f"{max(amounts):.2f}" if len(amounts) > 1 else None}


def read_ages(text: str) -> dict:
    """An age range: "18+", "16-25", "over 50s", "under 18", "all ages"."""
    lower = text.strip().lower().replace("–", "-")
    if lower in ("", "all", "all ages", "any", "any age", "everyone"):
        return {}
    numbers = [int(n) for n in re.findall(r"\d+", lower)]
    if len(numbers) == 2:
        return {"min_age": numbers[0], "max_age": numbers[1]}
    if len(numbers) == 1 and ("under" in lower or "up to" in lower):
        return {"max_age": numbers[0] - ("under" in lower)}
    if len(numbers) == 1:
        return {"min_age": numbers[0]}
    raise ValueError(f"Could not read the ages '{text}': write them like 18+, 16-25 or under 12.")


def read_routes(text: str) -> list[dict]:
    """Referral routes: "Self-referral, GP", "drop in", "professional referral"."""
    routes = []
    for part in split_list(text.lower().replace(" or ", ",")):
        route = ROUTES.get(part) or ROUTES.get(part.replace(" referral", "")) or ROUTES.get(part.removesuffix("s"))
        if route is None:
            raise ValueError(f"Could not read the referral route '{part}': use self-referral, drop-in, GP, "
                             "professional or link worker.")
        if route not in [r["route_type"] for r in routes]:
            routes.append({"route_type": route})
    return routes


def read_languages(text: str) -> list[str]:
    """Language names or codes ("English, Urdu", "en; ur") as codes."""
    codes = []
    for part in split_list(text.lower()):
        code = LANGUAGES.get(part) or (part if re.fullmatch(r"[a-z]{2,3}", part) else None)
        if code is None:
            raise ValueError(f"Could not read the language '{part}': give its name in English or a code like en or ur.")
        codes.append(code)
    return list(dict.fromkeys(codes))


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
