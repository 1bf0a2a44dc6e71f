"""``tls_config`` of ``http_config`` as an SSL context, as Prometheus' ``NewTLSConfig``.

``ca_file`` replaces the system roots; ``cert_file`` and ``key_file`` (both or neither) give
a client certificate; ``server_name`` is the name sent (SNI) and checked in the server's
certificate, whatever host is dialled; ``insecure_skip_verify`` checks nothing;
``min_version`` / ``max_version`` bound the protocol. Relative paths are taken from
``base_dir``.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from tocsin.config import TLSConfig

__all__ = ["tls_context"]

_TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}


class _TLSContext(ssl.SSLContext):
    """An SSL context that sends and checks ``server_name`` whatever host it dials (Go's
    ``tls.Config.ServerName``), through a proxy's ``CONNECT`` tunnel too, where httpx's
    ``sni_hostname`` does not reach."""

    server_name = ""

    def wrap_bio(
        self,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLObject:
        name = self.server_name or server_hostname
        return super().wrap_bio(incoming, outgoing, server_side, name, session)


def _path(name: str, base_dir: Path | None) -> str:
    path = Path(name)
    return str(path if path.is_absolute() or base_dir is None else base_dir / path)


def tls_context(
    tls: TLSConfig | None, base_dir: Path | None, *, server_name: bool = True
) -> ssl.SSLContext:
    """The client SSL context of a ``tls_config`` (``server_name`` off: for a proxy)."""
    tls = tls or TLSConfig()
    context = _TLSContext(ssl.PROTOCOL_TLS_CLIENT)
    if server_name:
        context.server_name = tls.server_name
    if tls.ca_file:
        try:
            context.load_verify_locations(cafile=_path(tls.ca_file, base_dir))
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"tls_config: unable to use specified CA cert {tls.ca_file}") from exc
    else:
        context.load_default_certs()
    if tls.cert_file and not tls.key_file:
        raise ValueError(f"tls_config: client cert file {tls.cert_file!r} without client key file")
    if tls.key_file and not tls.cert_file:
        raise ValueError(f"tls_config: client key file {tls.key_file!r} without client cert file")
    if tls.cert_file:
        try:
            context.load_cert_chain(_path(tls.cert_file, base_dir), _path(tls.key_file, base_dir))
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(
                f"tls_config: unable to load specified client cert ({tls.cert_file}) "
                f"& key ({tls.key_file})"
            ) from exc
    low = _TLS_VERSIONS.get(tls.min_version)
    high = _TLS_VERSIONS.get(tls.max_version)
    if low and high and high < low:
        raise ValueError(
            "tls_config.max_version must be greater than or equal to tls_config.min_version "
            "if both are specified"
        )
    if low:
        context.minimum_version = low
    if high:
        context.maximum_version = high
    if tls.insecure_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
