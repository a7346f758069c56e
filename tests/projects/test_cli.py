"""``openbeta projects`` and ``openbeta keys`` on a running server's database."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import openai
import pytest

from projects_support import sdk

from openbeta.server.services.projects import CACHE_SECONDS


def cli(server, *args: str) -> subprocess.CompletedProcess:
    database = server.env.get("OPENBETA_DATABASE_URL") or f"sqlite:///{server.data_dir / 'openbeta.db'}"
    env = {k: v for k, v in server.env.items() if not k.startswith("OPENBETA_")}
    return subprocess.run([sys.executable, "-m", "openbeta.cli", *args, "--database", database], env=env,
                          capture_output=True, text=True, timeout=60)


def test_cli_round_trip(projects_server):
    made = cli(projects_server, "projects", "create", "epsilon")
    assert made.returncode == 0, made.stderr
    project_id = made.stdout.strip()
    assert project_id.startswith("proj_")
    created = cli(projects_server, "keys", "create", "--project", "epsilon", "--name", "deploy")
    assert created.returncode == 0, created.stderr
    value = created.stdout.strip()
    assert value.startswith("sk-proj-") and "shown only now" in created.stderr
    client = sdk(projects_server, value)
    assistant = client.beta.assistants.create(model="m")
    assert [a.id for a in client.beta.assistants.list()] == [assistant.id]

    keys = cli(projects_server, "keys", "list", "--project", project_id)
    line = next(row for row in keys.stdout.splitlines() if "deploy" in row)
    key_id = line.split()[0]
    assert key_id.startswith("key_") and value not in keys.stdout

    revoked = cli(projects_server, "keys", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    # Another process revoked it: the server notices within its cache time.
    deadline = time.monotonic() + CACHE_SECONDS + 5
    while True:
        try:
            client.beta.assistants.list()
        except openai.AuthenticationError:
            break
        assert time.monotonic() < deadline, "the revoked key still works"
        time.sleep(0.25)
    keys = cli(projects_server, "keys", "list", "--project", "epsilon").stdout.splitlines()
    assert "revoked_at" in keys[0] and keys[1].split()[-1].isdigit()  # revoked, with its time
    listed = cli(projects_server, "projects", "list")
    assert project_id in listed.stdout and "epsilon" in listed.stdout


def test_cli_errors_are_messages(projects_server):
    missing = cli(projects_server, "keys", "create", "--project", "no-such-project", "--name", "x")
    assert missing.returncode == 1 and "no-such-project" in missing.stderr and "Traceback" not in missing.stderr
    dup = cli(projects_server, "projects", "create", "team-a")
    assert dup.returncode == 1 and "already exists" in dup.stderr
