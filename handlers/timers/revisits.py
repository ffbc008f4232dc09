"""回访: a while after 办结 the citizen is asked "问题解决了吗？"; a revisit never answered closes the case.

Sweeps over due rows (after FixMyStreet's questionnaire), one transaction per run:

- `revisit.after` past `revisit_due_at`, the question goes out as a push with one-tap answers, and the
  citizen's conversation moves to the revisit step so their reply (a tap, a number, a typed label) is
  taken as the answer (handlers.conversation.revisit_answers).
- `revisit.close_after` past the question with no answer (or no satisfaction given), the case is closed
  (已销号) as unanswered, on the timeline.
- A solved case whose citizen had their data erased (handlers.privacy.erasure) cannot be asked: it is closed.

A citizen in the middle of something else (filling a form, choosing what to do with a supplement, another
revisit) is not interrupted: their numbered answers there would be taken for revisit answers, or the
reverse. Their revisit is deferred to a later run; a form left alone expires after conversation_ttl, so
the wait is bounded by the citizen's own activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.cases.actions import Actor, CaseDesk
from handlers.cases.states import Status
from handlers.cases.timeline import NOT_TOLD, SYSTEM, add_event, change_status
from handlers.conversation.correction import FILED
from handlers.conversation.dialogue import MENU
from handlers.conversation.revisit_answers import REVISIT, STEPS, answer_labels, question
from handlers.conversation.turn import IDLE
from handlers.delivery import payloads
from handlers.privacy.anonymous import ANONYMOUS
from handlers.services import Services
from storage import outbox
from storage.cases import followers_of
from storage.conversations import lock_conversation
from storage.models import Case, CaseFollower, Conversation
from storage.sweep_lock import try_sweep_lock

SWEEP = "revisits"
# Solved and waiting for the citizen: for the question (已办结) or for their satisfaction (已回访).
AWAITING = (Status.RESOLVED.value, Status.REVISITED.value)
# Steps at which a citizen is not in the middle of anything: the idle chat and the greeting menu.
# where a citizen is not in the middle of anything: idle, the menu, just told their case number
FREE_STEPS = frozenset({IDLE, MENU, FILED})


@dataclass
class RevisitSweep:
    prompted: int = 0
    deferred: int = 0
    closed: int = 0


def sweep_revisits(services: Services, now: datetime, *, batch: int = 100) -> RevisitSweep:
    """Ask every revisit due at `now` and close every one left unanswered."""
    result = RevisitSweep()
    with services.db.transaction() as session:
        if not try_sweep_lock(session, SWEEP):
            return result
        for case_id in _due_for_prompt(session, now, batch):
            _prompt(session, services, case_id, now, result)
        for case_id in _due_for_closing(session, services, now, batch):
            _close_unanswered(session, services, case_id, now, result)
        _close_erased(session, services, now, batch, result)
    return result


# ---------------------------------------------------------------- asking


def _due_for_prompt(session: Session, now: datetime, limit: int) -> list[int]:
    return list(session.scalars(
        select(Case.id)
        .where(
            Case.status == Status.RESOLVED.value,
            Case.revisit_due_at <= now,
            Case.revisit_sent_at.is_(None),
            Case.user_key != ANONYMOUS,
        )
        .order_by(Case.revisit_due_at, Case.id)
        .limit(limit)
    ))


def _prompt(session: Session, services: Services, case_id: int, now: datetime, result: RevisitSweep) -> None:
    found = _lock_citizen_and_case(session, case_id, now)
    if found is None:
        result.deferred += 1
        return
    conversation, case = found
    if case.status != Status.RESOLVED or case.revisit_sent_at is not None:
        return
    if _busy(services, conversation, case, now):
        result.deferred += 1
        return
    texts = services.taxonomy.texts
    case.revisit_sent_at = now
    add_event(session, case, kind="revisit_sent", actor=SYSTEM, at=now, text=texts.event_revisit_sent)
    # A citizen who gave no way to be told is not asked; the case closes unanswered in due time.
    if case.chat_key != NOT_TOLD:
        outbox.enqueue(
            session,
            channel=case.channel,
            target=case.chat_key,
            payload=payloads.citizen_update(services.cipher, question(texts, case), answer_labels(texts)),
            # one question per resolution: a case reopened and resolved again is asked again
            dedupe_key=f"revisit:{case.id}:{int(case.revisit_due_at.timestamp())}",
            now=now,
            case_id=case.id,
        )
    _move_conversation(services, conversation, REVISIT, {"case": case.number}, now,
                       expires_at=now + services.taxonomy.revisit.close_after)
    for follower in followers_of(session, case):
        _prompt_follower(session, services, case, follower, now)
    result.prompted += 1


def _prompt_follower(session: Session, services: Services, case: Case, follower: CaseFollower, now: datetime) -> None:
    """A citizen following the case (merged into it, or who chose to follow it) is asked too, in their own chat;
    their answer is theirs to give (handlers.conversation.revisit_answers). One in the middle of something
    else, or writing right now, is not interrupted: the case's own citizen decides when it closes."""
    conversation = _try_lock_conversation(session, follower.channel, follower.user_key)
    if conversation is None or _busy(services, conversation, case, now):
        return
    outbox.enqueue(
        session,
        channel=follower.channel,
        target=follower.chat_key,
        payload=payloads.citizen_update(services.cipher, question(services.taxonomy.texts, case),
                                        answer_labels(services.taxonomy.texts)),
        dedupe_key=f"revisit:{case.id}:{int(case.revisit_due_at.timestamp())}:{follower.channel}:{follower.user_key}",
        now=now,
        case_id=case.id,
    )
    _move_conversation(services, conversation, REVISIT, {"case": case.number}, now,
                       expires_at=now + services.taxonomy.revisit.close_after)


