"""The admin API (official SDK's ``client.admin.organization.projects``) and who may call what."""

from __future__ import annotations

import httpx
import openai
import pytest

from projects_support import ADMIN_KEY, DEFAULT_KEY, KEY_A, sdk


@pytest.fixture(scope="module")
def admin(projects_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=projects_server.base_url, api_key="unused", admin_api_key=ADMIN_KEY,
                         max_retries=0)


def create_key(admin: openai.OpenAI, project_id: str, name: str) -> dict:
    """``POST /organization/projects/{id}/api_keys`` (openbeta's addition: OpenAI makes keys in its dashboard)."""
    return admin.post(f"/organization/projects/{project_id}/api_keys", body={"name": name}, cast_to=object,
                      options={"headers": {"Authorization": f"Bearer {ADMIN_KEY}"}})


def test_env_projects_exist(admin):
    names = {p.name: p for p in admin.admin.organization.projects.list()}
    assert {"Default project", "team-a", "team-b"} <= set(names)
    assert names["Default project"].id == "proj_default" and names["team-a"].status == "active"
    assert names["team-a"].object == "organization.project" and names["team-a"].archived_at is None


def test_project_and_key_lifecycle(projects_server, admin):
    projects = admin.admin.organization.projects
    project = projects.create(name="gamma")
    assert project.id.startswith("proj_") and project.name == "gamma" and project.status == "active"
    assert projects.retrieve(project.id).name == "gamma"
    assert projects.update(project.id, name="gamma-2").name == "gamma-2"

    key = create_key(admin, project.id, "ci")
    assert key["object"] == "organization.project.api_key" and key["value"].startswith("sk-proj-")
    assert key["value"] not in key["redacted_value"] and key["last_used_at"] is None
    client = sdk(projects_server, key["value"])
    made = client.beta.assistants.create(model="m", name="gamma's")
    assert [a.id for a in client.beta.assistants.list()] == [made.id]  # a new project starts empty
    with pytest.raises(openai.NotFoundError):  # and is isolated from the others
        sdk(projects_server, KEY_A).beta.assistants.retrieve(made.id)

    listed = projects.api_keys.list(project.id).data
    assert [k.id for k in listed] == [key["id"]]
    assert listed[0].last_used_at is not None and listed[0].redacted_value == key["redacted_value"]
    assert "value" not in projects.api_keys.retrieve(key["id"], project_id=project.id).model_dump()

    deleted = projects.api_keys.delete(key["id"], project_id=project.id)
    assert deleted.deleted is True and deleted.object == "organization.project.api_key.deleted"
    with pytest.raises(openai.AuthenticationError) as revoked:
        client.beta.assistants.list()
    assert revoked.value.body["code"] == "invalid_api_key" and "revoked" in revoked.value.body["message"]
    assert projects.api_keys.list(project.id).data == []
    with pytest.raises(openai.NotFoundError):
        projects.api_keys.retrieve(key["id"], project_id=project.id)


def test_archived_projects_keys_stop_working(projects_server, admin):
    projects = admin.admin.organization.projects
    project = projects.create(name="delta")
    key = create_key(admin, project.id, "short-lived")
    client = sdk(projects_server, key["value"])
    assert client.beta.assistants.list().data == []
    archived = projects.archive(project.id)
    assert archived.status == "archived" and archived.archived_at is not None
    with pytest.raises(openai.AuthenticationError):
        client.beta.assistants.list()
    assert project.id not in [p.id for p in projects.list()]
    assert project.id in [p.id for p in projects.list(include_archived=True)]
    with pytest.raises(openai.BadRequestError):
        projects.archive("proj_default")


def test_who_may_call_what(projects_server):
    base = projects_server.base_url

    def get(path: str, key: str) -> httpx.Response:
        return httpx.get(base + path, headers={"Authorization": f"Bearer {key}"}, timeout=10)

    # Project keys cannot manage projects; the admin key cannot touch objects.
    for key in (KEY_A, DEFAULT_KEY):
        refused = get("/organization/projects", key)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_permissions"
    assert get("/organization/projects", "sk-nobody-123").status_code == 401
    assert httpx.get(base + "/organization/projects", timeout=10).status_code == 401
    admin_on_objects = get("/assistants", ADMIN_KEY)
    assert admin_on_objects.status_code == 403
    assert admin_on_objects.json()["error"]["code"] == "admin_key_not_allowed"
    assert get("/assistants", "sk-nobody-123").status_code == 401
    assert get("/assistants", KEY_A).status_code == 200


def test_bad_admin_requests_are_400_or_404(admin):
    projects = admin.admin.organization.projects
    with pytest.raises(openai.BadRequestError):
        projects.create(name="")
    with pytest.raises(openai.ConflictError):
        projects.create(name="team-a")
    with pytest.raises(openai.NotFoundError):
        projects.retrieve("proj_missing")
    with pytest.raises(openai.NotFoundError):
        projects.api_keys.list("proj_missing")
