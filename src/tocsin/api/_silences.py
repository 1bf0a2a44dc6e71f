"""``/api/v2/silences`` and ``/api/v2/silence/{id}``, answered as Alertmanager 0.25 does.

A posted silence is checked in Alertmanager's phases: decoding (400, nothing stored), the
schema (422: ``comment``, ``createdBy``, ``endsAt``, ``matchers`` — at least one, each with
``isRegex``, ``name``, ``value`` — and ``startsAt`` required, in that order), then the
handler's checks (400: start not before end, end in the past, invalid matchers, matchers
that all match the empty string; 404: an unknown ``id``). Deliberate difference: deleting
an unknown silence answers 404 (Alertmanager: 500).
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tocsin.api._alerts import bad_media_type, not_ready
from tocsin.api._responses import json_response, swagger_error, text_error
from tocsin.api.context import ApiContext
from tocsin.intake.alertmanager import go_json_error, go_type
from tocsin.model import (
    LABEL_NAME_RE,
    Matcher,
    MatcherError,
    MatchType,
    Silence,
    SilenceState,
    matchers_match_empty,
    new_matcher,
    parse_matcher,
)
from tocsin.model._re2 import Re2Error, translate_re2
from tocsin.model.times import TimeFormatError, format_millis, parse_time
from tocsin.store import SilenceNotFound, StoreError

__all__ = ["delete_silence", "get_silence", "get_silences", "gettable_silence", "post_silences"]

_UUID_RE = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
# How Go names the struct a posted silence is first decoded into.
_GO_SILENCE = 'struct { ID string "json:\\"id,omitempty\\"" }'


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _decode_error(message: str) -> _Refused:
    return _Refused(
        swagger_error(400, 400, f'parsing silence body from "" failed, because {message}')
    )


def _expect(value: object, kind: type, field: str) -> None:
    if value is not None and not isinstance(value, kind):
        go = {str: "string", bool: "bool", list: "[]*models.Matcher"}[kind]
        raise _decode_error(
            f"json: cannot unmarshal {go_type(value)} into Go struct field {field} of type {go}"
        )


def _decode(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise _required(602, "silence in body is required")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _decode_error(go_json_error(exc)) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _decode_error(
            f"json: cannot unmarshal {go_type(data)} into Go value of type {_GO_SILENCE}"
        )
    for field in ("id", "comment", "createdBy"):
        _expect(data.get(field), str, f"PostableSilence.{field}")
    _expect(data.get("matchers"), list, "Silence.matchers")
    for item in data.get("matchers") or []:
        if item is not None and not isinstance(item, dict):
            raise _decode_error(
                f"json: cannot unmarshal {go_type(item)} into Go struct field "
                "Silence.matchers of type models.Matcher"
            )
        for key, kind in (("name", str), ("value", str), ("isRegex", bool), ("isEqual", bool)):
            _expect((item or {}).get(key), kind, f"Matcher.matchers.{key}")
    for field in ("startsAt", "endsAt"):
        value = data.get(field)
        _expect(value, str, f"Silence.{field}")
        if isinstance(value, str):
            try:
                data[field] = parse_time(value)
            except TimeFormatError as exc:
                raise _decode_error(str(exc)) from exc
    return data


def _required(code: int, message: str) -> _Refused:
    return _Refused(swagger_error(422, code, message))


def _check_schema(data: dict[str, Any]) -> None:
    for field in ("comment", "createdBy", "endsAt"):
        if data.get(field) is None:
            raise _required(602, f"{field} in body is required")
    matchers = data.get("matchers")
    if matchers is None:
        raise _required(602, "matchers in body is required")
    if not matchers:
        raise _required(612, "matchers in body should have at least 1 items")
    for index, item in enumerate(matchers):
        for key in ("isRegex", "name", "value"):
            if (item or {}).get(key) is None:
                raise _required(602, f"matchers.{index}.{key} in body is required")
    if data.get("startsAt") is None:
        raise _required(602, "startsAt in body is required")


def _matchers(items: list[dict[str, Any]]) -> tuple[Matcher, ...]:
    out = []
    for index, item in enumerate(items):
        name, value = item["name"], item["value"]
        is_regex, is_equal = item["isRegex"], item.get("isEqual", True) is not False
        if not LABEL_NAME_RE.fullmatch(name):
            raise _Refused(
                text_error(
                    400,
                    f'silence invalid: invalid label matcher {index}: invalid label name "{name}"',
                )
            )
        if is_regex:
            try:
                translate_re2(value)
            except Re2Error as exc:
                raise _Refused(
                    text_error(
                        400,
                        f"silence invalid: invalid label matcher {index}: invalid regular "
                        f'expression "{value}": {exc}',
                    )
                ) from None
            kind = MatchType.REGEX if is_equal else MatchType.NOT_REGEX
        else:
            kind = MatchType.EQUAL if is_equal else MatchType.NOT_EQUAL
        try:
            out.append(new_matcher(name, kind, value))
        except MatcherError as exc:
            raise _Refused(
                text_error(400, f"silence invalid: invalid label matcher {index}: {exc}")
            ) from None
    return tuple(out)


def gettable_silence(silence: Silence, now: float) -> dict[str, Any]:
    """A silence as Alertmanager's API lists it (same keys, same order)."""
    return {
        "id": silence.id,
        "status": {"state": silence.state(now).value},
        "updatedAt": format_millis(silence.updated_at),
        "comment": silence.comment,
        "createdBy": silence.created_by,
        "endsAt": format_millis(silence.ends_at),
        "matchers": [
            {
                "isEqual": m.type in (MatchType.EQUAL, MatchType.REGEX),
                "isRegex": m.type in (MatchType.REGEX, MatchType.NOT_REGEX),
                "name": m.name,
                "value": m.value,
            }
            for m in silence.matchers
        ],
        "startsAt": format_millis(silence.starts_at),
    }


