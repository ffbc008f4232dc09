"""The command line as a user runs it: a piped terminal chat, the ledger as JSON, friendly errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.world import PG_URL, drop_pg_schema, new_pg_schema

YIBANG = [sys.executable, "-m", "bot"]
DIALOGUE = "\n".join([
    "我要求助",
    "我母亲每周二四六做血液透析，小区昨晚封控了，明天就要透析出不去",
    "2",
    "张女士",
    "13912345678",
    "金水",
    "1",
    "查看进度",
]) + "\n"


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


def test_piped_console_files_a_case_that_the_ledger_shows(env):
    chat = run(["console", "--user", "alice"], env, DIALOGUE)
    assert chat.returncode == 0, chat.stderr
    assert "已受理，编号 ZZ" in chat.stdout
    number = chat.stdout.split("已受理，编号 ", 1)[1].split("。", 1)[0]

    listing = run(["case", "list", "--json"], env)
    assert listing.returncode == 0, listing.stderr
    cases = json.loads(listing.stdout)
    assert [c["number"] for c in cases] == [number]
    assert cases[0]["category"] == "寻医买药"
    assert cases[0]["urgency"] == "紧急"
    assert cases[0]["district"] == "金水区"
    assert cases[0]["phone"] == "139****5678"

    shown = run(["case", "show", number, "--json"], env)
    view = json.loads(shown.stdout)
    assert view["number"] == number and view["status"] == "received" and view["channel"] == "console"
    assert view["created_at"] and view["timeline"][0]["kind"] == "received"
    assert "13912345678" not in shown.stdout


def test_case_show_unknown_number_fails_cleanly(env):
    shown = run(["case", "show", "ZZ20220101-0001", "--json"], env)
    assert shown.returncode == 1 and shown.stdout == ""
    assert "no case" in shown.stderr


def test_classify_prints_json(env):
    result = run(["classify", "我老婆羊水破了，在金水区，小区封控出不去"], env)
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["urgency"]["level"] == "紧急" and "120" in verdict["urgency"]["danger"]
    assert verdict["district"]["name"] == "金水区"


def test_broken_taxonomy_names_file_and_key_without_traceback(env, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nplatform: y\ncategories: []\n", encoding="utf-8")
    env = dict(env, YIBANG_TAXONOMY=str(broken))
    result = run(["case", "list"], env)
    assert result.returncode == 2
    assert str(broken) in result.stderr and "texts" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_setting_names_the_variable(env):
    result = run(["case", "list"], dict(env, YIBANG_PORT="not-a-port"))
    assert result.returncode == 2 and "YIBANG_PORT" in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade(env):
    result = run(["db", "upgrade"], env)
    assert result.returncode == 0, result.stderr
    if "YIBANG_DATABASE_URL" not in env:
        assert (Path(env["YIBANG_DATA_DIR"]) / "yibang.sqlite3").exists()


def test_staff_work_a_case_from_the_command_line(env, tmp_path):
    chat = run(["console", "--user", "bob"], env, DIALOGUE)
    number = chat.stdout.split("已受理，编号 ", 1)[1].split("。", 1)[0]
    assert run(["case", "assign", number, "--department", "市卫生健康委员会"], env).returncode == 0
    assert run(["case", "note", number, "--text", "已联系社区安排车辆"], env).returncode == 0
    assert run(["case", "note", number, "--text", "注意核实地址", "--internal"], env).returncode == 0
    resolved = run(["case", "resolve", number, "--result", "社区已安排专车"], env)
    assert resolved.returncode == 0 and "办结完成" in resolved.stdout
    again = run(["case", "resolve", number, "--result", "x"], env)
    assert again.returncode == 1 and "当前状态为已办结，不能办结" in again.stderr
    view = json.loads(run(["case", "show", number, "--json"], env).stdout)
    assert view["status"] == "resolved" and view["department"] == "市卫生健康委员会"
    assert [e["kind"] for e in view["timeline"]] == ["received", "assigned", "note", "note", "resolved"]
    assert [e["public"] for e in view["timeline"]] == [True, True, True, False, True]
    updates = run(["console", "--user", "bob"], env, "查看进度\n").stdout
    assert "已交办给市卫生健康委员会" in updates and "已办结：社区已安排专车" in updates

    workbook = tmp_path / "ledger.xlsx"
    exported = run(["export", "--xlsx", str(workbook)], env)
    assert exported.returncode == 0, exported.stderr
    from openpyxl import load_workbook

    sheet = load_workbook(workbook)["台账"]
    assert sheet["A2"].value == number and sheet["J2"].value == "139****5678"

    figures = json.loads(run(["stats", "--json"], env).stdout)
    assert figures["intake"] == 1 and figures["closed"] == 1


def test_staff_list_add_remove(env):
    assert run(["staff", "add", "12345", "--role", "supervisor", "--name", "王主任"], env).returncode == 0
    listed = json.loads(run(["staff", "list", "--json"], env).stdout)
    assert {"who": "telegram:12345", "role": "supervisor", "source": "database", "name": "王主任",
            "department": ""} in listed
    assert run(["staff", "remove", "telegram:12345"], env).returncode == 0
    assert run(["staff", "remove", "telegram:12345"], env).returncode == 1
    assert run(["staff", "add", "1", "--role", "boss"], env).returncode == 2


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


def test_what_the_staff_commands_refuse(env):
    assert run(["staff", "add", "web:x", "--department", "不存在的部门"], env).returncode == 2
    assert run(["staff", "add", "telegram:1", "--department", "市商务局"], env).returncode == 2
    assert run(["staff", "password", "web:nobody"], env, "correct horse battery\n").returncode == 2
    assert run(["staff", "add", "web:wang"], env).returncode == 0
    short = run(["staff", "password", "web:wang"], env, "short\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    assert run(["staff", "password", "telegram:1"], env, "correct horse battery\n").returncode == 2
    assert run(["staff", "remove", "web:wang"], env).returncode == 0
