"""The timers as processes run them: `yibang tick` and `yibang report`, a scheduler killed and restarted,
and two schedulers on one PostgreSQL database. Nothing waits for a deadline: the world is built with a
clock set back in time, and the tests wait only for processes to do their work."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from sqlalchemy import select
from support.citizens import Citizen
from support.world import PG_URL, at, drop_pg_schema, new_pg_schema

from bot.console import ConsoleChat
from bot.dispatcher import Dispatcher, Sent
from bot.sweeps import run_sweeps
from config import Settings
from handlers.cases.actions import Actor, CaseDesk
from handlers.clock import FrozenClock
from handlers.delivery.outbox import OutboxItem
from handlers.delivery.payloads import opened
from handlers.services import Services
from storage import Database, FieldCipher
from storage.conversations import find_conversation
from storage.models import OutboxMessage, SharedValue

ROOT = Path(__file__).resolve().parents[1]
SECRET = "timer-process-secret-" + "x" * 32
STAFF = Actor("telegram:501", "李娜")
PLAIN = "请问现在离开郑州需要什么条件，高铁还能坐吗"


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'yibang.sqlite3'}"
        return
    url, schema = new_pg_schema()
    yield url
    drop_pg_schema(schema)


@pytest.fixture
def env(tmp_path, database_url):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("YIBANG_")}
    environment.update(YIBANG_DATA_DIR=str(tmp_path / "data"), YIBANG_DATABASE_URL=database_url,
                       YIBANG_SECRET_KEY=SECRET, PYTHONPATH=str(ROOT))
    return environment


@pytest.fixture
def world(env, taxonomy, classifier):
    """In-test services on the processes' database, with a clock of their own."""
    settings = Settings(_env_file=None, data_dir=env["YIBANG_DATA_DIR"], database_url=env["YIBANG_DATABASE_URL"],
                        secret_key=SECRET)
    database = Database(env["YIBANG_DATABASE_URL"])
    database.migrate()
    services = Services(settings=settings, taxonomy=taxonomy, classifier_instance=classifier, db=database,
                        cipher=FieldCipher([SECRET]), clock=FrozenClock(datetime.now(UTC)))
    yield services
    database.dispose()


def yibang(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120, check=False)


def act(services, number, action):
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, STAFF, services.clock.now())
        return action(desk, desk.case(number))


