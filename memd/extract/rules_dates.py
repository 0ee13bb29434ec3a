"""Time expressions in chat text, resolved against the moment the turn was written.

The rules backend dates events and plans ("yesterday", "next Fri", "in May", "3 weeks ago",
"on 14 March 2021"). A resolved date is written at the precision the speaker gave and no finer:

    day    2023-05-07      "yesterday", "next Friday", "May 3rd, 2024"
    week   2023-05         "last week", "next week": the memory format has no weeks (YYYY-MM-DD,
                           YYYY-MM or YYYY), so a week is written as the month that holds its
                           Thursday (the ISO rule for which month or year a week belongs to)
    month  2023-06         "next month", "in June", "two months ago"
    year   2022            "last year", "in 2019", "3 years ago", "last summer"
    day    2023-12-25      "last Christmas", "on Halloween" (fixed-date holidays only)

Bare weekdays and month names are ambiguous without the verb's tense ("I saw her on Friday"
vs "I'll see her on Friday"), so callers pass the tense of the clause they matched.
"next <weekday>" means the weekday of the following calendar week (Monday-based); "this
<weekday>" the one in the current week. These are conventions, chosen once and kept.

When no reference date is known, relative expressions resolve to None: the caller then keeps
the words in the value instead of inventing a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBR = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
}
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a couple of": 2, "a couple": 2,
    "couple of": 2,
}
_UNITS = {"ninety": 90, "eighty": 80, "seventy": 70, "sixty": 60, "fifty": 50, "forty": 40,
          "thirty": 30, "twenty": 20}

PRECISION_RANK = {"day": 4, "week": 3, "month": 2, "year": 1}

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_number(text: str) -> int | None:
    """'34', 'thirty-four', 'a couple of' -> int; None when it is not a number."""
    t = text.strip().lower().replace("-", " ")
    if t.isdigit():
        return int(t)
    if t in _NUMBER_WORDS:
        return _NUMBER_WORDS[t]
    parts = t.split()
    if len(parts) == 2 and parts[0] in _UNITS and parts[1] in _NUMBER_WORDS:
        ones = _NUMBER_WORDS[parts[1]]
        if 1 <= ones <= 9:
            return _UNITS[parts[0]] + ones
    return None


def reference_date(*candidates: str | None) -> date | None:
    """The first candidate that reads as an ISO date or datetime (only its date part counts)."""
    for c in candidates:
        if not c:
            continue
        m = _ISO_DATE.search(c)
        if not m:
            continue
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None


def fmt_day(d: date) -> str:
    return d.isoformat()


def fmt_week(d: date) -> str:
    """The week of `d`, as the month of its Thursday: '2023-05'."""
    thursday = d - timedelta(days=d.weekday()) + timedelta(days=3)
    return fmt_month(thursday.year, thursday.month)


def fmt_month(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def add_months(y: int, m: int, delta: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + delta
    return idx // 12, idx % 12 + 1


@dataclass(frozen=True)
class TimeRef:
    """One time expression found in a text: where it is and what it resolves to."""

    start: int
    end: int
    value: str | None  # ISO string; None when relative and no reference date is known
    precision: str  # day | week | month | year
    text: str


_NUM = (
    r"(?:\d{1,3}|a couple of|a couple|couple of|an?|one|two|three|four|five|six|seven|eight|"
    r"nine|ten|eleven|twelve|fifteen|twenty)"
)
_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WD_ABBR = r"(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\.?"
# Month names are matched case-sensitively (capitalised) because "may", "march" and "jan" are
# also ordinary words; abbreviations need the capital too.
_MON = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19\d\d|20\d\d)"
_PART = r"(?:\s+(?:morning|afternoon|evening|night)s?\b)?"  # "on Saturday mornings" whole (a habit)

_EXPRESSIONS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")),
    (
        "month_day",
        re.compile(
            rf"\b(?:on\s+)?(?:(?i:the)\s+)?(?P<mon>{_MON})\s+(?:the\s+)?(?P<day>{_DAYNUM})\b(?:,?\s+(?P<year>{_YEAR})\b)?"
        ),
    ),
    (
        "day_month",
        re.compile(
            rf"\b(?:on\s+)?(?:the\s+)?(?P<day>{_DAYNUM})\s+(?:of\s+)?(?P<mon>{_MON})(?:,?\s+(?P<year>{_YEAR})\b)?"
        ),
    ),
    ("day_before_yesterday", re.compile(r"(?i)\bthe day before yesterday\b")),
    ("day_after_tomorrow", re.compile(r"(?i)\bthe day after tomorrow\b")),
    ("yesterday", re.compile(rf"(?i)\b(?:yesterday{_PART}|last night)\b")),
    ("today", re.compile(r"(?i)\b(?:earlier\s+)?(?:today|tonight|this (?:morning|afternoon|evening))\b")),
    ("tomorrow", re.compile(rf"(?i)\btomorrow{_PART}\b")),
    (
        "rel_weekday",
        re.compile(rf"(?i)\b(?P<rel>next|last|this|this past|this coming|coming|on)\s+(?P<wd>{_WD}|{_WD_ABBR})(?![a-z]){_PART}"),
    ),
    ("bare_weekday", re.compile(rf"(?i)\b(?P<wd>{_WD})(?:s)?{_PART}\b")),
    ("rel_weekend", re.compile(r"(?i)\b(?:over\s+)?(?P<rel>next|last|this|this past|this coming|the)\s+weekend\b")),
    ("rel_week", re.compile(r"(?i)\b(?P<rel>next|last|this|this past|this coming|the past)\s+week\b")),
    ("rel_month", re.compile(r"(?i)\b(?:(?:at|by) the end of\s+)?(?P<rel>next|last|this|this past|the past)\s+month\b")),
    ("rel_year", re.compile(r"(?i)\b(?P<rel>next|last|this|this past|the past)\s+year\b")),
    ("ago", re.compile(rf"(?i)\b(?P<n>{_NUM})\s+(?P<unit>day|week|month|year)s?\s+ago\b")),
    ("in_n", re.compile(rf"(?i)\bin\s+(?P<n>{_NUM})\s+(?P<unit>day|week|month|year)s?(?:'\s*time|\s+time)?\b")),
    (
        "month_year",
        re.compile(rf"\b(?P<prep>(?i:in|of|during|since|by|back in|early|late|mid|until|till)(?:-|\s+))?(?P<rel>(?i:next|last|this)\s+)?(?P<mon>{_MON})(?:\s+(?:of\s+)?(?P<year>{_YEAR}))?\b"),
    ),
    ("year", re.compile(rf"\b(?:(?i:in|of|during|since|by|back in|around)\s+)(?:the\s+(?:summer|winter|spring|fall|autumn)\s+of\s+)?(?P<year>{_YEAR})\b")),
    ("rel_season", re.compile(r"(?i)\b(?P<rel>last|this past|this|next|this coming)\s+(?P<season>summer|spring|fall|autumn)\b")),
    ("holiday", re.compile(
        r"(?i)\b(?:(?P<rel>last|this past|this|next|this coming)|(?P<prep>on|at|over|for))\s+"
        r"(?P<h>christmas\s+eve|christmas(?:\s+day)?|new\s+year'?s\s+eve|new\s+year'?s\s+day|halloween|valentine'?s(?:\s+day)?)\b")),
]

# Seasons are read as the northern hemisphere's (spring March-May, summer June-August, autumn
# September-November) and dated to the year only. Winter straddles two years, so "last winter"
# is not dated: its words stay in the value rather than a year that may be wrong.
_SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "fall": (9, 11), "autumn": (9, 11)}
# Holidays with one fixed date everywhere English is written. Easter and Thanksgiving move (and
# differ between churches and countries), so they are not dated.
_HOLIDAYS = {"christmas eve": (12, 24), "christmas": (12, 25), "christmas day": (12, 25),
             "new years eve": (12, 31), "new years day": (1, 1), "halloween": (10, 31),
             "valentines": (2, 14), "valentines day": (2, 14)}


def _season_year(ref: date, season: str, rel: str) -> int:
    first, last = _SEASON_MONTHS[season]
    if rel in ("last", "this past"):
        return ref.year if ref.month > last else ref.year - 1  # the latest one that has ended
    if rel in ("next", "this coming"):
        return ref.year if ref.month < first else ref.year + 1  # the first one not yet begun
    return ref.year


def _holiday_date(ref: date, month: int, day: int, rel: str, tense: str) -> date:
    this = date(ref.year, month, day)
    if rel in ("last", "this past") or (not rel and tense == "past"):
        return this if this < ref else date(ref.year - 1, month, day)
    if rel in ("next", "this coming") or (not rel and tense == "future"):
        return this if this > ref else date(ref.year + 1, month, day)
    return this


def _weekday_index(word: str) -> int:
    w = word.lower().rstrip(".")
    if w in WEEKDAYS:
        return WEEKDAYS.index(w)
    return _WEEKDAY_ABBR[w]


def _month_number(word: str) -> int:
    return _MONTHS[word.lower().rstrip(".")]


def _weekday_date(ref: date, target: int, rel: str, tense: str) -> date:
    monday = ref - timedelta(days=ref.weekday())
    rel = rel.lower()
    if rel == "next":
        return monday + timedelta(days=7 + target)
    if rel == "this":
        return monday + timedelta(days=target)
    if rel in ("last", "this past"):
        delta = (ref.weekday() - target) % 7 or 7
        return ref - timedelta(days=delta)
    if rel in ("this coming", "coming"):
        delta = (target - ref.weekday()) % 7 or 7
        return ref + timedelta(days=delta)
    # "on Friday" / bare "Friday": the tense of the clause decides the direction.
    if tense == "past":
        delta = (ref.weekday() - target) % 7 or 7
        return ref - timedelta(days=delta)
    delta = (target - ref.weekday()) % 7 or 7
    return ref + timedelta(days=delta)


def _month_year(ref: date | None, mon: int, year: int | None, rel: str, tense: str) -> str | None:
    if year is not None:
        return fmt_month(year, mon)
    if ref is None:
        return None
    rel = rel.strip().lower()
    if rel == "next":
        return fmt_month(ref.year if mon > ref.month else ref.year + 1, mon)
    if rel == "last":
        return fmt_month(ref.year if mon < ref.month else ref.year - 1, mon)
    if rel == "this":
        return fmt_month(ref.year, mon)
    if tense == "past":
        return fmt_month(ref.year if mon <= ref.month else ref.year - 1, mon)
    if tense == "future":
        return fmt_month(ref.year if mon >= ref.month else ref.year + 1, mon)
    return fmt_month(ref.year, mon)


def _day_of_month(ref: date | None, mon: int, day: int, year: int | None, tense: str) -> tuple[str | None, str]:
    if year is not None:
        try:
            return date(year, mon, day).isoformat(), "day"
        except ValueError:
            return None, "day"
    if ref is None:
        return None, "day"
    y = ref.year
    try:
        cand = date(y, mon, day)
    except ValueError:
        return None, "day"
    try:
        if tense == "past" and cand > ref:
            cand = date(y - 1, mon, day)
        elif tense == "future" and cand < ref:
            cand = date(y + 1, mon, day)
    except ValueError:
        return None, "day"
    return cand.isoformat(), "day"


def _resolve(kind: str, m: re.Match[str], ref: date | None, tense: str) -> tuple[str | None, str] | None:
    g = m.groupdict()
    if kind == "iso":
        try:
            return date(int(g["y"]), int(g["m"]), int(g["d"])).isoformat(), "day"
        except ValueError:
            return None
    if kind in ("month_day", "day_month"):
        day = int(re.sub(r"\D", "", g["day"]))
        year = int(g["year"]) if g.get("year") else None
        return _day_of_month(ref, _month_number(g["mon"]), day, year, tense)
    if kind == "month_year":
        if not (g.get("prep") or g.get("rel") or g.get("year")):
            # A bare capitalised "May" is as likely the modal verb as the month.
            return None
        year = int(g["year"]) if g.get("year") else None
        return _month_year(ref, _month_number(g["mon"]), year, g.get("rel") or "", tense), "month"
    if kind == "year":
        return g["year"], "year"
    offsets = {"day_before_yesterday": -2, "yesterday": -1, "today": 0, "tomorrow": 1, "day_after_tomorrow": 2}
    if kind in offsets:
        return (fmt_day(ref + timedelta(days=offsets[kind])) if ref else None), "day"
    if kind in ("rel_weekday", "bare_weekday"):
        rel = (g.get("rel") or "").lower()
        if (kind == "bare_weekday" or rel == "on") and (m.group(0).lower().rstrip().endswith("s") or re.search(r"\b(?:every|each)\s+$", m.string[max(0, m.start() - 8):m.start()], re.I)):
            # "on Fridays", "every Saturday" are habits, not dates.
            return None
        if ref is None:
            return None, "day"
        return fmt_day(_weekday_date(ref, _weekday_index(g["wd"]), rel, tense)), "day"
    if kind == "rel_weekend":
        if ref is None:
            return None, "day"
        rel = g["rel"].lower()
        # A weekend is dated by its Saturday; weeks start on Monday.
        saturday = ref - timedelta(days=ref.weekday()) + timedelta(days=5)
        if rel in ("last", "this past"):
            saturday -= timedelta(days=7)
        elif rel == "next":
            saturday += timedelta(days=7)
        elif rel in ("the", "this"):
            # "This weekend we went to the zoo", said on a Monday: the weekend just gone; but
            # "booked a hotel for this weekend" is the coming one, whatever the verb's tense.
            booked_for = rel == "this" and m.string[max(0, m.start() - 4):m.start()].lower().endswith("for ")
            if tense == "past" and ref.weekday() < 5 and not booked_for:
                saturday -= timedelta(days=7)
            elif tense != "past" and ref.weekday() == 6 and rel == "the":
                saturday += timedelta(days=7)
        return fmt_day(saturday), "day"
    if kind == "rel_week":
        if ref is None:
            return None, "week"
        rel = g["rel"].lower()
        shift = {"next": 7, "last": -7, "this past": -7, "the past": -7, "this coming": 7}.get(rel, 0)
        return fmt_week(ref + timedelta(days=shift)), "week"
    if kind == "rel_month":
        if ref is None:
            return None, "month"
        rel = g["rel"].lower()
        shift = {"next": 1, "last": -1, "this past": -1, "the past": -1}.get(rel, 0)
        return fmt_month(*add_months(ref.year, ref.month, shift)), "month"
    if kind == "rel_year":
        if ref is None:
            return None, "year"
        rel = g["rel"].lower()
        shift = {"next": 1, "last": -1, "this past": -1, "the past": -1}.get(rel, 0)
        return str(ref.year + shift), "year"
    if kind == "rel_season":
        if ref is None:
            return None, "year"
        return str(_season_year(ref, g["season"].lower(), g["rel"].lower())), "year"
    if kind == "holiday":
        name = re.sub(r"[^a-z ]", "", " ".join(g["h"].lower().split()))
        if ref is None:
            return None, "day"
        month, day = _HOLIDAYS[name]
        return fmt_day(_holiday_date(ref, month, day, (g.get("rel") or "").lower(), tense)), "day"
    if kind in ("ago", "in_n"):
        n = parse_number(g["n"])
        if n is None:
            return None
        sign = -1 if kind == "ago" else 1
        unit = g["unit"].lower()
        if unit == "year":
            return (str(ref.year + sign * n) if ref else None), "year"
        if unit == "month":
            return (fmt_month(*add_months(ref.year, ref.month, sign * n)) if ref else None), "month"
        if unit == "week":
            # "three weeks ago" is not precise to the day; say which week.
            return (fmt_week(ref + timedelta(days=sign * 7 * n)) if ref else None), "week"
        return (fmt_day(ref + timedelta(days=sign * n)) if ref else None), "day"
    return None


def find_times(text: str, ref: date | None, tense: str = "any") -> list[TimeRef]:
    """Every time expression in `text`, longest first where two overlap, in text order."""
    found: list[TimeRef] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in _EXPRESSIONS:
        for m in rx.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            try:
                res = _resolve(kind, m, ref, tense)
            except (OverflowError, ValueError):
                res = None  # a reference date at the edge of the calendar ("yesterday" of year 1)
            if res is None:
                continue
            value, precision = res
            found.append(TimeRef(s, e, value, precision, m.group(0)))
            taken.append((s, e))
    found.sort(key=lambda t: t.start)
    return found


def best_time(times: list[TimeRef]) -> TimeRef | None:
    """The most precise resolved expression (leftmost among equals); None if none resolved."""
    best: TimeRef | None = None
    for t in times:
        if t.value is None:
            continue
        if best is None or PRECISION_RANK[t.precision] > PRECISION_RANK[best.precision]:
            best = t
    return best


def birth_date_from_age(on: str, age: int) -> str | None:
    """'I turned 30 yesterday' -> the birth date, when the day of turning is known exactly."""
    try:
        d = datetime.strptime(on, "%Y-%m-%d").date()
    except ValueError:
        return None
    if not 1 <= d.year - age <= 9999:
        return None
    try:
        return d.replace(year=d.year - age).isoformat()
    except ValueError:  # 29 February in a non-leap year
        return d.replace(year=d.year - age, day=28).isoformat()
