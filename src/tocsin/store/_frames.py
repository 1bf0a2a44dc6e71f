"""Length-prefixed frames between the server and its writer process.

Requests: ``!IQ`` (payload length, request id) then the payload, ``orjson([op, args])``.
Replies: ``!I`` (payload length) then ``orjson([[id, ok, result_or_error], …])``, one reply
per committed batch.
"""

from __future__ import annotations

import os
import select
import struct

__all__ = ["REPLY_HEADER", "REQUEST_HEADER", "FrameReader", "write_all"]

REQUEST_HEADER = struct.Struct("!IQ")
REPLY_HEADER = struct.Struct("!I")
_READ_SIZE = 1 << 20


def write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    """Write every byte to ``fd`` (blocking)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class FrameReader:
    """Reads frames of one header layout from a blocking file descriptor."""

    def __init__(self, fd: int, header: struct.Struct) -> None:
        self._fd = fd
        self._header = header
        self._buf = bytearray()
        self.eof = False

    def _fill(self, *, block: bool) -> bool:
        if not block:
            ready, _, _ = select.select([self._fd], [], [], 0)
            if not ready:
                return False
        chunk = os.read(self._fd, _READ_SIZE)
        if not chunk:
            self.eof = True
            return False
        self._buf += chunk
        return True

    def _pop(self) -> tuple[tuple[int, ...], bytes] | None:
        size = self._header.size
        if len(self._buf) < size:
            return None
        fields = self._header.unpack_from(self._buf)
        end = size + fields[0]
        if len(self._buf) < end:
            return None
        payload = bytes(self._buf[size:end])
        del self._buf[:end]
        return fields, payload

    def read_available(self, limit: int = 1 << 30) -> list[tuple[tuple[int, ...], bytes]]:
        """Every complete frame available now, without waiting (maybe none)."""
        frames: list[tuple[tuple[int, ...], bytes]] = []
        while len(frames) < limit:
            frame = self._pop()
            if frame is not None:
                frames.append(frame)
                continue
            if self.eof or not self._fill(block=False):
                break
        return frames

    def read(self, limit: int = 1 << 30) -> list[tuple[tuple[int, ...], bytes]]:
        """At least one frame (blocking), plus every complete frame already available.

        Returns an empty list at end of file.
        """
        while True:
            frame = self._pop()
            if frame is not None:
                return [frame, *self.read_available(limit - 1)]
            if not self._fill(block=True):
                return []
