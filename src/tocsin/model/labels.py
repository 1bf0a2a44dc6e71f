"""Label sets and their fingerprints, computed exactly as Alertmanager computes them.

A fingerprint is FNV-1a 64 over the label names in sorted order, each name and each value
followed by a 0xff byte, printed as 16 lower-case hex digits. The empty label set hashes to
the FNV offset basis.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fnv_c import fnv1a_64

__all__ = [
    "LABEL_NAME_RE",
    "Labels",
    "fingerprint",
    "fingerprint_int",
    "is_valid_label_name",
]

Labels = Mapping[str, str]
"""A label set: names to non-empty values."""

LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


_KNOWN_VALID: set[str] = set()
_KNOWN_VALID_MAX = 65536


def is_valid_label_name(name: str) -> bool:
    """Whether ``name`` is a valid Prometheus label name."""
    if name in _KNOWN_VALID:
        return True
    if LABEL_NAME_RE.fullmatch(name) is None:
        return False
    if len(_KNOWN_VALID) < _KNOWN_VALID_MAX:
        _KNOWN_VALID.add(name)
    return True


def fingerprint_int(labels: Labels) -> int:
    """The 64-bit fingerprint of a label set, as an integer."""
    if not labels:
        return int(fnv1a_64(b""))
    parts: list[str] = []
    for name in sorted(labels):
        parts.append(name)
        parts.append(labels[name])
    parts.append("")
    text = "\xff".join(parts)
    if "".join(parts).isascii():
        # ASCII text with U+00FF separators is the exact byte string in Latin-1.
        return int(fnv1a_64(text.encode("latin-1")))
    return int(fnv1a_64(b"\xff".join(p.encode() for p in parts)))


def fingerprint(labels: Labels) -> str:
    """The fingerprint of a label set as Alertmanager prints it (16 hex digits)."""
    return f"{fingerprint_int(labels):016x}"
