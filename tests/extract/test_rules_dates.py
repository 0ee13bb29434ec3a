"""Time expressions resolved against the moment a turn was written."""

from __future__ import annotations

from datetime import date

import pytest

from memd.extract.rules_dates import (
    best_time,
    birth_date_from_age,
    find_times,
    parse_number,
    reference_date,
)

MONDAY = date(2023, 5, 8)
FRIDAY = date(2024, 5, 10)


def resolve(text: str, ref: date | None, tense: str = "any") -> str | None:
    t = best_time(find_times(text, ref, tense))
    return t.value if t else None


@pytest.mark.parametrize(
    ("text", "tense", "expected"),
    [
        ("yesterday", "past", "2023-05-07"),
        ("last night", "past", "2023-05-07"),
        ("the day before yesterday", "past", "2023-05-06"),
        ("today", "any", "2023-05-08"),
        ("tonight", "future", "2023-05-08"),
        ("tomorrow morning", "future", "2023-05-09"),
        ("the day after tomorrow", "future", "2023-05-10"),
        ("next Fri", "future", "2023-05-19"),  # Friday of the following week
        ("this Friday", "future", "2023-05-12"),
        ("last Friday", "past", "2023-05-05"),
        ("on Friday", "past", "2023-05-05"),
        ("on Friday", "future", "2023-05-12"),
        ("on Monday", "future", "2023-05-15"),  # said on a Monday: the next one
        ("over the weekend", "past", "2023-05-06"),
        ("this weekend", "future", "2023-05-13"),
        ("this weekend", "past", "2023-05-06"),  # "this weekend we went ...", said on a weekday
        ("next weekend", "future", "2023-05-20"),
        ("last week", "past", "2023-05"),
        ("next week", "future", "2023-05"),
        ("3 weeks ago", "past", "2023-04"),
        ("two days ago", "past", "2023-05-06"),
        ("in three days", "future", "2023-05-11"),
        ("in a couple of weeks", "future", "2023-05"),
        ("last month", "past", "2023-04"),
        ("next month", "future", "2023-06"),
        ("two months ago", "past", "2023-03"),
        ("last year", "past", "2022"),
        ("next year", "future", "2024"),
        ("5 years ago", "past", "2018"),
        ("in June", "past", "2022-06"),
        ("in June", "future", "2023-06"),
        ("in March", "future", "2024-03"),
        ("in May", "future", "2023-05"),
        ("last May", "past", "2022-05"),
        ("next May", "future", "2024-05"),
        ("early June", "future", "2023-06"),
        ("May 2021", "past", "2021-05"),
        ("in 2019", "past", "2019"),
        ("back in 2015", "past", "2015"),
        ("on 14 March 1991", "past", "1991-03-14"),
        ("March 14th, 1991", "past", "1991-03-14"),
        ("the 3rd of June", "future", "2023-06-03"),
        ("June 3rd", "past", "2022-06-03"),
        ("2021-11-02", "any", "2021-11-02"),
    ],
)
def test_expression_resolves(text, tense, expected):
    assert resolve(text, MONDAY, tense) == expected


@pytest.mark.parametrize(
    "text",
    [
        "May I ask you something?",  # the modal, not the month
        "We meet on Fridays.",  # a habit, not a date
        "I saw it the other day.",
        "a few weeks ago",
        "I'm in my thirties.",
    ],
)
def test_no_date_where_none_was_said(text):
    assert resolve(text, MONDAY, "past") is None


def test_most_precise_expression_wins():
    assert resolve("Last month, on the 3rd of April, I moved.", MONDAY, "past") == "2023-04-03"


def test_relative_words_without_reference_do_not_resolve():
    assert resolve("yesterday", None, "past") is None
    assert resolve("on 14 March 1991", None, "past") == "1991-03-14"


def test_friday_reference_dates():
    assert resolve("next week", FRIDAY, "future") == "2024-05"
    assert resolve("last Saturday", FRIDAY, "past") == "2024-05-04"
    assert resolve("on Friday", FRIDAY, "future") == "2024-05-17"


def test_reference_date_reads_iso_dates_and_datetimes():
    assert reference_date(None, "2023-05-08T13:56:00") == MONDAY
    assert reference_date("not a date", "2024-05-10") == FRIDAY
    assert reference_date(None, None) is None


def test_numbers_in_words():
    assert parse_number("thirty-four") == 34
    assert parse_number("a couple of") == 2
    assert parse_number("12") == 12
    assert parse_number("several") is None


def test_birth_date_from_turning_an_age():
    assert birth_date_from_age("2024-05-09", 30) == "1994-05-09"
    assert birth_date_from_age("2024-02-29", 1) == "2023-02-28"


@pytest.mark.parametrize("text, ref, tense, expected", [
    ("last summer", date(2024, 5, 8), "past", "2023"),  # summer 2024 has not happened yet
    ("last summer", date(2024, 10, 2), "past", "2024"),  # the one that just ended
    ("this past fall", date(2024, 12, 1), "past", "2024"),
    ("last spring", date(2024, 4, 1), "past", "2023"),
    ("next summer", date(2024, 3, 1), "future", "2024"),
    ("next summer", date(2024, 7, 1), "future", "2025"),
    ("last Christmas", date(2024, 5, 8), "past", "2023-12-25"),
    ("last Christmas", date(2024, 12, 26), "past", "2024-12-25"),
    ("next Christmas", date(2024, 12, 26), "future", "2025-12-25"),
    ("on Halloween", date(2024, 5, 8), "past", "2023-10-31"),
    ("on Halloween", date(2024, 5, 8), "future", "2024-10-31"),
    ("on Valentine's Day", date(2024, 3, 1), "past", "2024-02-14"),
    ("on New Year's Eve", date(2024, 3, 1), "past", "2023-12-31"),
])
def test_seasons_and_fixed_holidays(text, ref, tense, expected):
    assert resolve(text, ref, tense) == expected


@pytest.mark.parametrize("text", ["last winter", "last Thanksgiving", "at Easter", "last summer"])
def test_seasons_and_holidays_that_cannot_be_dated_truly_are_not(text):
    # Winter straddles two years; Easter and Thanksgiving move; without a reference, nothing.
    assert resolve(text, None if text == "last summer" else date(2024, 5, 8), "past") is None
