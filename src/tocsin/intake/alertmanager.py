"""``POST /api/v2/alerts``: Alertmanager's wire format into alerts, validated as it does.

Alertmanager checks a request in three phases, and so does this module:

1. decoding: the body must be a JSON array of objects with the right value types, and
   timestamps must parse; any failure rejects the whole request with 400;
2. schema: an alert without ``labels`` or with a ``generatorURL`` that is not a URI rejects
   the whole request with 422, naming the first such alert by index;
3. semantics: each alert gets its start and end filled in and is validated on its own; the
   valid alerts are kept even when others fail, and the failures are joined into one 400.

The hot path builds one ``Alert`` per posted alert and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from tocsin.model import Alert, fingerprint, is_valid_label_name
from tocsin.model.times import TimeFormatError, parse_time

__all__ = [
    "IntakeBatch",
    "IntakeRejected",
    "decode_postable_alerts",
    "go_json_error",
    "go_type",
]

# Label values repeat across alerts (job, severity, team, env…): sharing one string per
# value saves a few hundred bytes per stored alert. Bounded, so hostile input cannot grow it.
_VALUES: dict[str, str] = {}
_VALUES_MAX = 200_000
# What Go's url.ParseRequestURI accepts, roughly: an absolute URI or an absolute path, with
# no white space or control characters.
_URI_RE = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+.\-]*:|/)[^\s\x00-\x1f\x7f]*")
# How Go names the struct a posted alert is first decoded into.
_GO_ALERT = (
    'struct { Annotations models.LabelSet "json:\\"annotations,omitempty\\""; '
    'EndsAt strfmt.DateTime "json:\\"endsAt,omitempty\\""; '
    'StartsAt strfmt.DateTime "json:\\"startsAt,omitempty\\"" }'
)
_GO_TYPES = {dict: "object", list: "array", str: "string", bool: "bool", type(None): "null"}


class IntakeRejected(Exception):
    """The whole request is refused; ``body`` is the JSON answer Alertmanager gives."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    @property
    def body(self) -> bytes:
        return orjson.dumps({"code": self.code, "message": self.message})


@dataclass(slots=True)
class IntakeBatch:
    """The valid alerts of a request and the messages for the invalid ones."""

    alerts: list[Alert]
    errors: list[str]

    @property
    def error_message(self) -> str:
        return "; ".join(self.errors)


def go_type(value: object) -> str:
    """How Go's JSON decoder names a value's type in its errors."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    return _GO_TYPES.get(type(value), "value")


def go_json_error(exc: orjson.JSONDecodeError) -> str:
    """Go's wording for the JSON syntax errors clients meet most (truncated bodies)."""
    if "end of data" in exc.msg or exc.pos >= len(exc.doc.rstrip()):
        return "unexpected EOF"
    return str(exc)


def _decode_error(message: str) -> IntakeRejected:
    return IntakeRejected(400, 400, f'parsing alerts body from "" failed, because {message}')


def _check_string_map(value: object, field: str) -> dict[str, str] | None:
    """``field`` as Go names it in its messages: ``Alert.labels`` or ``.annotations``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _decode_error(
            f"json: cannot unmarshal {go_type(value)} into Go struct field {field} "
            "of type models.LabelSet"
        )
    for item in value.values():
        if not isinstance(item, str):
            raise _decode_error(
                f"json: cannot unmarshal {go_type(item)} into Go struct field "
                f"{field} of type string"
            )
    return value


def _check_time(value: object, field: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _decode_error(
            f"json: cannot unmarshal {go_type(value)} into Go struct field .{field} of type string"
        )
    try:
        return parse_time(value)
    except TimeFormatError as exc:
        raise _decode_error(str(exc)) from exc


def _invalid_name(mapping: dict[str, str]) -> str | None:
    for name in mapping:
        if not is_valid_label_name(name):
            return name
    return None


def decode_postable_alerts(body: bytes, now: float, resolve_timeout: float) -> IntakeBatch:
    """Decode and validate a request body; raises ``IntakeRejected`` for a whole refusal."""
    if not body.strip():
        raise IntakeRejected(422, 602, "alerts in body is required")
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _decode_error(go_json_error(exc)) from exc
    if items is None:
        return IntakeBatch([], [])
    if not isinstance(items, list):
        raise _decode_error(
            f"json: cannot unmarshal {go_type(items)} into Go value of type models.PostableAlerts"
        )

    # Phase 1: types and timestamps, for the whole request.
    decoded: list[
        tuple[dict[str, str] | None, dict[str, str] | None, float | None, float | None, object]
    ] = []
    for item in items:
        if not isinstance(item, dict):
            raise _decode_error(
                f"json: cannot unmarshal {go_type(item)} into Go value of type {_GO_ALERT}"
            )
        labels = _check_string_map(item.get("labels"), "Alert.labels")
        annotations = _check_string_map(item.get("annotations"), ".annotations")
        starts_at = _check_time(item.get("startsAt"), "startsAt")
        ends_at = _check_time(item.get("endsAt"), "endsAt")
        generator_url = item.get("generatorURL")
        if generator_url is not None and not isinstance(generator_url, str):
            raise _decode_error(
                f"json: cannot unmarshal {go_type(generator_url)} into Go struct field "
                "PostableAlert.generatorURL of type strfmt.URI"
            )
        decoded.append((labels, annotations, starts_at, ends_at, generator_url))

    # Phase 2: the schema, first failure only.
    for index, (labels, _, _, _, generator_url) in enumerate(decoded):
        if generator_url and not _URI_RE.fullmatch(str(generator_url)):
            raise IntakeRejected(
                422, 601, f'{index}.generatorURL in body must be of type uri: "{generator_url}"'
            )
        if labels is None:
            raise IntakeRejected(422, 602, f"{index}.labels in body is required")

    # Phase 3: each alert on its own.
    alerts: list[Alert] = []
    errors: list[str] = []
    deadline = now + resolve_timeout
    for labels, annotations, starts_at, ends_at, generator_url in decoded:
        assert labels is not None
        if starts_at is None:
            starts_at = now if ends_at is None else ends_at
        timeout = ends_at is None
        if ends_at is None:
            ends_at = deadline
        if ends_at < starts_at:
            errors.append("start time must be before end time")
            continue
        if "" in labels.values():
            labels = {k: v for k, v in labels.items() if v}
        bad = _invalid_name(labels)
        if bad is not None:
            errors.append(f'invalid label set: invalid name "{bad}"')
            continue
        if not labels:
            errors.append("at least one label pair required")
            continue
        annotations = annotations or {}
        bad = _invalid_name(annotations)
        if bad is not None:
            errors.append(f'invalid annotations: invalid name "{bad}"')
            continue
        if len(_VALUES) < _VALUES_MAX:
            labels = {k: _VALUES.setdefault(v, v) for k, v in labels.items()}
        alerts.append(
            Alert(
                fingerprint=fingerprint(labels),
                labels=labels,
                annotations=annotations,
                starts_at=starts_at,
                ends_at=ends_at,
                updated_at=now,
                generator_url=str(generator_url or ""),
                timeout=timeout,
            )
        )
    return IntakeBatch(alerts, errors)
