"""Staff corrections of category or urgency come back out as labelled examples for the next `learn`."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from classifier.labelled import read_labelled_csv, training_examples
from handlers.cases.actions import Actor, CaseDesk
from handlers.cases.overrides import COLUMNS, override_examples

STAFF = Actor("telegram:501", "李娜")


def act(services, number, action):
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, STAFF, services.clock.now())
        return action(desk, desk.case(number))


def test_corrected_cases_become_examples_with_the_labels_staff_settled_on(
    citizen, neighbour, services, clock
):
    first = citizen.files("家里暖气不热，物业也不管，孩子冻感冒了", district="二七区")
    second = neighbour.files("小区门口的核酸点什么时候开？", district="金水区")
    untouched = citizen.files("地铁还开吗，想去郑州东站", district="中原区")
    act(services, first, lambda d, c: d.recategorise(c, "寻医买药"))
    clock.advance(minutes=5)
    act(services, second, lambda d, c: d.set_urgency(c, True))
    clock.advance(minutes=5)
    act(services, first, lambda d, c: d.set_urgency(c, False))

    with services.db.reading() as session:
        rows = override_examples(session, services.taxonomy.texts, ("紧急", "一般"))
    assert [row["id"] for row in rows] == [second, first]  # by last correction
    by_number = {row["id"]: row for row in rows}
    assert by_number[first] == {
        "id": first,
        "text": "家里暖气不热，物业也不管，孩子冻感冒了",
        "category": "寻医买药",
        "urgency": "一般",
        "district": "二七区",
        "note": "类别 其他→寻医买药; 紧急程度 一般→一般",
    }
    assert by_number[second]["urgency"] == "紧急" and by_number[second]["category"] == "疫情政策"
    assert untouched not in by_number
    texts, labels = training_examples(rows)
    assert labels == ["疫情政策", "寻医买药"] and texts[1].startswith("家里暖气")


def test_overrides_export_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIBANG_")}
    env.update(YIBANG_DATA_DIR=str(tmp_path / "data"), YIBANG_SECRET_KEY="cli-test-secret-" + "x" * 32)

    def yibang(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    chat = yibang(
        "console",
        "--user",
        "carol",
        stdin="我要求助\n楼上天天半夜装修，吵得睡不着\n王先生\n13912345678\n金水\n1\n",
    )
    number = chat.stdout.split("已受理，编号 ", 1)[1].split("。", 1)[0]
    assert yibang("case", "recategorise", number, "--category", "其他").returncode == 0
    urgency = yibang("case", "urgency", number, "--level", "紧急")
    assert urgency.returncode == 0, urgency.stderr
    assert yibang("case", "urgency", number, "--level", "很急").returncode == 1
    out = tmp_path / "overrides.csv"
    exported = yibang("overrides", "export", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "1 corrected cases" in exported.stderr and exported.stdout == ""
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle)) == list(COLUMNS)
    [row] = read_labelled_csv(out)
    assert row["id"] == number and row["text"] == "楼上天天半夜装修，吵得睡不着"
    assert (row["category"], row["urgency"], row["district"]) == ("其他", "紧急", "金水区")
    shown = json.loads(yibang("case", "show", number, "--json").stdout)
    assert [e["kind"] for e in shown["timeline"]][-2:] == ["recategorised", "urgency_changed"]
