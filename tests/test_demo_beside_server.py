"""generate_demo_data beside a running server: chDB admits one process per data directory,
so the events go through the server's ``/batch/`` endpoint (or the command says what to do)."""

from __future__ import annotations

import fcntl
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from analytics.management.commands import generate_demo_data
from query_engine.backends.chdb_backend import data_dir_locked

pytestmark = pytest.mark.django_db(transaction=True)


def load(team, out, **options):
    call_command("generate_demo_data", project=team.id, events=2500, days=14, seed=7,
                 end_date="2024-05-31", verbosity=0, stdout=out, **options)  # fmt: skip


def stored(backend, team):
    return backend.execute(
        "SELECT event, distinct_id, toString(timestamp), toString(uuid) FROM events "
        "WHERE team_id = {t:Int64} ORDER BY timestamp, uuid",
        {"t": team.id},
    ).rows


def test_data_dir_locked_sees_another_holder_of_the_status_file(tmp_path):
    assert data_dir_locked(str(tmp_path)) is False  # never opened: no status file
    status = tmp_path / "status"
    status.write_text("")
    holder = os.open(status, os.O_RDONLY)  # another open file description, as another process has
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert data_dir_locked(str(tmp_path)) is True
    finally:
        os.close(holder)
    assert data_dir_locked(str(tmp_path)) is False


def test_a_held_store_sends_through_the_server_the_same_events(team, clickhouse, live_server, settings,
                                                               monkeypatch):  # fmt: skip
    from tests.factories import make_org_with_team

    _, direct = make_org_with_team("Direct")
    load(direct, StringIO())
    monkeypatch.setattr(generate_demo_data, "embedded_store_held_elsewhere", lambda: "/srv/var/chdb")
    settings.SITE_URL = live_server.url
    out = StringIO()
    load(team, out)
    assert f"sending the events through {live_server.url}/batch/" in out.getvalue()
    assert "Sent 2500 demo events" in out.getvalue()
    # Through HTTP or not: the same 2,500 events (uuids and times) in each project.
    through_server = stored(clickhouse, team)
    assert len(through_server) == 2500
    assert through_server == stored(clickhouse, direct)
    # The same seed again: the server deduplicates by uuid and stores nothing new.
    load(team, StringIO(), server=live_server.url)
    assert len(stored(clickhouse, team)) == 2500


def test_a_held_store_and_no_server_says_exactly_what_to_do(team, clickhouse, settings, monkeypatch):
    monkeypatch.setattr(generate_demo_data, "embedded_store_held_elsewhere", lambda: "/srv/var/chdb")
    settings.SITE_URL = "http://127.0.0.1:9"  # discard port: nothing answers
    with pytest.raises(CommandError) as refused:
        load(team, StringIO())
    message = str(refused.value)
    assert "/srv/var/chdb" in message and "Ctrl-C on bin/serve" in message and "--server" in message
    assert stored(clickhouse, team) == []
