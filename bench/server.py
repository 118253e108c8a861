"""Helpers for benchmarks that start their own gunicorn: a free port and its CPU time."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes(pid: int) -> list[int]:
    """gunicorn's master and its workers."""
    return [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]


def _stat(text: str) -> tuple[str, float]:
    """A /proc stat line's name and user + system CPU seconds."""
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text.rsplit(")", 1)[1].split()
    return name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of gunicorn's master and its worker (threads and chDB included), from /proc."""
    return sum(_stat(Path(f"/proc/{process}/stat").read_text())[1] for process in _processes(pid))


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread name (Python threads vs chDB's pools), from /proc."""
    totals: dict[str, float] = {}
    for process in _processes(pid):
        for task in Path(f"/proc/{process}/task").iterdir():
            try:
                name, seconds = _stat((task / "stat").read_text())
            except OSError:  # the thread ended meanwhile
                continue
            totals[name] = totals.get(name, 0.0) + seconds
    return totals