def _busy(services: Services, conversation: Conversation, case: Case, now: datetime) -> bool:
    """In the middle of something that numbered answers would collide with (an expired form is not)."""
    if conversation.step in FREE_STEPS:
        return False
    if conversation.expires_at is not None and conversation.expires_at <= now:
        return False
    # Still at an earlier revisit of this same case (staff reopened and resolved it again): ask anew.
    return not (conversation.step in STEPS and _slots(services, conversation).get("case") == case.number)


# ---------------------------------------------------------------- closing when unanswered


def _due_for_closing(session: Session, services: Services, now: datetime, limit: int) -> list[int]:
    asked_before = now - services.taxonomy.revisit.close_after
    return list(session.scalars(
        select(Case.id)
        .where(
            Case.status.in_(AWAITING),
            Case.revisit_sent_at <= asked_before,
            Case.user_key != ANONYMOUS,
        )
        .order_by(Case.revisit_sent_at, Case.id)
        .limit(limit)
    ))


def _close_unanswered(session: Session, services: Services, case_id: int, now: datetime,
                      result: RevisitSweep) -> None:
    found = _lock_citizen_and_case(session, case_id, now)
    if found is None:
        result.deferred += 1
        return
    conversation, case = found
    asked = case.revisit_sent_at
    if asked is None or asked > now - services.taxonomy.revisit.close_after:
        return
    texts = services.taxonomy.texts
    if case.status == Status.RESOLVED:
        change_status(session, case, Status.CLOSED, kind="revisit_unanswered", actor=SYSTEM, at=now, public=True,
                      text=texts.event_revisit_unanswered,
                      notify_citizen=texts.citizen_revisit_unanswered.format(number=case.number),
                      cipher=services.cipher)
    elif case.status == Status.REVISITED:
        change_status(session, case, Status.CLOSED, kind="revisit_unrated", actor=SYSTEM, at=now, public=True,
                      text=texts.event_revisit_unrated)
    else:
        return
    if conversation.step in STEPS and _slots(services, conversation).get("case") == case.number:
        _move_conversation(services, conversation, IDLE, {}, now, expires_at=None)
    CaseDesk(services, session, Actor(SYSTEM), now).refresh_card(case)
    result.closed += 1


# ---------------------------------------------------------------- citizens whose data was erased


def _close_erased(session: Session, services: Services, now: datetime, limit: int, result: RevisitSweep) -> None:
    """A citizen erased on request (handlers.privacy.erasure) cannot be asked and will never answer: their solved
    cases are closed at once rather than left waiting for a revisit."""
    cases = session.scalars(
        select(Case)
        .where(Case.status.in_(AWAITING), Case.user_key == ANONYMOUS)
        .order_by(Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    for case in cases:
        change_status(session, case, Status.CLOSED, kind="revisit_impossible", actor=SYSTEM, at=now, public=True,
                      text=services.taxonomy.texts.event_revisit_impossible)
        result.closed += 1


# ---------------------------------------------------------------- the citizen's conversation


def _lock_citizen_and_case(session: Session, case_id: int, now: datetime) -> tuple[Conversation, Case] | None:
    """The case's conversation, then the case, both locked in the order a citizen's message takes them.

    Neither lock is waited for: a row someone holds right now (the citizen is writing, a staff member
    acting) is skipped (None) and tried again next run, so the sweep can never deadlock with them.
    """
    case = session.get(Case, case_id)
    if case is None:
        return None
    conversation = _try_lock_conversation(session, case.channel, case.user_key)
    if conversation is None:
        if _has_conversation(session, case):
            return None
        # a case filed without a dialogue (imported): give its citizen one to answer in
        lock_conversation(session, case.channel, case.user_key, case.chat_key, now)
        conversation = session.scalars(
            select(Conversation).where(Conversation.channel == case.channel, Conversation.user_key == case.user_key)
        ).one()
    locked = session.scalars(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).one_or_none()
    return None if locked is None else (conversation, locked)


def _try_lock_conversation(session: Session, channel: str, user_key: str) -> Conversation | None:
    """The citizen's conversation, locked; None when there is none or someone holds it right now."""
    return session.scalars(
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.user_key == user_key)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _has_conversation(session: Session, case: Case) -> bool:
    return session.scalar(
        select(Conversation.id).where(Conversation.channel == case.channel, Conversation.user_key == case.user_key)
    ) is not None


def _slots(services: Services, conversation: Conversation) -> dict[str, Any]:
    return services.cipher.decrypt_json(conversation.slots_enc) or {}


def _move_conversation(services: Services, conversation: Conversation, step: str, slots: dict[str, Any],
                       now: datetime, *, expires_at: datetime | None) -> None:
    """What handling a message does to the conversation row (handlers.process), done by the sweep."""
    conversation.step = step
    conversation.slots_enc = services.cipher.encrypt_json(slots) if slots else None
    conversation.expires_at = expires_at
    conversation.version += 1
    conversation.updated_at = now
