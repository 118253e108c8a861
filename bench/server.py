"""Helpers for benchmarks that start their own gunicorn: a free port, its CPU time, and the
ClickHouse double for server mode."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


class ClickHouseDouble:
    """Server mode without a ClickHouse server: the project's HTTP test double over chDB
    (tests/clickhouse_double) in its own process, for benchmarks of the clickhouse-connect path."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://default:bench@127.0.0.1:{self.port}"

    def __enter__(self) -> ClickHouseDouble:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = open(self.directory / "double.log", "ab")  # noqa: SIM115 (lives with the process)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.clickhouse_double", "--port", str(self.port),
             "--path", str(self.directory / "chdb")],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(300):
            if self.process.poll() is not None:
                raise SystemExit(f"the ClickHouse double exited: see {self.directory / 'double.log'}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ping", timeout=2)
                return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the ClickHouse double did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


def server_mode_env(env: dict[str, str], workers: int) -> dict[str, str]:
    """Several gunicorn workers share one cache and one metadata database only through Redis and
    PostgreSQL (embedded mode's are per process), so server mode asks for both."""
    if workers > 1 and not (env.get("DATABASE_URL") and env.get("REDIS_URL")):
        raise SystemExit("--workers > 1 needs DATABASE_URL (PostgreSQL) and REDIS_URL (Redis)")
    return env
