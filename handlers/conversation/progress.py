"""查看进度 and 撤回: a citizen sees and withdraws their own cases, never anyone else's.

A number that is not theirs gets the same answer as a number that does not exist, so probing numbers
reveals nothing.
"""

from __future__ import annotations

from handlers.cases.actions import Actor, CaseDesk
from handlers.cases.states import OPEN, Status, allowed
from handlers.cases.timeline import CITIZEN, change_status
from handlers.conversation.turn import Turn
from handlers.staff import notices as staff_notices
from handlers.wording import status_label
from storage.cases import case_by_number, cases_of_citizen, is_citizen_of
from storage.models import Case, CaseEvent

LIST_LIMIT = 10


def _own_case(turn: Turn, number: str, *, lock: bool = False) -> Case | None:
    """The case if it is this citizen's (or one they follow after a merge); None otherwise."""
    case = case_by_number(turn.session, number, lock=lock)
    conversation = turn.conversation
    if case is None or not is_citizen_of(turn.session, case, conversation.channel, conversation.user_key):
        return None
    return case


def _owns(turn: Turn, case: Case) -> bool:
    return case.channel == turn.conversation.channel and case.user_key == turn.conversation.user_key


def _public_events(case: Case) -> list[CaseEvent]:
    return [event for event in case.events if event.public]


def _latest(turn: Turn, case: Case) -> str:
    if case.status == Status.MERGED and case.merged_into is not None:
        return turn.text("progress_merged", number=case.merged_into.number)
    events = _public_events(case)
    if not events:
        return turn.texts.progress_no_public_event
    event = events[-1]
    return f"{turn.services.local(event.at):%m-%d %H:%M} {event.text or status_label(turn.taxonomy, event.to_status or '')}"


def show_progress(turn: Turn, number: str = "") -> None:
    if number:
        case = _own_case(turn, number)
        if case is None:
            turn.say("progress_not_found", number=number)
            return
        timeline = "\n".join(
            f"{turn.services.local(event.at):%m-%d %H:%M} {event.text or ''}" for event in _public_events(case)
        )
        if case.status == Status.MERGED and case.merged_into is not None:
            timeline += "\n" + turn.text("progress_merged", number=case.merged_into.number)
        turn.say(
            "progress_detail",
            number=case.number,
            status=status_label(turn.taxonomy, case.status),
            category=case.category,
            urgency=case.urgency,
            district=case.district or turn.texts.masked_none,
            created=f"{turn.services.local(case.created_at):%Y-%m-%d %H:%M}",
            timeline=timeline or turn.texts.progress_no_public_event,
        )
        return
    cases = cases_of_citizen(turn.session, turn.conversation.channel, turn.conversation.user_key)
    if not cases:
        turn.say("progress_none")
        return
    lines = [turn.text("progress_header", count=len(cases))]
    for case in cases[:LIST_LIMIT]:
        lines.append(
            turn.text(
                "progress_item",
                number=case.number,
                status=status_label(turn.taxonomy, case.status),
                category=case.category,
                latest=_latest(turn, case),
            )
        )
    turn.ask("\n".join(lines))


def open_cases(turn: Turn) -> list[Case]:
    conversation = turn.conversation
    return [
        c for c in cases_of_citizen(turn.session, conversation.channel, conversation.user_key)
        if c.status in OPEN and _owns(turn, c)
    ]


def withdraw(turn: Turn, number: str) -> None:
    if not number:
        turn.say("withdraw_usage")
        return
    case = _own_case(turn, number, lock=True)
    if case is None or not _owns(turn, case):
        turn.say("progress_not_found", number=number)
        return
    if not allowed(case.status, Status.WITHDRAWN):
        turn.say("withdraw_not_allowed", number=case.number, status=status_label(turn.taxonomy, case.status))
        return
    change_status(
        turn.session,
        case,
        Status.WITHDRAWN,
        kind="withdrawn",
        actor=CITIZEN,
        at=turn.now,
        public=True,
        text=turn.texts.event_withdrawn,
    )
    staff_notices.tell_staff(
        turn.session,
        turn.services,
        f"{case.number} {turn.texts.event_withdrawn}",
        dedupe_key=f"withdrawn:{case.id}",
        now=turn.now,
        case_id=case.id,
    )
    # The card in the staff group stops offering steps a withdrawn case cannot take.
    CaseDesk(turn.services, turn.session, Actor(CITIZEN), turn.now).refresh_card(case)
    turn.say("withdraw_done", number=case.number)
