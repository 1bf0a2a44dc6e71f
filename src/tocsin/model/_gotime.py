"""The message Go gives when a timestamp does not parse, for answers that must match it.

Alertmanager's API tries several layouts and reports the failure against the last one,
``2006-01-02 15:04:05``; this walks that layout as Go's ``time.Parse`` does and words the
failure the same way.
"""

from __future__ import annotations

__all__ = ["go_time_error"]

_LAYOUT = "2006-01-02 15:04:05"
# (layout element, how many digits: exact count, or (min, max))
_ELEMENTS: tuple[tuple[str, int | tuple[int, int]], ...] = (
    ("2006", 4),
    ("-", 0),
    ("01", 2),
    ("-", 0),
    ("02", 2),
    (" ", 0),
    ("15", (1, 2)),
    (":", 0),
    ("04", 2),
    (":", 0),
    ("05", 2),
)


def _digits(value: str, count: int | tuple[int, int]) -> int:
    lo, hi = (count, count) if isinstance(count, int) else count
    n = 0
    while n < hi and n < len(value) and value[n].isdigit():
        n += 1
    return n if n >= lo else -1


def go_time_error(text: str) -> str:
    """``parsing time "…" as "2006-01-02 15:04:05": …`` for a value that does not parse."""
    head = f'parsing time "{text}" as "{_LAYOUT}"'
    rest = text
    for element, count in _ELEMENTS:
        if element == " ":
            rest = rest.lstrip(" ")
            continue
        if count == 0:
            if not rest.startswith(element):
                return f'{head}: cannot parse "{rest}" as "{element}"'
            rest = rest[len(element) :]
            continue
        n = _digits(rest, count)
        if n < 0:
            return f'{head}: cannot parse "{rest}" as "{element}"'
        rest = rest[n:]
    if rest.startswith(".") and rest[1:2].isdigit():
        rest = rest[1:].lstrip("0123456789")
    if rest:
        return f'parsing time "{text}": extra text: "{rest}"'
    return f"{head}: value out of range"
