"""The ClickHouse HTTP test double (tests/clickhouse_double) in its own process."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.live_stack import ROOT, VENV_BIN, free_port, wait_for


@dataclass
class Double:
    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Double:
        log = open(self.directory / "double.log", "ab")  # noqa: SIM115 (lives with the process)
        self.process = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "tests.clickhouse_double", "--port", str(self.port),
             "--path", str(self.directory / "chdb")],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(self._answers, timeout=60, what="ClickHouse double")
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            log = (self.directory / "double.log").read_text(errors="replace")
            raise RuntimeError(f"double exited with {self.process.returncode}: {log[-3000:]}")
        try:
            return requests.get(f"{self.url}/ping", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def set_faults(self, faults: list[dict]) -> None:
        requests.post(f"{self.url}/_double/faults", json=faults, timeout=10).raise_for_status()

    def queries(self) -> list[dict]:
        return requests.get(f"{self.url}/_double/queries", timeout=10).json()

    def running(self) -> list[str]:
        return requests.get(f"{self.url}/_double/running", timeout=10).json()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
