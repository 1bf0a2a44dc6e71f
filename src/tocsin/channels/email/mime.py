"""The bytes of one e-mail, as Alertmanager 0.25 writes them, and the addresses it goes to.

    From: …  To: …  Subject: …  (every configured header, RFC 2047 Q-encoded when needed)
    Date: Tue, 15 Jan 2027 08:00:00 +0000
    Message-Id: <digest-of-the-idempotency-key@sender-domain>
    Content-Type: multipart/alternative; boundary="…"
    MIME-Version: 1.0

    --boundary   text/plain; charset=UTF-8, quoted-printable    (when ``text`` is set)
    --boundary   text/html; charset=UTF-8, quoted-printable     (when ``html`` is set)

Lines end with CRLF. ``Message-Id`` is derived from the delivery's idempotency key, so a
repeat of the same delivery carries the same id and mail clients can fold the two.
"""

from __future__ import annotations

import email.utils
import hashlib
import quopri
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

__all__ = [
    "AddressError",
    "compose",
    "message_id",
    "parse_address_list",
    "q_encode",
]

# RFC 2047: an encoded word is at most 75 characters.
_MAX_WORD = 75
_PREFIX = "=?utf-8?q?"
_SUFFIX = "?="


class AddressError(ValueError):
    """An address (list) that cannot be parsed."""


def parse_address_list(text: str) -> list[str]:
    """The bare addresses of an RFC 5322 address list (``"Ops <ops@x.org>, b@x.org"``),
    as Go's ``mail.ParseAddressList``; :class:`AddressError` when any entry is not an
    address."""
    if not text.strip():
        raise AddressError("no address")
    addresses: list[str] = []
    for name, address in email.utils.getaddresses([text]):
        if not address:
            raise AddressError(f"no address in {name or text!r}")
        local, at, domain = address.rpartition("@")
        if not at or not local or not domain or any(c.isspace() for c in address):
            raise AddressError(f"invalid address {address!r}")
        addresses.append(address)
    if not addresses:
        raise AddressError("no address")
    return addresses


def _q_char(byte: int) -> str:
    if byte == 0x20:
        return "_"
    if 0x21 <= byte <= 0x7E and byte not in b"=?_":
        return chr(byte)
    return f"={byte:02X}"


def q_encode(value: str) -> str:
    """``value`` as it may stand in a header: as is when it is printable ASCII, else as
    RFC 2047 Q-encoded UTF-8 words (Go's ``mime.QEncoding.Encode``). Line breaks never
    survive raw, so a rendered value cannot add a header."""
    if all(" " <= c <= "~" or c == "\t" for c in value):
        return value
    words: list[str] = []
    current = ""
    room = _MAX_WORD - len(_PREFIX) - len(_SUFFIX)
    for char in value:
        encoded = "".join(_q_char(b) for b in char.encode("utf-8"))
        if current and len(current) + len(encoded) > room:
            words.append(_PREFIX + current + _SUFFIX)
            current = ""
        current += encoded
    if current:
        words.append(_PREFIX + current + _SUFFIX)
    return " ".join(words)


def message_id(idempotency_key: str, sender: str) -> str:
    """``<digest@domain>``: the same for every attempt of one delivery; the domain is the
    sender's (``localhost`` when it has none)."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    domain = sender.rpartition("@")[2] or "localhost"
    domain = "".join(c for c in domain if c.isalnum() or c in ".-") or "localhost"
    return f"<{digest}@{domain}>"


def _quoted_printable(text: str) -> bytes:
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    encoded = quopri.encodestring(lines.encode("utf-8"))
    return encoded.replace(b"\n", b"\r\n")


def _part(content_type: str, body: str) -> bytes:
    return (
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        + f"Content-Type: {content_type}; charset=UTF-8\r\n\r\n".encode("ascii")
        + _quoted_printable(body)
    )


def compose(
    headers: Sequence[tuple[str, str]] | Mapping[str, str],
    *,
    text: str | None,
    html: str | None,
    now: float,
    message_id: str,
    boundary: str | None = None,
) -> bytes:
    """The message: ``headers`` (rendered values), then ``Date`` (from ``now``),
    ``Message-Id``, the multipart ``Content-Type`` and ``MIME-Version``; the ``text``
    part, then the ``html`` part, each left out when None. A ``Date`` or ``Message-Id``
    among ``headers`` replaces tocsin's."""
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    boundary = boundary or secrets.token_hex(12)
    given = {name.lower() for name, _ in pairs}
    lines = [f"{name}: {q_encode(value)}" for name, value in pairs]
    if "date" not in given:
        lines.append(f"Date: {email.utils.format_datetime(datetime.fromtimestamp(now, UTC))}")
    if "message-id" not in given:
        lines.append(f"Message-Id: {message_id}")
    lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    lines.append("MIME-Version: 1.0")
    out = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    parts = []
    if text is not None:
        parts.append(_part("text/plain", text))
    if html is not None:
        parts.append(_part("text/html", html))
    delimiter = f"--{boundary}\r\n".encode("ascii")
    for part in parts:
        out += delimiter + part + b"\r\n"
    return out + f"--{boundary}--\r\n".encode("ascii")
