"""Citizen effort at intake: how many answers a citizen needs after their first message until the case
is filed, for a scripted set of first messages of different completeness.

Each script is a first message and the facts behind it (name, phone, district, address, for whom). A
scripted citizen answers whatever is asked from those facts, reading each question as a person would,
and confirms the summary; the count is the answers after the first message, the confirmation included.
Two ways in are measured: the first message sent as it is ("direct"), and sent after 我要求助 as the
answer to the first question ("after_start": what people do when the bot asks their name first). A
script the dialogue cannot file (a landline refused, a loop) counts as not filed.

Run it on this tree, and on an earlier commit to compare (the code of that commit is exported to a
temporary directory and run there, with its own taxonomy):

    .venv/bin/python benchmarks/intake_effort.py [--before REV] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_ANSWERS = 12


@dataclass(frozen=True)
class Script:
    first: str
    name: str = "李女士"
    phone: str = "13912345678"
    district: str = "金水区"
    address: str = "绿城小区3号楼"
    # the request is for someone else
    for_other: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)


SCRIPTS: tuple[Script, ...] = (
    Script("家里没菜了，能不能帮忙买点", tags=("problem",)),
    Script("健康码突然变成黄码，核酸都是阴性，怎么转绿", tags=("problem",)),
    Script("建议在小区门口多设几个核酸采样点，排队太长了", tags=("problem",)),
    Script("小区封控家里没菜了", tags=("problem", "place")),
    Script("我们小区封控了，我妈的胰岛素明天就用完了，住在中原区", district="中原区", for_other=True,
           tags=("problem", "district", "someone else")),
    Script("请问现在离开郑州需要48小时核酸吗，我的电话是13800138000", phone="13800138000",
           tags=("problem", "phone")),
    Script("我是金水区绿城小区的，小区封控三天了家里没菜了，电话13912345678",
           tags=("problem", "district", "address", "phone")),
    Script("张女士，13912345678，二七区，孩子在外地上学放寒假回不来郑州需要什么手续", name="张女士",
           district="二七区", for_other=True, tags=("problem", "name", "phone", "district", "someone else")),
    Script("我老婆怀孕38周，羊水破了，小区封控出不去，我们在管城区，电话0371-63812345", phone="0371-63812345",
           district="管城回族区", for_other=True, tags=("danger", "district", "landline", "someone else")),
    Script("我爸78岁一个人住在惠济区，发烧两天了，联系不上社区", district="惠济区", for_other=True,
           tags=("problem", "district", "someone else", "elderly alone")),
    Script("郑东新区龙湖花园东区3号楼暖气不热，家里冷得不行", district="郑东新区", address="龙湖花园东区3号楼",
           tags=("problem", "district", "address", "place")),
    Script("我弟弟在隔离点发烧了没人管，我电话13912345678，备用0371-63812345", for_other=True,
           tags=("problem", "phone", "second number", "someone else")),
    Script("我家座机0371-63812345，楼道的门被焊死了出不去", phone="0371-63812345",
           tags=("problem", "landline", "place")),
)


def answer_for(script: Script, question: str) -> str | None:
    """What the scripted citizen answers to a question (old and new wordings alike); None: filed."""
    if "已受理，编号" in question:
        return None
    if "确认提交吗" in question:
        return "确认"
    if "最接近哪一类" in question:  # the classifier unsure of the category: the likeliest
        return "1"
    if "是为谁求助" in question:
        return "2" if script.for_other else "1"
    if "继续使用" in question:
        return "1"
    if "区县和具体地址" in question:
        return f"{script.district}{script.address}"
    if "称呼您，联系电话" in question:
        return f"{script.name} {script.phone}"
    if "具体地址或小区" in question:
        return script.address
    if "称呼" in question:
        return script.name
    if "手机号" in question or "电话" in question:
        return script.phone
    if "区县" in question:
        return script.district
    if "请描述" in question or "描述太短" in question:
        return script.first
    raise ValueError(f"unknown question: {question}")


def effort(handle, services, incoming_type, script: Script, user: str, *, after_start: bool) -> int | None:
    """Answers after the first message until filed; None when not filed within MAX_ANSWERS."""
    counter = iter(range(1_000_000))

    def send(text: str) -> str:
        incoming = incoming_type(channel="console", user_key=user, chat_key=user, message_id=f"{user}-{next(counter)}",
                                 kind="text", at=datetime.now(UTC), text=text)
        outcome = handle(services, incoming)
        return "\n".join(reply.text for reply in outcome.replies)

    if after_start:
        send("我要求助")
    question = send(script.first)
    last = ""
    for answers in range(MAX_ANSWERS):
        reply = answer_for(script, question)
        if reply is None:
            return answers
        if question == last:
            return None  # the same question again after the same answer: the dialogue cannot take it
        last = question
        question = send(reply)
    return None


def measure(tree: Path) -> list[dict]:
    """Run every script against the code in `tree` (imported from there), on a new SQLite database."""
    sys.path.insert(0, str(tree))
    from classifier import get_classifier
    from config import Settings, load_taxonomy
    from handlers.messages import Incoming
    from handlers.process import handle
    from handlers.services import Services
    from storage import Database, FieldCipher

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), secret_key="benchmark-secret-" + "x" * 32)
        taxonomy = load_taxonomy(tree / "config" / "taxonomy" / "zhengzhou-2022.yaml")
        database = Database(f"sqlite:///{Path(tmp) / 'yibang.sqlite3'}")
        database.migrate()
        services = Services(settings, taxonomy, get_classifier(taxonomy), database,
                            FieldCipher([settings.secret_key.get_secret_value()]))
        for index, script in enumerate(SCRIPTS):
            row = {"first": script.first, "tags": list(script.tags)}
            for mode in ("direct", "after_start"):
                row[mode] = effort(handle, services, Incoming, script, f"{mode}-{index}",
                                   after_start=mode == "after_start")
            rows.append(row)
        database.dispose()
    return rows


def summarise(rows: list[dict]) -> dict:
    out = {}
    for mode in ("direct", "after_start"):
        filed = [row[mode] for row in rows if row[mode] is not None]
        out[mode] = {"scripts": len(rows), "filed": len(filed), "answers_total": sum(filed),
                     "answers_mean": round(sum(filed) / len(filed), 2) if filed else None,
                     "answers_max": max(filed) if filed else None}
    return out


def _run_at(rev: str) -> list[dict]:
    """This script run against the code of an earlier commit, exported to a temporary directory."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        done = subprocess.run([sys.executable, __file__, "--tree", tmp, "--rows"], check=True, capture_output=True,
                              text=True, cwd=tmp)
        return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a git revision to compare with (its code is run the same way)")
    parser.add_argument("--tree", help=argparse.SUPPRESS)
    parser.add_argument("--rows", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    args = parser.parse_args()
    if args.rows:
        print(json.dumps(measure(Path(args.tree)), ensure_ascii=False))
        return
    after = measure(ROOT)
    before = _run_at(args.before) if args.before else None
    if args.json:
        result = {"after": {"rows": after, "summary": summarise(after)}}
        if before is not None:
            result["before"] = {"rev": args.before, "rows": before, "summary": summarise(before)}
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    shown = lambda value: "-" if value is None else str(value)  # noqa: E731
    print("answers after the first message until filed (direct | after 我要求助); '-': not filed")
    for index, row in enumerate(after):
        old = f"{shown(before[index]['direct']):>2} | {shown(before[index]['after_start']):>2}  ->  " if before else ""
        print(f"{old}{shown(row['direct']):>2} | {shown(row['after_start']):>2}   {row['first']}")
    for label, rows in (("before", before), ("after", after)):
        if rows is not None:
            print(label, json.dumps(summarise(rows), ensure_ascii=False))


if __name__ == "__main__":
    main()
