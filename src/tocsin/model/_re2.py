"""Go RE2 regular expressions translated to Python's ``re``, with Go's error messages.

Alertmanager's regexes are RE2: no backreferences or lookarounds, ASCII ``\\d \\s \\w \\b``,
``$`` at the very end only, flags that may appear mid-pattern, ``\\Q…\\E``, POSIX classes.
:func:`translate_re2` parses an expression the way Go does and writes the Python pattern
that matches the same strings, or raises :class:`Re2Error` with the message Go gives.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

__all__ = ["Re2Error", "translate_re2"]


class Re2Error(ValueError):
    """An expression RE2 rejects; the message is Go's."""


# --- Go RE2 syntax -> Python `re` ------------------------------------------------------
#
# The translator parses the anchored expression "^(?:" + value + ")$" as Go's
# regexp/syntax does (Perl flags), so that errors carry Go's text, and emits an equivalent
# Python pattern: captures become non-capturing groups (names are irrelevant for matching
# and RE2 allows duplicates), `$` outside (?m) becomes \Z (Python's `$` also matches before
# a final newline), \d \s \w \b are ASCII as in RE2, inline flags become scoped groups, the
# (?U) flag swaps greediness, and {,n} or an unparsable {…} is a literal brace.

_F_I, _F_M, _F_S, _F_U = 1, 2, 4, 8
_MAX_REPEAT = 1000
_MAX_RUNE = 0x10FFFF
_NO_ATOM, _ATOM, _REPEAT = 0, 1, 2

Ranges = list[tuple[int, int]]