async def post_silences(request: Request, ctx: ApiContext) -> Response:
    """Create a silence, or update one (``id``): 200 ``{"silenceID": …}`` once committed."""
    if not ctx.ready or ctx.silences is None:
        return not_ready()
    media = bad_media_type(request.headers.get("content-type", ""))
    if media is not None:
        return swagger_error(
            415, 415, f'unsupported media type "{media}", only [application/json] are allowed'
        )
    now = ctx.clock.now()
    try:
        data = _decode(await request.body())
        _check_schema(data)
        starts_at, ends_at = data["startsAt"], data["endsAt"]
        if starts_at is None or ends_at is None or starts_at >= ends_at:
            return text_error(400, "Failed to create silence: start time must be before end time")
        if ends_at < now:
            return text_error(400, "Failed to create silence: end time can't be in the past")
        silence_id = data.get("id") or ""
        if silence_id and ctx.silences.get(silence_id) is None:
            return text_error(404, "silence not found")
        matchers = _matchers(data["matchers"])
    except _Refused as refused:
        return refused.response
    if matchers_match_empty(matchers):
        return text_error(
            400, "silence invalid: at least one matcher must not match the empty string"
        )
    posted = Silence(
        silence_id, matchers, starts_at, ends_at, now, data["createdBy"], data["comment"]
    )
    try:
        stored = await ctx.silences.set(posted, now)
    except SilenceNotFound:
        return text_error(404, "silence not found")
    except StoreError as exc:
        return text_error(500, f"failed to store the silence: {exc}")
    return json_response({"silenceID": stored.id})


async def get_silences(request: Request, ctx: ApiContext) -> Response:
    """Silences having an identical matcher for every ``filter``; active, pending, expired."""
    if not ctx.ready or ctx.silences is None:
        return not_ready()
    try:
        filters = [parse_matcher(text) for text in request.query_params.getlist("filter")]
    except MatcherError as exc:
        return text_error(400, str(exc))
    now = ctx.clock.now()
    chosen = [s for s in ctx.silences.all() if all(s.has_matcher(f) for f in filters)]

    def order(silence: Silence) -> tuple[int, float]:
        state = silence.state(now)
        if state is SilenceState.ACTIVE:
            return 0, silence.ends_at
        if state is SilenceState.PENDING:
            return 1, silence.starts_at
        return 2, -silence.ends_at

    chosen.sort(key=order)
    return json_response([gettable_silence(s, now) for s in chosen])


def _path_id(request: Request) -> str | Response:
    silence_id = str(request.path_params["silence_id"])
    if not _UUID_RE.fullmatch(silence_id):
        return swagger_error(422, 601, f'silenceID in path must be of type uuid: "{silence_id}"')
    return silence_id


async def get_silence(request: Request, ctx: ApiContext) -> Response:
    if not ctx.ready or ctx.silences is None:
        return not_ready()
    silence_id = _path_id(request)
    if isinstance(silence_id, Response):
        return silence_id
    silence = ctx.silences.get(silence_id)
    if silence is None:
        return Response(b"", status_code=404)
    return json_response(gettable_silence(silence, ctx.clock.now()))


async def delete_silence(request: Request, ctx: ApiContext) -> Response:
    """Expire a silence; an expired one stays as it is (200); an unknown id is 404."""
    if not ctx.ready or ctx.silences is None:
        return not_ready()
    silence_id = _path_id(request)
    if isinstance(silence_id, Response):
        return silence_id
    try:
        await ctx.silences.expire(silence_id, ctx.clock.now())
    except SilenceNotFound:
        return text_error(404, "silence not found")
    except StoreError as exc:
        return text_error(500, f"failed to expire the silence: {exc}")
    return Response(b"", status_code=200)
