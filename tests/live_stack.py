"""A real server in a subprocess (gunicorn with the project's config), and its own stores.

Tests that stop, pause or kill things start their own PostgreSQL (``initdb``/``pg_ctl`` on a
free port) and ``redis-server``, never the shared ones, and a server whose data lives in a
temporary directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready within {timeout}s")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def have_binaries(*names: str) -> bool:
    return all(shutil.which(name) for name in names)


@dataclass
class Redis:
    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _port_open(self.port), timeout=10, what="redis")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


def _unprivileged() -> dict[str, Any]:
    """PostgreSQL refuses to run as root: then its commands run as ``postgres`` (or ``nobody``)."""
    if os.geteuid() != 0:
        return {}
    import pwd

    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid}
    raise RuntimeError("running as root and no unprivileged user for PostgreSQL")


@dataclass
class Postgres:
    """A private cluster in its own world-traversable temporary directory (pytest's are 0700)."""

    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="insights-pg-")))
    port: int = field(default_factory=free_port)
    paused: list[int] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.directory / "pgdata"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/insights"

    def _run(self, *args: str) -> None:
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, **_unprivileged())
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr[-2000:]}")

    def start(self) -> Postgres:
        self.directory.chmod(0o755)
        owner = _unprivileged()
        if owner:
            os.chown(self.directory, owner["user"], owner["group"])
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "pg.log"), "-w", "start"
        )
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "insights")
        return self

    def _pids(self) -> list[int]:
        """The postmaster and every backend it forked (a pause must stop all of them)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        pids = [postmaster]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                    pids.append(int(entry.name))
        return pids

    def pause(self) -> None:
        self.paused = self._pids()
        for pid in self.paused:
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self.paused:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.paused = []

    def stop(self) -> None:
        self.resume()
        subprocess.run(
            ["pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            **_unprivileged(),
        )
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class Server:
    """``gunicorn -c python:insights_api.gunicorn_conf`` on a free port, data under ``directory``."""

    directory: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    project: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "CLICKHOUSE_URL", "INSIGHTS_TESTING")
            and not key.startswith(("PYTEST", "DJANGO_SETTINGS"))
        }
        env.update(
            {
                "INSIGHTS_VAR_DIR": str(self.directory / "var"),
                "SECRET_KEY": "live-stack-test",
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "WEB_THREADS": "8",
                "WEB_ACCESS_LOG": "",
                "THROTTLE_ENABLED": "false",
                "PYTHONPATH": str(ROOT),
            }
        )
        env.update(self.env)
        return env

    def manage(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def prepare(self) -> Server:
        self.manage("migrate", "--noinput")
        self.manage("migrate_clickhouse")
        self.project = json.loads(
            self.manage("create_project", "--name", "Live", "--json").strip().splitlines()[-1]
        )
        return self

    def start(self) -> Server:
        log = open(self.directory / f"server-{self.port}.log", "ab")  # noqa: SIM115 (lives with the process)
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "python:insights_api.gunicorn_conf"],
            cwd=ROOT,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._answers, timeout=90, what="server")
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"server exited with {self.process.returncode}: {self.log()[-3000:]}")
        try:
            return requests.get(f"{self.base}/_health", timeout=2).status_code in (200, 503)
        except requests.RequestException:
            return False

    def log(self) -> str:
        path = self.directory / f"server-{self.port}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, *, timeout: float = 60) -> int:
        """SIGTERM (gunicorn's graceful stop); the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    @property
    def team_id(self) -> int:
        return int(self.project["project_id"])

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.project['personal_api_key']}"}
