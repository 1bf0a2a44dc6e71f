"""Which proxy a request goes through, decided as Prometheus' HTTP client decides it.

- ``proxy_url`` alone: every request goes through it, 127.0.0.1 included (Go's
  ``http.ProxyURL``).
- ``proxy_url`` with ``no_proxy``, or ``proxy_from_environment`` (``HTTP_PROXY``,
  ``HTTPS_PROXY`` and ``NO_PROXY``, upper case first, then lower case): the rules of Go's
  ``x/net/http/httpproxy``. ``localhost`` and loopback addresses are never proxied.
  ``no_proxy`` is a comma-separated list of ``*`` (nothing is proxied), IP addresses, CIDR
  ranges and domain names, each optionally with ``:port``; ``example.com`` matches that
  host and its subdomains, ``.example.com`` and ``*.example.com`` only the subdomains.
- An environment proxy written without a scheme is taken as ``http://``.

Messages name the option, never the proxy URL (it may carry a password).
"""

from __future__ import annotations

import importlib.util
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

__all__ = ["NoProxy", "ProxyPlan", "plan_proxies"]

_IP = ipaddress.IPv4Address | ipaddress.IPv6Address
_Net = ipaddress.IPv4Network | ipaddress.IPv6Network
_SCHEMES = ("http", "https", "socks5", "socks5h")


def _parse_ip(text: str) -> _IP | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _split_host_port(entry: str) -> tuple[str, str] | None:
    """Go's ``net.SplitHostPort``, or None where it fails."""
    if entry.startswith("["):
        end = entry.find("]")
        if end > 0 and entry[end + 1 : end + 2] == ":":
            return entry[1:end], entry[end + 2 :]
        return None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, port
    return None


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


class NoProxy:
    """A parsed ``no_proxy`` list; :meth:`exempts` says whether a host goes direct."""

    def __init__(self, spec: str) -> None:
        self._all = False
        self._nets: list[_Net] = []
        self._ips: list[tuple[_IP, str]] = []
        self._domains: list[tuple[str, str, bool]] = []  # (".suffix", port, match host too)
        for raw in spec.split(","):
            entry = raw.strip().lower()
            if not entry:
                continue
            if entry == "*":
                self._all = True
                return
            if "/" in entry:
                try:
                    self._nets.append(ipaddress.ip_network(entry, strict=False))
                    continue
                except ValueError:
                    pass
            host, port = _split_host_port(entry) or (entry, "")
            if not host:
                continue
            ip = _parse_ip(host)
            if ip is not None:
                self._ips.append((ip, port))
                continue
            if host.startswith("*."):
                host = host[1:]
            match_host = not host.startswith(".")
            if match_host:
                host = "." + host
            self._domains.append((_idna(host), port, match_host))

    def exempts(self, host: str, port: str) -> bool:
        """Whether a request to ``host:port`` goes direct (``host`` lower case, IDNA)."""
        if host == "localhost":
            return True
        ip = _parse_ip(host)
        if ip is not None and ip.is_loopback:
            return True
        if self._all:
            return True
        if ip is not None:
            if any(ip in net for net in self._nets):
                return True
            if any(ip == other and port in ("", want) for other, want in self._ips):
                return True
        for suffix, want, match_host in self._domains:
            matches = host.endswith(suffix) or (match_host and host == suffix[1:])
            if matches and want in ("", port):
                return True
        return False


@dataclass(frozen=True, slots=True)
class ProxyPlan:
    """The proxy for ``http://`` targets, the one for ``https://`` targets, and the
    exemptions (``None``: none at all, not even loopback)."""

    http: httpx.URL | None
    https: httpx.URL | None
    no_proxy: NoProxy | None

    def proxy_for(self, url: httpx.URL) -> httpx.URL | None:
        """The proxy a request to ``url`` goes through, or None to go direct."""
        proxy = {"http": self.http, "https": self.https}.get(url.scheme)
        if proxy is None or self.no_proxy is None:
            return proxy
        host = url.raw_host.decode("ascii").lower()
        port = str(url.port or (443 if url.scheme == "https" else 80))
        return None if self.no_proxy.exempts(host, port) else proxy


def _proxy_url(text: str, option: str, *, default_scheme: bool = False) -> httpx.URL:
    if default_scheme and "://" not in text:
        text = "http://" + text
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        raise ValueError(f"{option}: the proxy URL cannot be parsed") from None
    if url.scheme not in _SCHEMES:
        raise ValueError(
            f"{option}: unsupported proxy scheme {url.scheme!r} (use http, https or socks5)"
        )
    if not url.host:
        raise ValueError(f"{option}: the proxy URL has no host")
    if url.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ValueError(
            f"{option}: a socks5 proxy needs the Python package socksio, which is not installed"
        )
    return url


def _getenv(environ: Mapping[str, str], name: str) -> str:
    return environ.get(name) or environ.get(name.lower()) or ""


def plan_proxies(
    *,
    proxy_url: str,
    no_proxy: str,
    from_environment: bool,
    environ: Mapping[str, str],
) -> ProxyPlan | None:
    """The proxy plan of an ``http_config``, or None when every request goes direct.

    Raises ``ValueError`` for combinations Prometheus refuses and proxies tocsin cannot use.
    """
    if from_environment:
        if proxy_url:
            raise ValueError(
                "if proxy_from_environment is configured, proxy_url must not be configured"
            )
        if no_proxy:
            raise ValueError(
                "if proxy_from_environment is configured, no_proxy must not be configured"
            )
        found = {}
        for name in ("HTTP_PROXY", "HTTPS_PROXY"):
            value = _getenv(environ, name)
            option = f"proxy_from_environment ({name})"
            found[name] = _proxy_url(value, option, default_scheme=True) if value else None
        if found["HTTP_PROXY"] is None and found["HTTPS_PROXY"] is None:
            return None
        exemptions = NoProxy(_getenv(environ, "NO_PROXY"))
        return ProxyPlan(found["HTTP_PROXY"], found["HTTPS_PROXY"], exemptions)
    if no_proxy and not proxy_url:
        raise ValueError("if no_proxy is configured, proxy_url must also be configured")
    if not proxy_url:
        return None
    url = _proxy_url(proxy_url, "proxy_url")
    return ProxyPlan(url, url, NoProxy(no_proxy) if no_proxy else None)
