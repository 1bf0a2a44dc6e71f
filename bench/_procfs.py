"""Memory and CPU of a process tree, read from /proc (Linux only)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "TreeStats",
    "descendants",
    "live_group_members",
    "machine_cpu_seconds",
    "tree_stats",
]

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (field 3 onwards), or None if gone."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) is in parentheses and may contain spaces or parentheses.
    return raw[raw.rindex(")") + 2 :].split()


def descendants(root: int) -> list[int]:
    """``root`` and every live process below it, by parent PID."""
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def live_group_members(pgid: int) -> list[int]:
    """The processes of process group ``pgid`` that are not zombies."""
    members: list[int] = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        # After the command name: state=0 ppid=1 pgrp=2.
        if fields is not None and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def _status_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB, zeros when the process is gone or is a zombie."""
    rss = hwm = 0
    try:
        text = (_PROC / str(pid) / "status").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0, 0
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    return rss, hwm


@dataclass(frozen=True, slots=True)
class TreeStats:
    """A snapshot of a process tree."""

    pids: tuple[int, ...]
    rss_bytes: int
    """Sum of VmRSS (shared pages are counted once per process)."""
    hwm_bytes: int
    """Sum of VmHWM: an upper bound of the tree's peak, exact for a single process."""
    cpu_seconds: float
    """user + system time of the live processes and of their waited-for children."""


def tree_stats(root: int) -> TreeStats:
    pids = descendants(root)
    rss = hwm = 0
    ticks = 0
    live: list[int] = []
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is None:
            continue
        live.append(pid)
        # After the command name: state=0 ppid=1 … utime=11 stime=12 cutime=13 cstime=14.
        ticks += sum(int(fields[k]) for k in (11, 12, 13, 14))
        pid_rss, pid_hwm = _status_kib(pid)
        rss += pid_rss
        hwm += pid_hwm
    return TreeStats(
        pids=tuple(live),
        rss_bytes=rss * 1024,
        hwm_bytes=hwm * 1024,
        cpu_seconds=ticks / _CLK_TCK,
    )


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with (_PROC / "stat").open() as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
    # counted in user and nice.
    total = sum(fields[:8])
    idle = fields[3] + fields[4]
    return (total - idle) / _CLK_TCK, total / _CLK_TCK
