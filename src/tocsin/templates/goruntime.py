"""What translated Go templates call at render time: Go's printing, field access and the
functions of Alertmanager's templates (``_go`` in the Jinja2 environment).

Field access follows Go's ``text/template`` with Alertmanager's ``missingkey=zero``: a
method of the value wins, then a field, then a map key; a missing map key (a label the alert
does not have) is the empty string; a field the value does not have is an error
(:class:`GoTemplateError`), as it is in Alertmanager.
"""

from __future__ import annotations

import json
import math
import re
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tocsin.templates.data import KV, AlertData, AlertList, Pair, TemplateData

__all__ = ["GO_NAMES", "GoFieldError", "GoRuntime", "GoTemplateError", "go_time_format"]


class GoTemplateError(Exception):
    """A translated Go template failed at render time (as it would in Alertmanager)."""


class GoFieldError(GoTemplateError):
    """A translated Go template asked for a field its value does not have."""


# Alertmanager's Go names of the data and of an alert, and their Jinja2 names.
GO_NAMES: dict[str, str] = {
    "Receiver": "receiver",
    "Status": "status",
    "Alerts": "alerts",
    "GroupLabels": "groupLabels",
    "CommonLabels": "commonLabels",
    "CommonAnnotations": "commonAnnotations",
    "ExternalURL": "externalURL",
    "GroupKey": "groupKey",
    "TruncatedAlerts": "truncatedAlerts",
    "Labels": "labels",
    "Annotations": "annotations",
    "StartsAt": "startsAt",
    "EndsAt": "endsAt",
    "GeneratorURL": "generatorURL",
    "Fingerprint": "fingerprint",
}

_KV_METHODS = {"SortedPairs", "Names", "Values"}


def _pairs_string(pairs: Sequence[Pair]) -> str:
    return ", ".join(f"{p.Name}={p.Value}" for p in pairs)


def _go_float(value: float) -> str:
    """Go's ``%v`` of a float64: the shortest digits, ``%e`` style from an exponent of 6."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    exponent += len(digits) - len(text)
    point = len(text) + exponent  # digits before the decimal point
    x = point - 1
    prefix = "-" if sign else ""
    if x < -4 or x >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"


def go_str(value: Any) -> str:
    """``value`` printed as Go's ``fmt`` prints it with ``%v`` (what ``{{ X }}`` shows)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, datetime):
        return go_time_format(value, "2006-01-02 15:04:05.999999999 -0700 MST")
    if isinstance(value, timedelta):
        return _go_duration(value)
    if isinstance(value, KV):
        return _pairs_string(value.SortedPairs())
    if isinstance(value, Pair):
        return f"{{{value.Name} {value.Value}}}"
    if isinstance(value, AlertData):
        fields = (
            value.status,
            go_str(dict(value.labels)),
            go_str(dict(value.annotations)),
            go_str(value.startsAt),
            go_str(value.endsAt),
            value.generatorURL,
            value.fingerprint,
        )
        return "{" + " ".join(fields) + "}"
    if isinstance(value, Mapping):
        inner = " ".join(f"{go_str(k)}:{go_str(value[k])}" for k in sorted(value, key=str))
        return f"map[{inner}]"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(p, Pair) for p in value):
            return _pairs_string(value)
        return "[" + " ".join(go_str(v) for v in value) + "]"
    return str(value)


def _go_duration(value: timedelta) -> str:
    total = value.total_seconds()
    if total == 0:
        return "0s"
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    sec = f"{seconds:.9f}".rstrip("0").rstrip(".")
    if hours:
        return f"{sign}{int(hours)}h{int(minutes)}m{sec}s"
    if minutes:
        return f"{sign}{int(minutes)}m{sec}s"
    return f"{sign}{sec}s"


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Go's reference-time chunks, longest first where one is the prefix of another.
_LAYOUT_RE = re.compile(
    r"January|Jan|Monday|Mon|MST|2006|"
    r"Z07:00:00|Z070000|Z07:00|Z0700|Z07|-07:00:00|-070000|-07:00|-0700|-07|"
    r"[.,](?:0+|9+)(?!\d)|"
    r"002|__2|_2|01|02|03|04|05|06|15|PM|pm|1|2|3|4|5"
)


def _zone(dt: datetime, chunk: str) -> str:
    offset = dt.utcoffset() or timedelta(0)
    seconds = int(offset.total_seconds())
    if chunk.startswith("Z") and seconds == 0:
        return "Z"
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    hh, mm, ss = seconds // 3600, seconds // 60 % 60, seconds % 60
    body = chunk.lstrip("Z-")
    if body == "07":
        return f"{sign}{hh:02d}"
    if body == "0700":
        return f"{sign}{hh:02d}{mm:02d}"
    if body == "07:00":
        return f"{sign}{hh:02d}:{mm:02d}"
    if body == "070000":
        return f"{sign}{hh:02d}{mm:02d}{ss:02d}"
    return f"{sign}{hh:02d}:{mm:02d}:{ss:02d}"


