"""``time_intervals`` and the legacy ``mute_time_intervals``, as Alertmanager's
``timeinterval`` package parses and checks them (same messages).

Ranges are inclusive: weekdays 0–6 (Sunday = 0), days of month 1–31 or -31…-1 (from the
end of the month), months 1–12, years. Times are minutes of the day, end exclusive, up to
``24:00``. A missing ``location`` means UTC.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

from tocsin.config._base import Model
from tocsin.config._types import _scalar_text, fail

__all__ = [
    "DayOfMonthRange",
    "MonthRange",
    "NamedTimeInterval",
    "TimeInterval",
    "TimeRange",
    "WeekdayRange",
    "YearRange",
]

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december",
)  # fmt: skip
_TIME_RE = re.compile(r"^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)")


@dataclass(frozen=True)
class InclusiveRange:
    begin: int
    end: int

    def __str__(self) -> str:
        return str(self.begin) if self.begin == self.end else f"{self.begin}:{self.end}"

    def contains(self, value: int) -> bool:
        return self.begin <= value <= self.end


class WeekdayRange(InclusiveRange):
    def __str__(self) -> str:
        if self.begin == self.end:
            return WEEKDAYS[self.begin]
        return f"{WEEKDAYS[self.begin]}:{WEEKDAYS[self.end]}"


class DayOfMonthRange(InclusiveRange):
    pass


class MonthRange(InclusiveRange):
    pass


class YearRange(InclusiveRange):
    pass


def _atoi(text: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _weekday(text: str) -> int:
    if text not in WEEKDAYS:
        raise ValueError(f"{text} is not a valid weekday")
    return WEEKDAYS.index(text)


def _month(text: str) -> int:
    if text in MONTHS:
        return MONTHS.index(text) + 1
    try:
        return _atoi(text)
    except ValueError:
        raise ValueError(f"{text} is not a valid month") from None


def _split(text: str, member: Any) -> tuple[int, int]:
    text = text.lower()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 2:
            raise ValueError(f"couldn't parse range {text}, invalid format")
        return member(parts[0]), member(parts[1])
    value = member(text)
    return value, value


def _weekday_range(text: str) -> WeekdayRange:
    begin, end = _split(text, _weekday)
    if begin > end:
        raise ValueError("start day cannot be before end day")
    return WeekdayRange(begin, end)


def _day_range(text: str) -> DayOfMonthRange:
    begin, end = _split(text, _atoi)
    for value in (begin, end):
        if value == 0 or value < -31 or value > 31:
            raise ValueError(f"{value} is not a valid day of the month: out of range")
    if begin < 0 < end:
        raise ValueError("end day must be negative if start day is negative")
    check_begin = 28 + begin if begin < 0 else begin
    check_end = 28 + end if end < 0 else end
    if check_begin > check_end:
        raise ValueError(f"end day {end} is always before start day {begin}")
    return DayOfMonthRange(begin, end)


def _month_range(text: str) -> MonthRange:
    begin, end = _split(text, _month)
    if begin > end:
        raise ValueError(f"end month {_month_name(end)} is before start month {_month_name(begin)}")
    return MonthRange(begin, end)


def _month_name(value: int) -> str:
    return MONTHS[value - 1] if 1 <= value <= 12 else ""


def _year_range(text: str) -> YearRange:
    begin, end = _split(text, _atoi)
    if begin > end:
        raise ValueError(f"end year {end} is before start year {begin}")
    return YearRange(begin, end)


def _range_list(parse: Any) -> Any:
    def validate(value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            return value
        out = []
        for i, item in enumerate(value):
            text = _scalar_text(item)
            if not isinstance(text, str):
                fail("expected a string", i)
            try:
                out.append(parse(text))
            except ValueError as exc:
                fail(str(exc), i)
        return out

    return BeforeValidator(validate)


_AS_TEXT = PlainSerializer(lambda v: [str(r) for r in v])
Weekdays = Annotated[list[WeekdayRange], _range_list(_weekday_range), _AS_TEXT]
DaysOfMonth = Annotated[list[DayOfMonthRange], _range_list(_day_range), _AS_TEXT]
Months = Annotated[list[MonthRange], _range_list(_month_range), _AS_TEXT]
Years = Annotated[list[YearRange], _range_list(_year_range), _AS_TEXT]


def _parse_time(text: str) -> int:
    if not _TIME_RE.match(text):
        raise ValueError(f"couldn't parse timestamp {text}, invalid format")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class TimeRange:
    """Minutes of the day, ``start`` inclusive, ``end`` exclusive."""

    start_minute: int
    end_minute: int

    def as_dict(self) -> dict[str, str]:
        return {
            "start_time": "{:02d}:{:02d}".format(*divmod(self.start_minute, 60)),
            "end_time": "{:02d}:{:02d}".format(*divmod(self.end_minute, 60)),
        }


def _times(value: Any) -> Any:
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            fail("expected a mapping with start_time and end_time", i)
        unknown = sorted(str(k) for k in item if k not in ("start_time", "end_time"))
        for key in unknown:
            fail(f'unknown field "{key}"', i, key)
        start = _scalar_text(item.get("start_time"))
        end = _scalar_text(item.get("end_time"))
        if not start or not end:
            fail("both start and end times must be provided", i)
        try:
            start_minute, end_minute = _parse_time(start), _parse_time(end)
        except ValueError as exc:
            fail(str(exc), i)
        if start_minute >= end_minute:
            fail("start time cannot be equal or greater than end time", i)
        out.append(TimeRange(start_minute, end_minute))
    return out


Times = Annotated[
    list[TimeRange],
    BeforeValidator(_times),
    PlainSerializer(lambda v: [r.as_dict() for r in v]),
]


def _location(value: Any) -> Any:
    if value is None:
        return None
    text = _scalar_text(value)
    if not isinstance(text, str):
        return value
    if text in ("", "UTC"):
        return "UTC"
    if text == "Local":
        return text
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        fail(f"unknown time zone {text}")
    return text


class TimeInterval(Model):
    times: Times = Field(default_factory=list)
    weekdays: Weekdays = Field(default_factory=list)
    days_of_month: DaysOfMonth = Field(default_factory=list)
    months: Months = Field(default_factory=list)
    years: Years = Field(default_factory=list)
    location: Annotated[str | None, BeforeValidator(_location)] = None


def _intervals(value: Any) -> Any:
    return [] if value is None else value


class NamedTimeInterval(Model):
    name: Annotated[str, BeforeValidator(_scalar_text)] = ""
    time_intervals: Annotated[list[TimeInterval], BeforeValidator(_intervals)] = Field(
        default_factory=list
    )
