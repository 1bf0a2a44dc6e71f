"""``tocsin incidents`` and ``tocsin overrides``: incidents and on-call overrides of a
running server (``/api/tocsin/v1``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import orjson
import typer

from tocsin.cli._args import OutputFormat, OutputOption, UrlOption, parse_timestamp, wire_time
from tocsin.cli._client import DEFAULT_URL, Client, ClientError, Refused
from tocsin.cli._output import display_time, print_json, print_table

__all__ = ["IncidentClient", "incidents_app", "overrides_app"]

incidents_app = typer.Typer(
    help="Incidents: list, show, acknowledge and resolve.", no_args_is_help=True
)
overrides_app = typer.Typer(
    help="On-call overrides: someone takes a schedule's shifts for a while.",
    no_args_is_help=True,
)

_V1 = "/api/tocsin/v1"


class IncidentClient(Client):
    """The native API's incident and override routes; errors carry the server's message."""

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        body: object = None,
    ) -> httpx.Response:
        try:
            return super()._request(method, path, params=params, body=body)
        except Refused as exc:
            raise Refused(exc.status, _native_message(exc.message)) from None

    def _object(self, method: str, path: str, *, body: object = None, params: Any = ()) -> Any:
        data = self._json(path, self._request(method, path, params=params, body=body))
        if not isinstance(data, dict):
            raise self._unexpected(path, "not an object")
        return data

    def incidents(self, params: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """``GET /api/tocsin/v1/incidents``."""
        data = self._object("GET", f"{_V1}/incidents", params=params)
        if not isinstance(data.get("incidents"), list):
            raise self._unexpected(f"{_V1}/incidents", "no incident list")
        return list(data["incidents"])

    def incident(self, ref: str) -> dict[str, Any]:
        """``GET /api/tocsin/v1/incidents/{id}``: with alerts and timeline."""
        result: dict[str, Any] = self._object("GET", f"{_V1}/incidents/{_segment(ref)}")
        return result

    def incident_action(self, ref: str, action: str, by: str, comment: str) -> dict[str, Any]:
        """``POST /api/tocsin/v1/incidents/{id}/ack`` or ``…/resolve``."""
        body = {"by": by, "comment": comment}
        result: dict[str, Any] = self._object(
            "POST", f"{_V1}/incidents/{_segment(ref)}/{action}", body=body
        )
        return result

    def overrides(self) -> list[dict[str, Any]]:
        """``GET /api/tocsin/v1/overrides``."""
        data = self._object("GET", f"{_V1}/overrides")
        if not isinstance(data.get("overrides"), list):
            raise self._unexpected(f"{_V1}/overrides", "no override list")
        return list(data["overrides"])

    def add_override(self, schedule: str, user: str, start: str, end: str) -> dict[str, Any]:
        """``POST /api/tocsin/v1/overrides``."""
        body = {"schedule": schedule, "user": user, "start": start, "end": end}
        result: dict[str, Any] = self._object("POST", f"{_V1}/overrides", body=body)
        return result

    def delete_override(self, override_id: str) -> None:
        """``DELETE /api/tocsin/v1/overrides/{id}``."""
        self._request("DELETE", f"{_V1}/overrides/{_segment(override_id)}")


def _segment(text: str) -> str:
    return quote(text, safe="")


def _native_message(message: str) -> str:
    """The ``error`` of a native API answer (``{"error": "…"}``), else the message."""
    try:
        body = orjson.loads(message)
    except orjson.JSONDecodeError:
        return message
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return message


@contextmanager
def _connect(url: str) -> Iterator[IncidentClient]:
    try:
        with IncidentClient(url) as client:
            yield client
    except ClientError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


# -- incidents ---------------------------------------------------------------------------

StatusOption = Annotated[
    list[str] | None,
    typer.Option(
        "--status", "-s", help="Only these: triggered, acknowledged, resolved (repeatable)."
    ),
]
SeverityOption = Annotated[
    list[str] | None,
    typer.Option("--severity", help="Only these severities: P0, P1, P2, P3 (repeatable)."),
]
ByOption = Annotated[str, typer.Option("--by", help="Who does it (a user name).")]
CommentOption = Annotated[str, typer.Option("--comment", "-c", help="Why, for the timeline.")]
IdArgument = Annotated[str, typer.Argument(help="The incident's id or number.")]


@incidents_app.command("list")
def incidents_list(
    url: UrlOption = DEFAULT_URL,
    output: OutputOption = OutputFormat.TABLE,
    status: StatusOption = None,
    severity: SeverityOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many.")] = 50,
) -> None:
    """List incidents, newest first."""
    params = [("limit", str(limit))]
    params += [("status", s) for s in status or []]
    params += [("severity", s) for s in severity or []]
    with _connect(url) as client:
        items = client.incidents(params)
    if output is OutputFormat.JSON:
        print_json(items)
        return
    rows = [
        [
            f"#{i.get('number', '')}",
            str(i.get("id", "")),
            str(i.get("status", "")),
            str(i.get("severity", "")),
            str(i.get("title", "")),
            f"{i.get('alerts_firing', 0)}/{i.get('alerts_total', 0)}",
            display_time(i.get("opened_at")),
            _who(i),
        ]
        for i in items
    ]
    print_table(["No.", "ID", "Status", "Sev", "Title", "Firing", "Opened", "By"], rows)


def _who(incident: Mapping[str, Any]) -> str:
    if incident.get("status") == "resolved":
        return str(incident.get("resolved_by") or "")
    return str(incident.get("acknowledged_by") or "")


@incidents_app.command("show")
def incidents_show(
    ref: IdArgument,
    url: UrlOption = DEFAULT_URL,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Show an incident: its state, alerts and timeline."""
    with _connect(url) as client:
        incident = client.incident(ref)
    if output is OutputFormat.JSON:
        print_json(incident)
        return
    typer.echo(f"#{incident.get('number')} {incident.get('title')}  ({incident.get('id')})")
    typer.echo(
        f"status: {incident.get('status')}   severity: {incident.get('severity')}   "
        f"policy: {incident.get('policy') or '-'}"
    )
    typer.echo(f"opened: {display_time(incident.get('opened_at'))}")
    if incident.get("acknowledged_by"):
        typer.echo(
            f"acknowledged: {display_time(incident.get('acknowledged_at'))} "
            f"by {incident['acknowledged_by']}"
        )
    if incident.get("resolved_by"):
        typer.echo(
            f"resolved: {display_time(incident.get('resolved_at'))} by {incident['resolved_by']}"
        )
    typer.echo("")
    alerts = incident.get("alerts") or []
    print_table(
        ["Alert", "Status", "Labels", "First seen"],
        [
            [
                str(a.get("fingerprint", "")),
                str(a.get("status", "")),
                _pairs(a.get("labels") or {}),
                display_time(a.get("first_seen")),
            ]
            for a in alerts
        ],
    )
    typer.echo("")
    print_table(
        ["At", "Event", "By", "Detail"],
        [
            [
                display_time(e.get("at")),
                str(e.get("kind", "")).replace("_", " "),
                str(e.get("actor", "")),
                describe_event(str(e.get("kind", "")), e.get("detail") or {}),
            ]
            for e in incident.get("timeline") or []
        ],
    )