def outbox_rows(services) -> list[OutboxMessage]:
    with services.db.reading() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    """Wait for a process to have done something (never for a deadline: those are set in the past)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


# ---------------------------------------------------------------- yibang tick, yibang report


def test_tick_runs_every_sweep_once_and_report_writes_the_files(env, world, tmp_path):
    world.clock.set(at("2022-01-10 10:00"))
    number = Citizen(world, user="alice", pause=0).files(problem=PLAIN)

    first = yibang(["tick", "--now", "2022-01-10T11:05:00+08:00"], env)
    assert first.returncode == 0, first.stderr
    done = json.loads(first.stdout)
    assert done["now"] == "2022-01-10T11:05:00+08:00"
    assert done["deadlines"] == {"reminded": 0, "escalated": 1}
    assert done["dispatched"] == 2  # the staff card and the escalation, to the log
    assert f"【超时】{number}" in first.stderr and f"【新求助】{number}" in first.stderr

    again = yibang(["tick", "--now", "2022-01-10T11:06:00+08:00"], env)
    assert json.loads(again.stdout)["deadlines"] == {"reminded": 0, "escalated": 0}
    assert json.loads(again.stdout)["dispatched"] == 0

    evening = json.loads(yibang(["tick", "--now", "2022-01-10T17:01:00+08:00"], env).stdout)
    # after 17:00: the day's report, and the 7 h deadline passed
    assert evening["daily_report"] is True and evening["deadlines"]["escalated"] == 1
    assert evening["dispatched"] == 2

    out = tmp_path / "out"
    written = yibang(["report", "--date", "2022-01-10", "--out", str(out)], env)
    assert written.returncode == 0, written.stderr
    assert written.stdout.split() == [str(out / "report-2022-01-10.txt"), str(out / "report-2022-01-10.png")]
    assert "今日受理：1 件" in (out / "report-2022-01-10.txt").read_text(encoding="utf-8")
    assert (out / "report-2022-01-10.png").read_bytes()[:4] == b"\x89PNG"


def test_tick_refuses_a_time_without_an_offset(env):
    result = yibang(["tick", "--now", "2022-01-10T11:05:00"], env)
    assert result.returncode == 2 and "offset" in result.stderr


# ---------------------------------------------------------------- killed and restarted


def start_scheduler(env: dict[str, str], deliveries: Path, *, hang: bool, log: Path) -> subprocess.Popen:
    environment = dict(env, STAND_IN_DELIVERIES=str(deliveries), STAND_IN_HANG="1" if hang else "0",
                       STAND_IN_LEASE="3")
    with open(log, "a", encoding="utf-8") as stderr:
        return subprocess.Popen([sys.executable, str(ROOT / "tests" / "support" / "scheduler_process.py")], env=environment,
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)


def test_a_killed_scheduler_delivers_everything_exactly_once_after_a_restart(env, world, tmp_path):
    deliveries = tmp_path / "deliveries.txt"
    deliveries.touch()
    log = tmp_path / "scheduler.log"
    real_now = datetime.now(UTC)
    alice = Citizen(world, user="alice")
    world.clock.set(real_now - timedelta(hours=3))
    number = alice.files(problem=PLAIN)
    world.clock.advance(minutes=5)
    act(world, number, lambda desk, case: desk.note(case, "已联系铁路部门核实"))
    [note] = [row.id for row in outbox_rows(world) if row.channel == "console"]

    first = start_scheduler(env, deliveries, hang=True, log=log)
    try:
        # It sends to staff, then hangs sending the note to the citizen: the note is claimed, not delivered.
        wait_for(lambda: next(r for r in outbox_rows(world) if r.id == note).attempts == 1, "the note claimed")
        world.clock.advance(minutes=5)
        act(world, number, lambda desk, case: desk.note(case, "明早八点前给您答复"))
        pending = [row.id for row in outbox_rows(world) if row.status == "pending"]
        assert len(pending) >= 2
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    # During the outage: the case is solved two hours ago, so its revisit falls due; a neighbour writes.
    world.clock.set(datetime.now(UTC) - world.taxonomy.revisit.after)
    act(world, number, lambda desk, case: desk.resolve(case, "已告知出行政策"))
    Citizen(world, user="bob").files(problem="小区封控三天了，家里没有菜了，孩子还小", name="王先生",
                                    phone="13800138000")

    second = start_scheduler(env, deliveries, hang=False, log=log)
    try:
        wait_for(lambda: any(r.dedupe_key.startswith("revisit:") for r in outbox_rows(world)), "the revisit")
        wait_for(lambda: all(row.status == "sent" for row in outbox_rows(world)), "every row delivered")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    rows = outbox_rows(world)
    delivered = Counter(int(line) for line in deliveries.read_text().split())
    assert set(delivered) == {row.id for row in rows}, log.read_text()
    assert all(count == 1 for count in delivered.values()), delivered
    assert next(row for row in rows if row.id == note).attempts == 2  # once hanging, once delivered
    [revisit] = [row for row in rows if row.dedupe_key.startswith("revisit:")]
    assert opened(world.cipher, revisit.payload)["choices"] == ["已解决", "部分解决", "未解决"]
    with world.db.reading() as session:
        assert find_conversation(session, "console", "alice").step == "revisit"
        heartbeat = session.get(SharedValue, "scheduler_heartbeat")
        assert heartbeat is not None and json.loads(heartbeat.value)["job"]


def test_yibang_scheduler_sends_and_beats_and_stops_on_sigterm(env, world, tmp_path):
    world.clock.set(datetime.now(UTC))
    number = Citizen(world, user="alice").files(problem=PLAIN)
    log = tmp_path / "scheduler.log"
    with open(log, "w", encoding="utf-8") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "bot", "scheduler"], env=env, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_for(lambda: all(row.status == "sent" for row in outbox_rows(world)), "the staff card sent")

        def beating() -> bool:
            with world.db.reading() as session:
                return session.get(SharedValue, "scheduler_heartbeat") is not None

        wait_for(beating, "the heartbeat")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert log.read_text(encoding="utf-8").count(f"【新求助】{number}") == 1


# ---------------------------------------------------------------- two schedulers, one PostgreSQL


class RecordingSender:
    def __init__(self, channel: str, deliveries: list[int], lock: threading.Lock):
        self.channel = channel
        self.deliveries = deliveries
        self.lock = lock

    async def send(self, item: OutboxItem) -> Sent:
        with self.lock:
            self.deliveries.append(item.id)
        return Sent()


@pytest.mark.skipif(not PG_URL, reason="needs YIBANG_TEST_DATABASE_URL (PostgreSQL)")
def test_two_schedulers_on_one_postgresql_send_every_row_exactly_once(taxonomy, classifier, tmp_path):
    url, schema = new_pg_schema()
    clock = FrozenClock(at("2022-01-10 08:40"))
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=url, secret_key=SECRET)

    def process_services() -> Services:
        return Services(settings=settings, taxonomy=taxonomy, classifier_instance=classifier, db=Database(url),
                        cipher=FieldCipher([SECRET]), clock=clock)

    world, first, second = process_services(), process_services(), process_services()
    world.db.migrate()
    try:
        people = [Citizen(world, user=f"u{n}", pause=0) for n in range(6)]
        early = [person.files(problem=PLAIN, phone=f"1380013800{n}") for n, person in enumerate(people[:3])]
        clock.set(at("2022-01-10 08:45"))
        for number in early[:2]:
            act(world, number, lambda desk, case: desk.resolve(case, "已告知出行政策"))  # revisits due 10:45
        clock.set(at("2022-01-10 10:00"))
        late = [person.files(problem=PLAIN, phone=f"1390013900{n}") for n, person in enumerate(people[3:])]

        deliveries: list[int] = []
        lock = threading.Lock()
        barrier = threading.Barrier(3, timeout=60)
        failures: list[BaseException] = []
        steps = [at("2022-01-10 10:44:30") + timedelta(seconds=5 * n) for n in range(13)]  # one minute

        def scheduler(services: Services) -> None:
            senders = [RecordingSender("log", deliveries, lock), RecordingSender("console", deliveries, lock)]
            dispatcher = Dispatcher(services, senders, batch=3)
            for _ in steps:
                barrier.wait()
                try:
                    run_sweeps(services, clock.now())
                    while asyncio.run(dispatcher.run_once()):
                        pass
                except Exception as exc:  # reported below; the other threads must not wait forever
                    failures.append(exc)
                barrier.wait()

        runners = [threading.Thread(target=scheduler, args=(services,)) for services in (first, second)]
        for runner in runners:
            runner.start()
        for n, moment in enumerate(steps):
            clock.set(moment)
            if n == 6:  # the world goes on meanwhile: staff write to a citizen
                act(world, late[0], lambda desk, case: desk.note(case, "正在核实", internal=False))
            barrier.wait()
            barrier.wait()
        for runner in runners:
            runner.join(timeout=60)

        assert failures == []
        rows = outbox_rows(world)
        assert all(row.status == "sent" for row in rows)
        assert Counter(deliveries) == Counter({row.id for row in rows}), "a row was sent twice or never"
        keys = [row.dedupe_key for row in rows]
        assert sum(key.startswith("revisit:") for key in keys) == 2
        assert sum(key.startswith("deadline:") and key.endswith(":contact:remind:log:staff") for key in keys) == 3
        with world.db.reading() as session:
            asked = [find_conversation(session, "console", f"u{n}").step for n in range(2)]
        assert asked == ["revisit", "revisit"]
    finally:
        for services in (world, first, second):
            services.db.dispose()
        drop_pg_schema(schema)


def test_the_console_prints_a_revisit_once(world):
    world.clock.set(at("2022-01-10 10:00"))
    alice = Citizen(world, user="alice")
    number = alice.files(problem=PLAIN)
    world.clock.set(at("2022-01-10 10:30"))
    act(world, number, lambda desk, case: desk.resolve(case, "已告知出行政策"))
    world.clock.set(at("2022-01-10 12:30"))
    run_sweeps(world, world.clock.now())
    screen = StringIO()
    chat = ConsoleChat(world, "chat-alice", screen)  # the terminal's user is its own chat
    chat.deliver_pushes()
    chat.deliver_pushes()
    assert screen.getvalue().count("问题解决了吗？") == 1 and "回复 1 选择 已解决" in screen.getvalue()
