"""docker-compose.yml and the image, read as a reviewer would (docker cannot run in CI)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_data_services_restart_and_one_image_is_built_once():
    services = compose()["services"]
    for name in ("postgres", "clickhouse", "redis", "web", "worker", "beat"):
        assert services[name]["restart"] == "unless-stopped", name
    built = [name for name, service in services.items() if "build" in service]
    assert built == ["migrate"]
    app_image = services["migrate"]["image"]
    for name in ("web", "worker", "beat"):
        assert services[name]["image"] == app_image and services[name]["pull_policy"] == "never"


def test_the_worker_healthcheck_starts_no_celery_client():
    worker = compose()["services"]["worker"]
    test = " ".join(worker["healthcheck"]["test"])
    assert "celery" not in test and worker["environment"]["CELERY_LIVENESS_FILE"] in test
    assert worker["environment"]["REDIS_URL"] == compose()["services"]["web"]["environment"]["REDIS_URL"]


def test_hosts_and_site_url_are_wired_and_documented():
    env = compose()["x-app-env"]
    assert env["ALLOWED_HOSTS"].startswith("localhost,${ALLOWED_HOSTS")  # the healthcheck's host stays
    assert env["SITE_URL"].startswith("${SITE_URL")
    readme = (ROOT / "README.md").read_text()
    assert "export ALLOWED_HOSTS=" in readme and "SITE_URL=https://" in readme


def test_chdb_is_an_extra_the_image_leaves_out():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(dep.startswith("chdb") for dep in project["dependencies"])
    assert project["optional-dependencies"]["embedded"] == ["chdb>=3.0"]
    assert any(dep.startswith("chdb") for dep in project["optional-dependencies"]["test"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ARG EXTRAS=""' in dockerfile and "else pip install .; fi" in dockerfile
    assert "-e '.[embedded]'" in (ROOT / "bin" / "serve").read_text()