def go_time_format(dt: datetime, layout: str) -> str:
    """``dt`` formatted by a Go time layout (``"2006-01-02 15:04:05"``)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)

    def chunk(match: re.Match[str]) -> str:
        c = match.group(0)
        hour12 = dt.hour % 12 or 12
        simple = {
            "January": _MONTHS[dt.month - 1],
            "Jan": _MONTHS[dt.month - 1][:3],
            "Monday": _DAYS[dt.weekday()],
            "Mon": _DAYS[dt.weekday()][:3],
            "MST": dt.tzname() or "UTC",
            "2006": f"{dt.year:04d}",
            "06": f"{dt.year % 100:02d}",
            "01": f"{dt.month:02d}",
            "1": str(dt.month),
            "02": f"{dt.day:02d}",
            "2": str(dt.day),
            "_2": f"{dt.day:>2d}",
            "002": f"{dt.timetuple().tm_yday:03d}",
            "__2": f"{dt.timetuple().tm_yday:>3d}",
            "15": f"{dt.hour:02d}",
            "03": f"{hour12:02d}",
            "3": str(hour12),
            "04": f"{dt.minute:02d}",
            "4": str(dt.minute),
            "05": f"{dt.second:02d}",
            "5": str(dt.second),
            "PM": "PM" if dt.hour >= 12 else "AM",
            "pm": "pm" if dt.hour >= 12 else "am",
        }
        if c in simple:
            return simple[c]
        if c[0] in ".," and len(c) > 1:
            digits = len(c) - 1
            nanos = f"{dt.microsecond * 1000:09d}"[:digits]
            if c[1] == "9":
                nanos = nanos.rstrip("0")
                return c[0] + nanos if nanos else ""
            return c[0] + nanos
        return _zone(dt, c)

    if dt.tzname() == "UTC" and "MST" in layout:
        dt = dt.astimezone(UTC)
    return _LAYOUT_RE.sub(chunk, layout)


def _go_quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\\/", "/")


def _title(text: str) -> str:
    return re.sub(
        r"[^\W_]+(?:['’][^\W_]+)*",
        lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(),
        text,
    )


def _expand(template: str, match: re.Match[str]) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(2)
        try:
            value = match.group(int(name)) if name.isdigit() else match.group(name)
        except (IndexError, re.error):
            return ""
        return value or ""

    return re.sub(r"\$(?:\{(\w+)\}|(\w+)|\$)", one, template)


def _printf(fmt: str, *args: Any) -> str:
    out: list[str] = []
    i = 0
    arg = 0
    spec = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")
    while i < len(fmt):
        if fmt[i] != "%":
            j = fmt.find("%", i)
            j = len(fmt) if j < 0 else j
            out.append(fmt[i:j])
            i = j
            continue
        m = spec.match(fmt, i)
        if m is None:
            out.append("%!(NOVERB)")
            i += 1
            continue
        i = m.end()
        flags, width, precision, verb = m.groups()
        if verb == "%":
            out.append("%")
            continue
        if arg >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        value = args[arg]
        arg += 1
        out.append(_format_one(value, flags, width, precision, verb))
    if arg < len(args):
        extra = ", ".join(f"{type(v).__name__}={go_str(v)}" for v in args[arg:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _format_one(value: Any, flags: str, width: str | None, precision: str | None, verb: str) -> str:
    if verb in "sv":
        text = go_str(value)
        if precision is not None and verb == "s":
            text = text[: int(precision)]
    elif verb == "q":
        text = _go_quote(go_str(value))
    elif verb in "dxXob" and isinstance(value, int) and not isinstance(value, bool):
        base = {"d": "d", "x": "x", "X": "X", "o": "o", "b": "b"}[verb]
        text = format(value, ("+" if "+" in flags else "") + base)
    elif verb in "feEgG" and isinstance(value, (int, float)) and not isinstance(value, bool):
        prec = 6 if precision is None else int(precision)
        if verb in "gG" and precision is None:
            text = _go_float(float(value))
        else:
            text = format(float(value), f"{'+' if '+' in flags else ''}.{prec}{verb}")
    elif verb == "t" and isinstance(value, bool):
        text = go_str(value)
    else:
        text = f"%!{verb}({type(value).__name__}={go_str(value)})"
    if width:
        size = int(width)
        if "-" in flags:
            text = text.ljust(size)
        elif "0" in flags and verb not in "sqv":
            text = text.rjust(size, "0")
        else:
            text = text.rjust(size)
    return text


def _ordered(a: Any, b: Any) -> tuple[Any, Any]:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        raise GoTemplateError("invalid type for comparison")
    if isinstance(a, numbers) and isinstance(b, numbers):
        return a, b
    if isinstance(a, str) and isinstance(b, str):
        return a, b
    if isinstance(a, datetime) or isinstance(b, datetime):
        raise GoTemplateError("invalid type for comparison")
    raise GoTemplateError("incompatible types for comparison")


class GoRuntime:
    """The functions a translated Go template calls (``_go.<name>`` in Jinja2)."""

    # -- values -------------------------------------------------------------------------

    def out(self, value: Any) -> str:
        return go_str(value)

    def html_str(self, value: Any) -> str:
        text = go_str(value)
        if isinstance(value, _SafeHTML):
            return text
        return (
            text.replace("&", "&amp;")
            .replace("'", "&#39;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&#34;")
            .replace("+", "&#43;")
            .replace("\0", "\ufffd")
        )

    def html_url(self, value: Any) -> str:
        """A URL in an HTML attribute, as Go's ``html/template`` writes it: schemes other
        than http, https and mailto are refused, the URL is normalised, then escaped."""
        text = go_str(value)
        scheme, colon, _ = text.partition(":")
        if colon and "/" not in scheme and scheme.lower() not in ("http", "https", "mailto"):
            return "#ZgotmplZ"
        normal = "".join(
            c if c.isascii() and (c.isalnum() or c in _URL_KEEP) else _percent(c) for c in text
        )
        return normal.replace("&", "&amp;").replace("+", "&#43;")

    def field(self, value: Any, name: str) -> Any:
        """``value.Name`` as Go's ``text/template`` resolves it."""
        if name.startswith("_"):
            raise GoFieldError(f"can't evaluate field {name}")
        if isinstance(value, KV):
            if name in _KV_METHODS:
                return getattr(value, name)()
            if name == "Remove":
                raise GoTemplateError("wrong number of args for Remove: want 1 got 0")
            return value.get(name, "")
        if isinstance(value, AlertList):
            if name in ("Firing", "Resolved"):
                return getattr(value, name.lower())
            raise GoFieldError(f"can't evaluate field {name} in type template.Alerts")
        if isinstance(value, TemplateData):
            data_key = GO_NAMES.get(name, name)
            if data_key in value:
                return value[data_key]
            raise GoFieldError(f"can't evaluate field {name} in type *template.Data")
        if isinstance(value, AlertData):
            key = GO_NAMES.get(name)
            if key is not None and hasattr(value, key):
                return getattr(value, key)
            raise GoFieldError(f"can't evaluate field {name} in type template.Alert")
        if isinstance(value, Pair):
            if name in ("Name", "Value"):
                return getattr(value, name)
            raise GoFieldError(f"can't evaluate field {name} in type template.Pair")
        if isinstance(value, list) and value and all(isinstance(p, Pair) for p in value):
            if name == "Names":
                return [p.Name for p in value]
            if name == "Values":
                return [p.Value for p in value]
        if isinstance(value, datetime):
            return self.call(value, name)
        if isinstance(value, Mapping):
            return value.get(name, "")
        if value is None:
            raise GoFieldError(f"nil pointer evaluating .{name}")
        raise GoFieldError(f"can't evaluate field {name}")

    def call(self, value: Any, name: str, *args: Any) -> Any:
        """``value.Method args…``: the methods Alertmanager's data has."""
        if isinstance(value, KV) and name == "Remove" and len(args) == 1:
            return value.Remove(args[0])
        if isinstance(value, datetime):
            utc = value.astimezone(UTC)
            if name == "Format" and len(args) == 1 and isinstance(args[0], str):
                return go_time_format(utc, args[0])
            simple: dict[str, Any] = {
                "Unix": lambda: int(utc.timestamp()),
                "UnixMilli": lambda: int(utc.timestamp() * 1000),
                "UTC": lambda: utc,
                "Local": lambda: utc,
                "Year": lambda: utc.year,
                "Day": lambda: utc.day,
                "Hour": lambda: utc.hour,
                "Minute": lambda: utc.minute,
                "Second": lambda: utc.second,
                "IsZero": lambda: utc.year == 1 and utc.month == 1 and utc.day == 1,
                "String": lambda: go_str(utc),
            }
            if name in simple and not args:
                return simple[name]()
        if not args:
            return self.field(value, name)
        raise GoTemplateError(f"can't call method {name} with {len(args)} arguments")

    def range(self, value: Any) -> Iterator[tuple[Any, Any]]:
        """Go's ``range``: index and element of a list, key and value of a map (sorted)."""
        if value is None:
            return iter(())
        if isinstance(value, Mapping):
            return iter([(k, value[k]) for k in sorted(value)])
        if isinstance(value, (list, tuple)):
            return iter(list(enumerate(value)))
        if isinstance(value, int) and not isinstance(value, bool):
            return iter([(i, i) for i in range(value)])
        raise GoTemplateError(f"range can't iterate over a {type(value).__name__}")

    # -- Go's builtin functions ---------------------------------------------------------

    def len(self, value: Any) -> int:
        if isinstance(value, str):
            return len(value.encode())
        try:
            return len(value)
        except TypeError:
            raise GoTemplateError(f"len of {type(value).__name__}") from None

    def index(self, value: Any, *keys: Any) -> Any:
        for key in keys:
            if isinstance(value, Mapping):
                value = value.get(key, "")
            elif isinstance(value, (list, tuple, str)) and isinstance(key, int):
                if not 0 <= key < len(value):
                    raise GoTemplateError(f"index out of range: {key}")
                value = value[key]
            else:
                raise GoTemplateError(f"can't index item of type {type(value).__name__}")
        return value

    def slice(self, value: Any, *bounds: int) -> Any:
        if len(bounds) > 2:
            raise GoTemplateError("too many slice indexes")
        return value[slice(*bounds)] if bounds else value

    def eq(self, first: Any, *others: Any) -> bool:
        if not others:
            raise GoTemplateError("missing argument for comparison")
        return any(first == other for other in others)

    def ne(self, a: Any, b: Any) -> bool:
        return bool(a != b)

    def lt(self, a: Any, b: Any) -> bool:
        x, y = _ordered(a, b)
        return bool(x < y)

    def le(self, a: Any, b: Any) -> bool:
        x, y = _ordered(a, b)
        return bool(x <= y)

    def gt(self, a: Any, b: Any) -> bool:
        x, y = _ordered(a, b)
        return bool(x > y)

    def ge(self, a: Any, b: Any) -> bool:
        x, y = _ordered(a, b)
        return bool(x >= y)

    def printf(self, fmt: str, *args: Any) -> str:
        return _printf(fmt, *args)

    def print(self, *args: Any) -> str:
        out = ""
        for i, value in enumerate(args):
            if i and not isinstance(value, str) and not isinstance(args[i - 1], str):
                out += " "
            out += go_str(value)
        return out

    def println(self, *args: Any) -> str:
        return " ".join(go_str(v) for v in args) + "\n"

    def html(self, *args: Any) -> str:
        text = self.print(*args)
        return (
            text.replace("&", "&amp;")
            .replace("'", "&#39;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&#34;")
            .replace("\0", "\ufffd")
        )

    def js(self, *args: Any) -> str:
        text = self.print(*args)
        table = {
            "\\": "\\\\",
            "'": "\\'",
            '"': "\\u0022",
            "<": "\\u003C",
            ">": "\\u003E",
            "&": "\\u0026",
            "=": "\\u003D",
            "\n": "\\n",
            "\r": "\\r",
            "\t": "\\t",
        }
        return "".join(table.get(c, c) for c in text)

    def urlquery(self, *args: Any) -> str:
        return urllib.parse.quote_plus(self.print(*args), safe="-_.~")

    def truth(self, value: Any) -> bool:
        return bool(value)

    # -- Alertmanager's functions -------------------------------------------------------

    def toUpper(self, text: str) -> str:
        return go_str(text).upper()

    def toLower(self, text: str) -> str:
        return go_str(text).lower()

    def title(self, text: str) -> str:
        return _title(go_str(text))

    def trimSpace(self, text: str) -> str:
        return go_str(text).strip(" \t\n\r\v\f\x85\xa0")

    def join(self, sep: str, items: Sequence[Any]) -> str:
        if isinstance(items, str) or not isinstance(items, (list, tuple)):
            raise GoTemplateError("join needs a list of strings")
        return sep.join(go_str(i) for i in items)

    def match(self, pattern: str, text: str) -> bool:
        return re.search(pattern, go_str(text)) is not None

    def safeHtml(self, text: str) -> _SafeHTML:
        return _SafeHTML(go_str(text))

    def reReplaceAll(self, pattern: str, repl: str, text: str) -> str:
        return re.sub(pattern, lambda m: _expand(repl, m), go_str(text))

    def stringSlice(self, *items: str) -> list[str]:
        return [go_str(i) for i in items]


_URL_KEEP = frozenset("!#$&*+,/:;=?@[]-._~%")


def _percent(char: str) -> str:
    return "".join(f"%{b:02X}" for b in char.encode())


class _SafeHTML(str):
    """Text that ``safeHtml`` marks as not to be escaped."""
