"""Console accounts from the command line, as the IT person makes the first supervisor."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support.world import PG_URL, drop_pg_schema, new_pg_schema

YIBANG = [sys.executable, "-m", "bot"]


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(YIBANG + args, input=stdin, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def env(request, tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("YIBANG_")}
    environment.update(YIBANG_DATA_DIR=str(tmp_path / "data"), YIBANG_SECRET_KEY="cli-test-secret-" + "x" * 32)
    if request.param == "postgresql":
        url, schema = new_pg_schema()
        environment["YIBANG_DATABASE_URL"] = url
        yield environment
        drop_pg_schema(schema)
    else:
        yield environment


def test_the_first_supervisor_and_a_department_account(env):
    added = run(["staff", "add", "web:wang", "--role", "supervisor", "--name", "王主任"], env)
    assert added.returncode == 0, added.stderr
    assert "web:wang is now supervisor" in added.stdout
    assert run(["staff", "password", "web:wang"], env, "correct horse battery\n").returncode == 0
    department = run(["staff", "add", "web:shang", "--department", "市商务局"], env)
    assert department.returncode == 0, department.stderr
    listed = json.loads(run(["staff", "list", "--json"], env).stdout)
    assert {"who": "web:wang", "role": "supervisor", "source": "database", "name": "王主任",
            "department": ""} in listed
    assert {"who": "web:shang", "role": "handler", "source": "database", "name": "",
            "department": "市商务局"} in listed
    assert "correct horse" not in json.dumps(listed)


def test_what_the_command_line_refuses(env):
    assert run(["staff", "add", "web:x", "--department", "不存在的部门"], env).returncode == 2
    assert run(["staff", "add", "telegram:1", "--department", "市商务局"], env).returncode == 2
    assert run(["staff", "password", "web:nobody"], env, "correct horse battery\n").returncode == 2
    assert run(["staff", "add", "web:wang"], env).returncode == 0
    short = run(["staff", "password", "web:wang"], env, "short\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    assert run(["staff", "password", "telegram:1"], env, "correct horse battery\n").returncode == 2
    assert run(["staff", "remove", "web:wang"], env).returncode == 0