def _pairs(labels: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def describe_event(kind: str, detail: Mapping[str, Any]) -> str:
    """One line for a timeline event's detail."""
    d = dict(detail)
    if kind == "opened":
        return f"{d.get('title', '')} ({d.get('severity', '')}, policy {d.get('policy') or '-'})"
    if kind in ("alert_fired", "alert_resolved"):
        text = _pairs(d.get("labels") or {})
        if d.get("again"):
            text += " (again)"
        if d.get("severity"):
            text += f"; severity {d.get('was')} → {d['severity']}"
        return text.strip("; ")
    if kind == "escalated":
        return f"level {d.get('level')} step {d.get('step')}"
    if kind in ("paged", "page_failed"):
        text = f"{d.get('user', '')} via {d.get('contact', '')}: {d.get('outcome', '')}"
        return text + (f" ({d['error']})" if d.get("error") else "")
    if kind == "ack_expired":
        return f"acknowledgement by {d.get('acknowledged_by') or '?'} expired"
    if kind in ("acknowledged", "resolved", "comment"):
        parts = [str(d["comment"])] if d.get("comment") else []
        if d.get("renewed"):
            parts.append("(renewed)")
        return " ".join(parts)
    return _pairs(d)


def _act(url: str, ref: str, action: str, by: str, comment: str) -> None:
    with _connect(url) as client:
        incident = client.incident_action(ref, action, by, comment)
    typer.echo(
        f"incident #{incident.get('number')} {incident.get('status')}: {incident.get('title')}"
    )


@incidents_app.command("ack")
def incidents_ack(
    ref: IdArgument,
    by: ByOption,
    comment: CommentOption = "",
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Acknowledge an incident: escalation stops until the acknowledgement expires."""
    _act(url, ref, "ack", by, comment)


@incidents_app.command("resolve")
def incidents_resolve(
    ref: IdArgument,
    by: ByOption,
    comment: CommentOption = "",
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Resolve an incident, whatever its alerts do."""
    _act(url, ref, "resolve", by, comment)


# -- overrides ---------------------------------------------------------------------------


@overrides_app.command("add")
def overrides_add(
    schedule: Annotated[str, typer.Option("--schedule", help="The schedule.")],
    user: Annotated[str, typer.Option("--user", help="Who takes the shifts.")],
    start: Annotated[str, typer.Option("--from", help="Start, RFC 3339.")],
    end: Annotated[str, typer.Option("--to", help="End, RFC 3339.")],
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Add an override: USER is on call for SCHEDULE from --from to --to."""
    begins = parse_timestamp(start, param="--from")
    ends = parse_timestamp(end, param="--to")
    if ends <= begins:
        raise typer.BadParameter("must be after --from", param_hint="--to")
    with _connect(url) as client:
        made = client.add_override(schedule, user, wire_time(begins), wire_time(ends))
    typer.echo(str(made.get("id", "")))


@overrides_app.command("list")
def overrides_list(
    url: UrlOption = DEFAULT_URL,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """List overrides, soonest first."""
    with _connect(url) as client:
        items = client.overrides()
    if output is OutputFormat.JSON:
        print_json(items)
        return
    rows = [
        [
            str(o.get("id", "")),
            str(o.get("schedule", "")),
            str(o.get("user", "")),
            display_time(o.get("start")),
            display_time(o.get("end")),
            str(o.get("source", "")),
        ]
        for o in items
    ]
    print_table(["ID", "Schedule", "User", "From", "To", "Source"], rows)


@overrides_app.command("delete")
def overrides_delete(
    override_id: Annotated[str, typer.Argument(metavar="ID", help="The override's id.")],
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Delete an override made through the API."""
    with _connect(url) as client:
        client.delete_override(override_id)
    typer.echo(f"deleted override {override_id}")
