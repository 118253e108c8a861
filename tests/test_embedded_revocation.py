"""Embedded mode (each process has its own in-memory cache): a key revoked or a member
removed by a management command run beside the server takes effect on the server's very
next request, for cached identities and stored insight responses alike."""

from __future__ import annotations

import json

import requests

from tests.live_stack import Server

ADD_MEMBER = """
from access_control.services import create_personal_api_key
from tenancy.models import Organization, OrganizationMembership, User
org = Organization.objects.get(id="{org}")
user = User.objects.create_user(email="member@example.com", first_name="member")
OrganizationMembership.objects.create(user=user, organization=org, level=OrganizationMembership.Level.MEMBER)
print(create_personal_api_key(user=user, label="member", scopes=["*"])[1])
"""
REMOVE_MEMBER = """
from tenancy.models import OrganizationMembership
OrganizationMembership.objects.get(user__email="member@example.com").delete()
"""
REVOKE_OWNER_KEYS = """
from access_control.models import PersonalAPIKey
from access_control.services import revoke_personal_api_key
for key in PersonalAPIKey.objects.filter(user__email="owner@example.com", revoked_at__isnull=True):
    revoke_personal_api_key(key=key)
"""


def _get(server: Server, path: str, key: str) -> requests.Response:
    return requests.get(f"{server.base}{path}", headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_revocation_and_removal_beside_the_server_apply_at_once(tmp_path):
    server = Server(tmp_path).prepare()
    server.start()
    try:
        owner_key = server.project["personal_api_key"]
        created = requests.post(
            f"{server.base}/api/projects/{server.team_id}/insights/",
            json={"name": "kept", "filters": {"insight": "TRENDS", "events": [{"id": "signed_up"}]}},
            headers=server.auth,
            timeout=30,
        )
        assert created.status_code == 201, created.text
        insight = f"/api/projects/{server.team_id}/insights/{created.json()['id']}/"
        added = server.manage("shell", "-c", ADD_MEMBER.format(org=server.project["organization_id"]))
        member_key = added.split()[-1]  # the shell may print a banner first

        # Both keys work, and their identities and the insight response are now cached.
        for key in (owner_key, member_key):
            for _ in range(3):
                assert _get(server, insight, key).status_code == 200
                assert _get(server, f"/api/projects/{server.team_id}/", key).status_code == 200

        server.manage("shell", "-c", REMOVE_MEMBER)
        removed = _get(server, insight, member_key)
        assert removed.status_code == 404, removed.text
        assert removed.json()["detail"] == "Project not found."
        assert _get(server, f"/api/projects/{server.team_id}/", member_key).status_code == 404
        assert _get(server, insight, owner_key).status_code == 200  # the owner is unaffected

        server.manage("shell", "-c", REVOKE_OWNER_KEYS)
        revoked = _get(server, insight, owner_key)
        assert revoked.status_code == 401, revoked.text
        assert json.loads(revoked.content)["code"] == "authentication_failed"
        assert _get(server, "/api/users/@me/", owner_key).status_code == 401
    finally:
        assert server.stop() == 0