_WORD: Ranges = [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]
_PERL_CLASSES: dict[str, Ranges] = {
    "d": [(0x30, 0x39)],
    "s": [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)],
    "w": _WORD,
}
_POSIX_CLASSES: dict[str, Ranges] = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)],
    "blank": [(0x09, 0x09), (0x20, 0x20)],
    "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)],
    "lower": [(0x61, 0x7A)],
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)],
    "word": _WORD,
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}
_GO_CATEGORIES = frozenset(
    {
        *("C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me"),
        *("Mn", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps"),
        *("S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs"),
    }
)
_W = "[0-9A-Za-z_]"
_WORD_BOUNDARY = f"(?-i:(?<={_W})(?!{_W})|(?<!{_W})(?={_W}))"
_NOT_WORD_BOUNDARY = f"(?-i:(?<={_W})(?={_W})|(?<!{_W})(?!{_W}))"


def _go_error(code: str, expr: str) -> Re2Error:
    return Re2Error(f"error parsing regexp: {code}: `{expr}`")


@cache
def _unicode_category(name: str) -> tuple[tuple[int, int], ...]:
    """Code point ranges of a Unicode general category (one or two letters), as Go's."""
    ranges: Ranges = []
    for cp in range(_MAX_RUNE + 1):
        cat = unicodedata.category(chr(cp))
        if cat == "Cn" or not cat.startswith(name):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return tuple(ranges)


def _complement(ranges: Ranges) -> Ranges:
    out: Ranges = []
    nxt = 0
    for lo, hi in sorted(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= _MAX_RUNE:
        out.append((nxt, _MAX_RUNE))
    return out


_EXTRA_FOLDS = {0x4B: 0x212A, 0x6B: 0x212A, 0x53: 0x17F, 0x73: 0x17F, 0xC5: 0x212B, 0xE5: 0x212B}


def _fold_closure(ranges: Ranges) -> Ranges:
    """Add the case variants of small classes, as Go folds a class before negating it."""
    if sum(hi - lo + 1 for lo, hi in ranges) > 4096:
        return ranges  # large Unicode classes are (nearly) closed under case folding
    out = list(ranges)
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            for variant in (ch.lower(), ch.upper()):
                if len(variant) == 1:
                    out.append((ord(variant), ord(variant)))
            extra = _EXTRA_FOLDS.get(cp)
            if extra is not None:
                out.append((extra, extra))
    return out


def _class_char(cp: int) -> str:
    ch = chr(cp)
    if ch.isascii() and ch.isalnum():
        return ch
    if cp <= 0xFF:
        return f"\\x{cp:02x}"
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _class_text(ranges: Ranges, negated: bool) -> str:
    if not ranges:  # an empty class matches nothing; its negation everything
        return f"[{'' if negated else '^'}\\x00-\\U{_MAX_RUNE:08x}]"
    body = "".join(
        _class_char(lo) if lo == hi else f"{_class_char(lo)}-{_class_char(hi)}" for lo, hi in ranges
    )
    return f"[{'^' if negated else ''}{body}]"


def _scope(flags: int) -> str:
    on = "".join(c for c, f in (("i", _F_I), ("m", _F_M), ("s", _F_S)) if flags & f)
    off = "".join(c for c, f in (("i", _F_I), ("m", _F_M), ("s", _F_S)) if not flags & f)
    return f"(?{on}-{off}:" if off else f"(?{on}:"


_PY_FLAGS = _F_I | _F_M | _F_S


@dataclass(slots=True)
class _Frame:
    """One open group of the expression being translated."""

    opener: str  # the Python text that opens this group
    saved: int  # flags to restore when the group closes
    base: int  # flags in effect at the start of the group's content
    parts: list[str] = field(default_factory=list)
    scopes: int = 0  # scoped-flag groups opened inside, closed at `|` and `)`
    prev: int = _NO_ATOM
    after_flags: bool = False
    last_repeat_start: int = 0
    last_atom: int = -1
    last_is_assertion: bool = False
    last_weight: int = 1
    weight: int = 1


class _Re2Translator:
    """Translate one Go RE2 expression to Python ``re`` syntax, with Go's errors."""

    def __init__(self, expr: str) -> None:
        self.s = expr
        self.flags = 0
        self.stack = [_Frame(opener="", saved=0, base=0)]

    # -- output helpers --------------------------------------------------------------------

    def _atom(self, text: str, *, assertion: bool = False, weight: int = 1) -> None:
        frame = self.stack[-1]
        frame.parts.append(text)
        frame.last_atom = len(frame.parts) - 1
        frame.last_is_assertion = assertion
        frame.last_weight = weight
        frame.weight = max(frame.weight, weight)
        frame.prev = _ATOM
        frame.after_flags = False

    def _literal(self, cp: int) -> None:
        self._atom(re.escape(chr(cp)))

    # -- the parse loop --------------------------------------------------------------------

    def translate(self) -> str:
        s = self.s
        i = 0
        n = len(s)
        while i < n:
            c = s[i]
            if c == "(":
                i = self._open_group(i)
            elif c == "|":
                self._alternate()
                i += 1
            elif c == ")":
                self._close_group()
                i += 1
            elif c == "^":
                self._atom("^" if self.flags & _F_M else "\\A", assertion=True)
                i += 1
            elif c == "$":
                self._atom("$" if self.flags & _F_M else "\\Z", assertion=True)
                i += 1
            elif c == ".":
                self._atom(".")
                i += 1
            elif c == "[":
                i = self._char_class(i)
            elif c in "*+?":
                i = self._repeat(i, i + 1, c)
            elif c == "{":
                parsed = self._parse_braces(i)
                if parsed is None:
                    self._literal(ord("{"))
                    i += 1
                else:
                    lo, hi, after = parsed
                    if lo < 0 or lo > _MAX_REPEAT or hi > _MAX_REPEAT or (0 <= hi < lo):
                        raise _go_error("invalid repeat count", s[i:after])
                    i = self._repeat(i, after, "{", lo, hi)
            elif c == "\\":
                i = self._backslash(i)
            else:
                self._literal(ord(c))
                i += 1
        if len(self.stack) != 1:
            raise _go_error("missing closing )", s)
        root = self.stack[0]
        return "".join(root.parts) + ")" * root.scopes

    # -- groups and flags ------------------------------------------------------------------

    def _push(self, i_after: int, flags: int) -> int:
        opener = _scope(flags) if (flags ^ self.flags) & _PY_FLAGS else "(?:"
        self.stack.append(_Frame(opener=opener, saved=self.flags, base=flags))
        self.flags = flags
        return i_after

    def _open_group(self, i: int) -> int:
        s = self.s
        if not s.startswith("(?", i):
            return self._push(i + 1, self.flags)
        if s.startswith("(?P<", i) and len(s) - i > 4:
            end = s.find(">", i)
            if end < 0:
                raise _go_error("invalid named capture", s[i:])
            name = s[i + 4 : end]
            if not name or not all(ch == "_" or (ch.isascii() and ch.isalnum()) for ch in name):
                raise _go_error("invalid named capture", s[i : end + 1])
            return self._push(end + 1, self.flags)
        flags = self.flags
        sign = 1
        saw_flag = False
        j = i + 2
        while j < len(s):
            c = s[j]
            j += 1
            bit = {"i": _F_I, "m": _F_M, "s": _F_S, "U": _F_U}.get(c)
            if bit is not None:
                flags = flags | bit if sign > 0 else flags & ~bit
                saw_flag = True
            elif c == "-":
                if sign < 0:
                    break
                sign = -1
                saw_flag = False
            elif c in ":)":
                if sign < 0 and not saw_flag:
                    break
                if c == ":":
                    return self._push(j, flags)
                self._set_flags(flags)
                return j
            else:
                break
        raise _go_error("invalid or unsupported Perl syntax", s[i:j])

    def _set_flags(self, flags: int) -> None:
        """An inline ``(?flags)``: applies to the rest of the current group."""
        frame = self.stack[-1]
        if (flags ^ self.flags) & _PY_FLAGS:
            frame.parts.append(_scope(flags))
            frame.scopes += 1
        self.flags = flags
        frame.after_flags = True

    def _alternate(self) -> None:
        frame = self.stack[-1]
        frame.parts.append(")" * frame.scopes + "|")
        frame.scopes = 0
        if (self.flags ^ frame.base) & _PY_FLAGS:
            frame.parts.append(_scope(self.flags))
            frame.scopes = 1
        frame.prev = _NO_ATOM
        frame.after_flags = False

    def _close_group(self) -> None:
        if len(self.stack) < 2:
            raise _go_error("unexpected )", self.s)
        frame = self.stack.pop()
        self.flags = frame.saved
        text = frame.opener + "".join(frame.parts) + ")" * frame.scopes + ")"
        self._atom(text, weight=frame.weight)

    # -- repetition ------------------------------------------------------------------------

    def _parse_int(self, i: int) -> tuple[int, int] | None:
        s = self.s
        j = i
        while j < len(s) and "0" <= s[j] <= "9":
            j += 1
        if j == i or (s[i] == "0" and j - i > 1):
            return None  # no digits, or a leading zero
        digits = s[i:j]
        return (int(digits) if len(digits) <= 8 else -1), j

    def _parse_braces(self, i: int) -> tuple[int, int, int] | None:
        """``{n}``, ``{n,}`` or ``{n,m}`` at ``i``: (min, max or -1, index after)."""
        s = self.s
        first = self._parse_int(i + 1)
        if first is None:
            return None
        lo, j = first
        if j >= len(s):
            return None
        if s[j] != ",":
            hi = lo
        else:
            j += 1
            if j >= len(s):
                return None
            if s[j] == "}":
                hi = -1
            else:
                second = self._parse_int(j)
                if second is None:
                    return None
                hi, j = second
                if hi < 0:
                    lo = -1
        if j >= len(s) or s[j] != "}":
            return None
        return lo, hi, j + 1

    def _repeat(self, start: int, after: int, op: str, lo: int = 0, hi: int = 0) -> int:
        s = self.s
        frame = self.stack[-1]
        lazy = bool(self.flags & _F_U)
        if after < len(s) and s[after] == "?":
            after += 1
            lazy = not lazy
        # An inline (?flags) between two repetitions makes them legal: Go repeats the
        # repetition, `a*(?i)*` is `(?:a*)*`.
        rerepeat = frame.prev == _REPEAT and frame.after_flags
        if frame.prev == _REPEAT and not rerepeat:
            raise _go_error(
                "invalid nested repetition operator", s[frame.last_repeat_start : after]
            )
        if frame.prev == _NO_ATOM:
            raise _go_error("missing argument to repetition operator", s[start:after])
        weight = frame.last_weight
        if op == "{":
            count = hi if hi >= 0 else lo
            if hi != 0 and count > 0:
                if (lo >= 2 or hi >= 2) and weight > _MAX_REPEAT // count:
                    raise _go_error("invalid repeat count", s[start : after - lazy])
                weight *= count
            elif hi == 0:
                weight = 1
            quant = f"{{{lo}}}" if lo == hi else f"{{{lo},{hi if hi >= 0 else ''}}}"
        else:
            quant = op
        if frame.last_is_assertion or rerepeat:
            frame.parts[frame.last_atom] = f"(?:{frame.parts[frame.last_atom]})"
        frame.parts[frame.last_atom] += quant + ("?" if lazy else "")
        frame.last_weight = weight
        frame.weight = max(frame.weight, weight)
        frame.prev = _REPEAT
        frame.after_flags = False
        frame.last_repeat_start = start
        return after

    # -- escapes ---------------------------------------------------------------------------

    def _backslash(self, i: int) -> int:
        s = self.s
        nxt = s[i + 1] if i + 1 < len(s) else ""
        if nxt == "A":
            self._atom("\\A", assertion=True)
            return i + 2
        if nxt == "z":
            self._atom("\\Z", assertion=True)
            return i + 2
        if nxt == "b":
            self._atom(_WORD_BOUNDARY, assertion=True)
            return i + 2
        if nxt == "B":
            self._atom(_NOT_WORD_BOUNDARY, assertion=True)
            return i + 2
        if nxt == "C":
            raise _go_error("invalid escape sequence", s[i : i + 2])
        if nxt == "Q":
            end = s.find("\\E", i + 2)
            literal = s[i + 2 :] if end < 0 else s[i + 2 : end]
            for ch in literal:
                self._literal(ord(ch))
            return len(s) if end < 0 else end + 2
        unicode_class = self._unicode_class(i)
        if unicode_class is not None:
            ranges, negated, after = unicode_class
            self._atom(_class_text(ranges, negated))
            return after
        if nxt.lower() in _PERL_CLASSES:
            self._atom(_class_text(_PERL_CLASSES[nxt.lower()], negated=nxt.isupper()))
            return i + 2
        cp, after = self._escape(i)
        self._literal(cp)
        return after

    def _escape(self, i: int) -> tuple[int, int]:
        """A single-character escape at ``i`` (a backslash): (code point, index after)."""
        s = self.s
        if i + 1 >= len(s):
            raise _go_error("trailing backslash at end of expression", "")
        c = s[i + 1]
        j = i + 2
        if c < "\x80" and not c.isalnum():
            return ord(c), j
        if "1" <= c <= "7" and not (j < len(s) and "0" <= s[j] <= "7"):
            raise _go_error("invalid escape sequence", s[i:j])  # a backreference
        if "0" <= c <= "7":
            value = ord(c) - 48
            for _ in range(2):
                if j < len(s) and "0" <= s[j] <= "7":
                    value = value * 8 + ord(s[j]) - 48
                    j += 1
            return value, j
        if c == "x" and j < len(s):
            return self._hex_escape(i, j)
        simple = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}.get(c)
        if simple is not None:
            return simple, j
        raise _go_error("invalid escape sequence", s[i:j])

    def _hex_escape(self, i: int, j: int) -> tuple[int, int]:
        s = self.s
        if s[j] == "{":
            k = j + 1
            value = 0
            while k < len(s) and s[k] != "}":
                digit = int(s[k], 16) if s[k] in "0123456789abcdefABCDEF" else -1
                k += 1
                if digit < 0 or value * 16 + digit > _MAX_RUNE:
                    raise _go_error("invalid escape sequence", s[i:k])
                value = value * 16 + digit
            if k >= len(s) or k == j + 1:
                raise _go_error("invalid escape sequence", s[i : min(k + 1, len(s))])
            return value, k + 1
        pair = s[j : j + 2]
        end = min(j + 2, len(s))
        if len(pair) < 2 or not all(ch in "0123456789abcdefABCDEF" for ch in pair):
            raise _go_error("invalid escape sequence", s[i:end])
        return int(pair, 16), end

    def _unicode_class(self, i: int) -> tuple[Ranges, bool, int] | None:
        """``\\pN``, ``\\p{Name}``, ``\\PN``, ``\\p{^Name}`` at ``i``, or None."""
        s = self.s
        if i + 2 >= len(s) or s[i + 1] not in "pP":
            return None
        negated = s[i + 1] == "P"
        if s[i + 2] != "{":
            seq, name, after = s[i : i + 3], s[i + 2], i + 3
        else:
            end = s.find("}", i)
            if end < 0:
                raise _go_error("invalid character class range", s[i:])
            seq, name, after = s[i : end + 1], s[i + 3 : end], end + 1
        if name.startswith("^"):
            negated = not negated
            name = name[1:]
        if name == "Any":
            ranges: Ranges = [(0, _MAX_RUNE)]
        elif name in _GO_CATEGORIES:
            ranges = list(_unicode_category(name))
        else:  # Go also knows script names (Greek, Han, …), which Python's re does not
            raise _go_error("invalid character class range", seq)
        return ranges, negated, after

    # -- character classes -----------------------------------------------------------------

    def _char_class(self, i: int) -> int:
        s = self.s
        whole = s[i:]
        j = i + 1
        negated = False
        if j < len(s) and s[j] == "^":
            negated = True
            j += 1
        ranges: Ranges = []
        first = True
        while j >= len(s) or s[j] != "]" or first:
            first = False
            if s.startswith("[:", j):
                end = s.find(":]", j + 2)
                if end >= 0:
                    name = s[j : end + 2]
                    inner = name[2:-2]
                    group = _POSIX_CLASSES.get(inner.removeprefix("^"))
                    if group is None:
                        raise _go_error("invalid character class range", name)
                    ranges.extend(self._negate(group) if inner.startswith("^") else group)
                    j = end + 2
                    continue
            if s.startswith("\\", j):
                unicode_class = self._unicode_class(j)
                if unicode_class is not None:
                    found, neg, j = unicode_class
                    ranges.extend(self._negate(found) if neg else found)
                    continue
                nxt = s[j + 1 : j + 2]
                if nxt and nxt.lower() in _PERL_CLASSES:
                    group = _PERL_CLASSES[nxt.lower()]
                    ranges.extend(self._negate(group) if nxt.isupper() else group)
                    j += 2
                    continue
            start = j
            lo, j = self._class_char(j, whole)
            hi = lo
            if j + 1 < len(s) and s[j] == "-" and s[j + 1] != "]":
                hi, j = self._class_char(j + 1, whole)
                if hi < lo:
                    raise _go_error("invalid character class range", s[start:j])
            ranges.append((lo, hi))
        self._atom(_class_text(sorted(ranges), negated))
        return j + 1

    def _negate(self, ranges: Ranges) -> Ranges:
        """A negated group inside a class; under (?i) Go folds the group first."""
        return _complement(_fold_closure(ranges) if self.flags & _F_I else ranges)

    def _class_char(self, j: int, whole: str) -> tuple[int, int]:
        s = self.s
        if j >= len(s):
            raise _go_error("missing closing ]", whole)
        if s[j] == "\\":
            return self._escape(j)
        return ord(s[j]), j + 1


def translate_re2(expr: str) -> str:
    """The Python pattern equivalent to the RE2 expression ``expr``."""
    return _Re2Translator(expr).translate()
