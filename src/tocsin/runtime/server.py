"""Running the server: configuration, store, HTTP, background work, signals.

Start-up order: load the configuration (refuse to start when it is invalid), open and lock
the store (migrations run here), start listening (``/-/healthy`` answers at once), load the
stored alerts in a thread, then report ready. SIGHUP and ``POST /-/reload`` reload the
configuration; SIGTERM and SIGINT stop gracefully: requests in flight finish, queued writes
are committed, and the store is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import signal
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from tocsin import __version__
from tocsin.api import ApiContext, ConfigView, Metrics, create_app
from tocsin.config import (
    Config,
    ConfigError,
    Team,
    User,
    alertmanager_yaml,
    load_config,
    redacted_dict,
)
from tocsin.model import Clock
from tocsin.oncall import Override as OncallOverride
from tocsin.oncall import Roster
from tocsin.pipeline import Silencer, build_inhibition_rules, build_routes
from tocsin.runtime.dispatch import Dispatcher, DispatchOptions
from tocsin.runtime.incidents import IncidentManager, ManagerHooks
from tocsin.runtime.people import StorePeople
from tocsin.store import (
    AlertStore,
    Database,
    DatabaseOptions,
    DispatchStore,
    IncidentStore,
    SilenceStore,
    sqlite_url_for,
)

__all__ = ["ListenError", "ServeOptions", "Server", "config_view"]

log = logging.getLogger("tocsin")


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """``tocsin serve`` flags."""

    config_path: Path
    host: str = "127.0.0.1"
    port: int = 9093
    data_dir: Path = Path("data")
    database_url: str | None = None
    external_url: str | None = None
    allow_unsupported_receivers: bool = False
    retention: float = 120 * 3600.0
    refresh_interval: float = 10.0
    sqlite_synchronous: str = "NORMAL"

    @property
    def url(self) -> str:
        return self.database_url or sqlite_url_for(self.data_dir)


def config_view(config: Config) -> ConfigView:
    """What the API shows of a loaded configuration."""
    routes = build_routes(config.route)
    return ConfigView(
        resolve_timeout=config.global_.resolve_timeout.seconds,
        receiver_names=[r.name for r in config.receivers],
        alertmanager_yaml=alertmanager_yaml(config),
        redacted=redacted_dict(config),
        receivers_for=routes.receivers,
        inhibition_rules=build_inhibition_rules(config.inhibit_rules),
    )


class ListenError(Exception):
    """The listening address cannot be taken."""


class Server:
    """One tocsin server process."""

    def __init__(self, options: ServeOptions, clock: Clock) -> None:
        self.options = options
        self.clock = clock
        self.metrics = Metrics()
        self._reload_lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._db: Database | None = None
        self._socket: socket.socket | None = None
        self._uvicorn: uvicorn.Server | None = None
        self.dispatcher: Dispatcher | None = None
        self._dispatch_task: asyncio.Task[None] | None = None
        self.incidents: IncidentManager | None = None
        self.people: StorePeople | None = None
        self._incident_task: asyncio.Task[None] | None = None
        self.config = self._load_config()
        self._note_config_loaded(self.config)
        external = options.external_url or f"http://{options.host}:{options.port}"
        self.external_url = external
        self.ctx = ApiContext(
            clock=clock,
            metrics=self.metrics,
            config=config_view(self.config),
            reload=self.reload,
            version=__version__,
            started_at=clock.now(),
            external_url=external,
            store_backend="sqlite",
        )
        self.roster = Roster.from_config(self.config)
        self.ctx.extra["roster"] = lambda: self.roster

    def _load_config(self) -> Config:
        return load_config(
            self.options.config_path,
            allow_unsupported_receivers=self.options.allow_unsupported_receivers,
        )

    def _note_config_loaded(self, config: Config) -> None:
        digest = hashlib.sha256(config.source_text.encode()).digest()
        self.metrics.config_hash.set(int.from_bytes(digest[:6], "big"))
        self.metrics.config_last_reload_successful.set(1)
        self.metrics.config_last_reload_success_timestamp.set(self.clock.now())
        for receiver, integration in config.unsupported_integrations:
            log.warning(
                "receiver %r uses %s, which tocsin cannot send: its flushes will be logged "
                "and counted as failed",
                receiver,
                integration,
            )

    async def reload(self) -> None:
        """Load the configuration file again; on error keep the old one and raise."""
        async with self._reload_lock:
            try:
                config = await asyncio.to_thread(self._load_config)
                await self._check_api_names(config)
                view = await asyncio.to_thread(config_view, config)
            except ConfigError as exc:
                self.metrics.config_last_reload_successful.set(0)
                log.error("configuration reload failed, keeping the old one:\n%s", exc)
                raise
            self.config = config
            self.ctx.config = view
            self.roster = Roster.from_config(config)
            if self.people is not None:
                self.people.config = _config_people(config)
                await self._rebuild_roster()
            if self.incidents is not None:
                self.incidents.reload(config)
            if self.dispatcher is not None:
                self.dispatcher.reload(config)
            self._note_config_loaded(config)
            log.info("configuration reloaded from %s", self.options.config_path)

    def open_store(self) -> Database:
        """Open and lock the database (raises ``StoreError``)."""
        db = Database.open(
            DatabaseOptions(self.options.url, sqlite_synchronous=self.options.sqlite_synchronous)
        )
        db.writer.on_batch = self.metrics.store_commits.observe
        self.ctx.store_backend = db.dialect
        self._db = db
        return db

    async def _load_state(self, db: Database) -> None:
        store = AlertStore(db)
        silences = SilenceStore(db)
        now = self.clock.now()
        count = await asyncio.to_thread(store.load, now, self.ctx.config.resolve_timeout)
        silence_count = await asyncio.to_thread(silences.load)
        # What is loaded lives as long as the server: keep the cyclic collector off it, and
        # let it run less often, since the intake path creates no reference cycles.
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        silencer = Silencer(silences)
        dispatcher = Dispatcher(
            self.config,
            clock=self.clock,
            metrics=self.metrics,
            store=DispatchStore(db),
            alerts=store,
            silencer=silencer,
            options=DispatchOptions(external_url=self.external_url),
        )
        await dispatcher.restore()
        self.dispatcher = dispatcher
        self.ctx.alerts = store
        self.ctx.silences = silences
        self.ctx.silencer = silencer
        self.ctx.on_alerts = dispatcher.on_alerts
        self.ctx.groups = lambda: dispatcher.table
        self.ctx.delivery_log = dispatcher.store.delivery_log
        self._dispatch_task = asyncio.create_task(dispatcher.run())
        await self._start_incidents(db, dispatcher)
        self.ctx.ready = True
        log.info("ready: %d stored alerts and %d silences loaded", count, silence_count)

    async def _check_api_names(self, config: Config) -> None:
        """A reload may not introduce a user or team whose name the API owns (the API's
        object would silently lose): ``ConfigError`` at the name in the file."""
        if self.people is None:
            return
        store = self.people.store
        issues = []
        for kind, section, names in (
            ("user", "users", [u.name for u in config.users]),
            ("team", "teams", [t.name for t in config.teams]),
        ):
            owned = {r["name"] for r in await asyncio.to_thread(store.people, kind)}
            for i, name in enumerate(names):
                if name in owned:
                    issues.append(
                        config.issue(
                            f"{kind} {name!r} was made through the API; delete it there "
                            "first or choose another name",
                            section,
                            i,
                            "name",
                        )
                    )
        if issues:
            raise ConfigError(issues)

    async def _start_incidents(self, db: Database, dispatcher: Dispatcher) -> None:
        """Incidents, escalation and the people registry, wired to the dispatcher."""
        store = IncidentStore(db)
        people = StorePeople(
            store,
            self.clock,
            schedules=[s.name for s in self.config.schedules],
        )
        people.config = _config_people(self.config)
        people.on_change = self._rebuild_roster
        self.people = people
        hooks = ManagerHooks(
            page=dispatcher.page,
            contact_types=lambda: set(dispatcher.setup.people),
            receiver_kinds=lambda name: [
                (i.kind, i.index) for i in dispatcher.setup.integrations.get(name, [])
            ],
            alert_of=dispatcher.alerts.get,
        )
        manager = IncidentManager(
            self.config,
            clock=self.clock,
            metrics=self.metrics,
            store=store,
            roster=lambda: self.roster,
            hooks=hooks,
            external_url=self.external_url,
        )
        manager.holds_lease = lambda: dispatcher.holds_lease
        await manager.start()
        await self._rebuild_roster()
        dispatcher.on_flushed = manager.on_flushed
        dispatcher.on_page = manager.on_page
        self.incidents = manager
        self.ctx.extra.update(
            incidents=manager,
            people=people,
            ack_signer=manager.signer,
            ack_handler=manager.ack_link,
            describe_incident=manager.describe,
        )
        self._incident_task = asyncio.create_task(manager.run())

    async def _rebuild_roster(self) -> None:
        """The configuration's roster with the users, teams and overrides of the API."""
        base = Roster.from_config(self.config)
        if self.people is None:
            self.roster = base
            return
        store = self.people.store
        users = await asyncio.to_thread(store.people, "user")
        teams = await asyncio.to_thread(store.people, "team")
        overrides = await asyncio.to_thread(store.people, "override")
        try:
            roster = base.with_people(
                [_user_from_api(r["body"]) for r in users],
                [Team.model_validate(r["body"]) for r in teams],
            )
            roster = roster.with_overrides(
                OncallOverride(
                    o["body"]["schedule"],
                    o["body"]["user"],
                    float(o["body"]["start"]),
                    float(o["body"]["end"]),
                    o["name"],
                )
                for o in overrides
            )
        except Exception:  # an API object the configuration now contradicts
            log.exception("people made through the API could not be added to the roster")
            roster = base
        self.roster = roster

    async def _housekeeping(self) -> None:
        """Store batched ``endsAt`` refreshes, forget long-resolved alerts and long-expired
        silences, and delete superseded alert versions."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.options.refresh_interval)
            store = self.ctx.alerts
            if store is None:
                continue
            # Objects that survived until now live long (alerts, groups): keep the cyclic
            # collector's full passes from walking them again and again. Whatever is
            # cyclic garbage is collected first, so nothing that is garbage is frozen.
            gc.collect()
            gc.freeze()
            now = self.clock.now()
            try:
                # Stored ends that stay after the next sign of life need no write yet.
                written = await store.flush_refreshes(
                    now, horizon=3 * self.options.refresh_interval
                )
                self.metrics.alerts_refresh_rows.inc(written)
                await store.collect(now, self.options.retention)
                await store.compact()
                if self.ctx.silences is not None:
                    await self.ctx.silences.collect(now, self.options.retention)
                if self.dispatcher is not None:
                    await self.dispatcher.store.prune_delivery_log(now - self.options.retention)
            except Exception:
                self.metrics.store_errors.inc()
                log.exception("housekeeping failed; will try again")

    async def _sync_replicas(self) -> None:
        """PostgreSQL: take in the alerts and silences other servers accepted, every second."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 1.0)
            store, silences = self.ctx.alerts, self.ctx.silences
            if store is None or silences is None or self.dispatcher is None:
                continue
            try:
                at = time.monotonic()
                rows = await asyncio.to_thread(store.read_newer, at)
                changed = store.apply_newer(rows, at)
                if changed:
                    self.dispatcher.on_alerts(changed, (), self.clock.now())
                silences.apply_stored(await asyncio.to_thread(silences.read_stored))
            except Exception:
                self.metrics.store_errors.inc()
                log.exception("reading what other servers stored failed; will try again")

    def bind(self) -> socket.socket:
        """Take the listening socket (raises ``ListenError``), before anything else starts."""
        host, port = self.options.host, self.options.port
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(2048)
        except OSError as exc:
            sock.close()
            raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        sock.setblocking(False)
        self._socket = sock
        return sock

    async def serve(self) -> None:
        """Serve until SIGTERM or SIGINT."""
        sock = self._socket or self.bind()
        db = self._db or self.open_store()
        app = create_app(self.ctx)
        config = uvicorn.Config(
            app,
            host=self.options.host,
            port=self.options.port,
            loop="none",
            http="httptools",
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=10,
        )
        server = uvicorn.Server(config)
        web = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not web.done():
            await asyncio.sleep(0.01)
        if web.done():
            db.close()
            await web
            raise ListenError("the HTTP server stopped during start-up")
        loop = asyncio.get_running_loop()
        self._uvicorn = server
        loop.add_signal_handler(signal.SIGTERM, self.stop)
        loop.add_signal_handler(signal.SIGINT, self.stop)
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(self._sighup()))
        log.info(
            "tocsin %s listening on http://%s:%d (store: %s)",
            __version__,
            self.options.host,
            self.options.port,
            db.dialect,
        )
        housekeeping = asyncio.create_task(self._housekeeping())
        replicas = asyncio.create_task(
            self._sync_replicas() if db.dialect == "postgresql" else asyncio.sleep(0)
        )
        try:
            await self._load_state(db)
            await web
        finally:
            self._stopping.set()
            if self.incidents is not None and self._incident_task is not None:
                self.incidents.stop()
                with contextlib.suppress(Exception):
                    await self._incident_task
            if self.dispatcher is not None and self._dispatch_task is not None:
                self.dispatcher.stop()
                with contextlib.suppress(Exception):
                    await self._dispatch_task
            await housekeeping
            await replicas
            if self.ctx.alerts is not None:
                with contextlib.suppress(Exception):
                    await self.ctx.alerts.flush_refreshes(self.clock.now())
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            db.close()
            log.info("stopped")

    def stop(self) -> None:
        """Begin a graceful shutdown (what SIGTERM and SIGINT do)."""
        log.info("shutting down")
        self._stopping.set()
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True

    async def _sighup(self) -> None:
        with contextlib.suppress(ConfigError):
            await self.reload()


def _config_people(config: Config) -> dict[Any, dict[str, Mapping[str, Any]]]:
    """The configuration's users and teams as the people API shows them."""
    return {
        "user": {u.name: u.model_dump(mode="json", exclude_defaults=True) for u in config.users},
        "team": {t.name: t.model_dump(mode="json", exclude_defaults=True) for t in config.teams},
    }


def _user_from_api(body: Mapping[str, Any]) -> User:
    """A user made through the API as the configuration's model: a contact method without
    an address takes the user's own e-mail, phone or Slack id."""
    data = {k: v for k, v in body.items() if v not in ("", None, [])}
    own = {
        "email": body.get("email", ""),
        "sms": body.get("phone", ""),
        "voice": body.get("phone", ""),
        "slack": body.get("slack_user_id", ""),
    }
    methods = []
    for method in body.get("contact_methods", []) or []:
        filled = dict(method)
        if not filled.get("address"):
            filled["address"] = own.get(str(filled.get("type")), "")
        methods.append({k: v for k, v in filled.items() if v})
    if methods:
        data["contact_methods"] = methods
    return User.model_validate(data)
