"""Personal data over its lifetime: rotation of the secret key, retention, erasure on request."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.cases.actions import Actor, CaseDesk
from handlers.privacy.anonymous import ANONYMOUS
from handlers.privacy.erasure import erase_citizen
from handlers.privacy.keys import rekey
from handlers.privacy.retention import purge
from storage import FieldCipher
from storage.models import Case, Conversation, InboxMessage, OutboxMessage

OLD = "test-secret-key-that-is-long-enough-0123456789"  # the fixtures' key
NEW = "a-brand-new-secret-key-for-rotation-9876543210"


def cases(services) -> list[Case]:
    with services.db.reading() as session:
        found = list(session.scalars(select(Case).order_by(Case.id)))
        for case in found:
            _ = case.events
        return found


def test_rekey_moves_everything_to_the_newest_key(citizen, services):
    number = citizen.files(phone="13912345678")
    citizen.says("我要求助")  # a form under way: its slots are encrypted too
    services.cipher = FieldCipher([NEW, OLD])
    report = rekey(services)
    assert report.cases == 1 and report.conversations == 1 and report.inbox >= 7
    only_new = FieldCipher([NEW])
    case = cases(services)[0]
    assert only_new.decrypt(case.phone_enc) == "13912345678"
    assert case.phone_index == only_new.index("13912345678")
    with services.db.reading() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert only_new.decrypt_json(conversation.slots_enc) is not None
        assert only_new.decrypt(conversation.contact_phone_enc) == "13912345678"
    services.cipher = only_new
    assert number in citizen.says("查看进度")


def test_purge_anonymises_old_closed_cases_and_keeps_the_figures(citizen, neighbour, services, clock):
    old = citizen.files(phone="13912345678", problem="家里老人的药吃完了，联系电话13912345678")
    recent = neighbour.files(name="王先生", phone="13800138000")
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, Actor("cli:it"), clock.now())
        desk.reject(desk.case(old), "重复")
    category = cases(services)[0].category
    clock.advance(days=200)
    report = purge(services, timedelta(days=180))
    assert report.cases == 1
    by_number = {case.number: case for case in cases(services)}
    gone = by_number[old]
    assert gone.name_enc is None and gone.phone_enc is None and gone.user_key == ANONYMOUS
    assert "13912345678" not in gone.problem and gone.category == category and gone.district == "金水区"
    assert gone.events[-1].kind == "anonymised"
    assert by_number[recent].phone_enc is not None, "an open case keeps its contact"
    with services.db.reading() as session:
        assert all(m.replies_enc is None for m in session.scalars(select(InboxMessage)))
    assert purge(services, timedelta(days=180)).cases == 0, "purging twice changes nothing more"


def test_erasure_on_request_withdraws_and_forgets_the_citizen(citizen, neighbour, services):
    first = citizen.files(phone="13912345678")
    second = citizen.files(problem="另外想问一下小区什么时候解封")
    other = neighbour.files(name="王先生", phone="13800138000")
    report = erase_citizen(services, phone="13912345678")
    assert report.cases == 2 and report.conversations == 1
    by_number = {case.number: case for case in cases(services)}
    for number in (first, second):
        case = by_number[number]
        assert case.status == "withdrawn" and case.phone_enc is None and case.user_key == ANONYMOUS
        assert case.problem == "［应市民要求已删除］"
    assert by_number[other].phone_enc is not None
    with services.db.reading() as session:
        pending = session.scalars(
            select(OutboxMessage).where(OutboxMessage.target == "chat-u1", OutboxMessage.status == "pending")
        ).all()
    assert pending == []
    assert "还没有提交过求助" in citizen.says("查看进度")
    assert "继续使用" not in citizen.says("我要求助"), "the saved contact is gone"


def test_erasure_by_case_number(citizen, services):
    number = citizen.files()
    assert erase_citizen(services, case_number=number).cases == 1
    assert erase_citizen(services, case_number=number).cases == 0
