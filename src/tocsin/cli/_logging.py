"""Log lines in logfmt, as Prometheus' tools write them: ``ts=… level=… msg=…``."""

from __future__ import annotations

import logging
import sys
import time

__all__ = ["setup_logging"]


class _LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        ms = int(record.msecs)
        msg = record.getMessage()
        if record.exc_info:
            msg = f"{msg}\n{self.formatException(record.exc_info)}"
        quoted = msg.replace("\\", "\\\\").replace('"', '\\"')
        return (
            f"ts={ts}.{ms:03d}Z level={record.levelname.lower()} "
            f'logger={record.name} msg="{quoted}"'
        )


def setup_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogfmtFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per notification sent
