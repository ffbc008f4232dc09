"""回访 answered: the citizen's replies to "问题解决了吗？" and to "满意吗？", as dialogue steps.

The revisit sweep (handlers.timers.revisits) asks the question and puts the conversation at REVISIT with the
case number in the slots. Each answer is a change of state recorded with the citizen as actor (a citizen who follows the case, after a
merge or by choice at intake, is asked too: their answers go on the timeline, and only 未解决 / 不满意 moves
the case, reopening it):

- 已解决 / 部分解决: 已办结 -> 已回访, then 满意 / 基本满意 / 不满意 is asked;
- 满意 / 基本满意: the satisfaction is recorded, 已回访 -> 已销号;
- 未解决, or 不满意: the case is reopened at once (办理中), staff are told, and the citizen is asked what
  is still wrong; their words go to staff and onto the timeline.

The citizen is answered directly, so these public events push nothing more to them.
"""

from __future__ import annotations

from datetime import timedelta

from config.texts import Texts
from handlers.cases.actions import Actor, CaseDesk
from handlers.cases.states import Status
from handlers.cases.timeline import CITIZEN, add_event, change_status
from handlers.conversation.turn import Turn
from handlers.staff import notices as staff_notices
from handlers.wording import citizen_words, status_label
from storage.cases import case_by_number, is_citizen_of
from storage.models import Case

REVISIT = "revisit"  # 问题解决了吗？
SATISFACTION = "revisit_satisfaction"  # 您对办理满意吗？
STILL_WRONG = "revisit_still_wrong"  # 还有什么问题没有解决？
STEPS = (REVISIT, SATISFACTION, STILL_WRONG)

SOLVED, PARTLY, UNSOLVED = range(3)
SATISFIED, FAIRLY_SATISFIED, DISSATISFIED = range(3)


def question(texts: Texts, case: Case) -> str:
    """问题解决了吗？ with the result the citizen was told at 办结."""
    return texts.revisit_prompt.format(number=case.number, result=case.result or "")


def answer_labels(texts: Texts) -> tuple[str, ...]:
    return (texts.choice_revisit_solved, texts.choice_revisit_partly, texts.choice_revisit_unsolved)


def answer_choices(turn: Turn) -> tuple[str, ...]:
    return answer_labels(turn.texts)


def satisfaction_choices(turn: Turn) -> tuple[str, ...]:
    texts = turn.texts
    return (texts.choice_satisfied, texts.choice_fairly_satisfied, texts.choice_dissatisfied)


def lifetime(turn: Turn) -> timedelta:
    """A revisit waits for its answer as long as the case stays open for one, not the form's half hour."""
    return turn.taxonomy.revisit.close_after


def reprompt(turn: Turn) -> None:
    number = turn.slots.get("case", "")
    if turn.step == REVISIT:
        case = case_by_number(turn.session, number)
        if case is not None:
            turn.ask(question(turn.texts, case), answer_choices(turn))
    elif turn.step == SATISFACTION:
        turn.ask(turn.text("revisit_ask_satisfaction", number=number), satisfaction_choices(turn))
    else:
        turn.ask(turn.text("revisit_ask_still_wrong", number=number))


def answer(turn: Turn, index: int) -> None:
    """已解决 / 部分解决 / 未解决."""
    case = _case_awaiting(turn, Status.RESOLVED)
    if case is None:
        return
    label = answer_choices(turn)[index]
    if index == UNSOLVED:
        case.revisit_answer = label
        _reopen(turn, case, label)
        return
    if not _owns(turn, case):
        _follower_said(turn, case, turn.text("event_revisit_answer", answer=label))
        turn.go(SATISFACTION)
        turn.ask(turn.text("revisit_ask_satisfaction", number=case.number), satisfaction_choices(turn))
        return
    case.revisit_answer = label
    change_status(turn.session, case, Status.REVISITED, kind="revisited", actor=CITIZEN, at=turn.now, public=True,
                  text=turn.text("event_revisit_answer", answer=label), data={"answer": label})
    _refresh_card(turn, case)
    turn.go(SATISFACTION)
    turn.ask(turn.text("revisit_ask_satisfaction", number=case.number), satisfaction_choices(turn))


def rate(turn: Turn, index: int) -> None:
    """满意 / 基本满意 / 不满意."""
    case = _case_awaiting(turn, Status.REVISITED)
    if case is None:
        return
    label = satisfaction_choices(turn)[index]
    if index == DISSATISFIED:
        case.satisfaction = label
        _reopen(turn, case, label)
        return
    if not _owns(turn, case):
        _follower_said(turn, case, turn.text("event_revisit_closed", satisfaction=label))
        turn.reset()
        turn.ask(turn.texts.similar.revisit_follower_thanks.format(number=case.number))
        return
    case.satisfaction = label
    change_status(turn.session, case, Status.CLOSED, kind="closed", actor=CITIZEN, at=turn.now, public=True,
                  text=turn.text("event_revisit_closed", satisfaction=label), data={"satisfaction": label})
    _refresh_card(turn, case)
    turn.reset()
    turn.say("revisit_thanks", number=case.number)


def still_wrong(turn: Turn, text: str) -> None:
    """What the citizen says is still wrong goes to staff and onto the reopened case's timeline."""
    number = turn.slots.get("case", "")
    turn.reset()
    case = case_by_number(turn.session, number, lock=True)
    if case is None or not is_citizen_of(turn.session, case, turn.conversation.channel, turn.conversation.user_key):
        return
    add_event(turn.session, case, kind="revisit_comment", actor=CITIZEN, at=turn.now,
              text=turn.text("event_revisit_comment", text=text))
    staff_notices.tell_staff(
        turn.session,
        turn.services,
        turn.text("staff_revisit_comment", number=case.number, text=citizen_words(text)),
        dedupe_key=f"revisit-comment:{turn.incoming.channel}:{turn.incoming.user_key}:{turn.incoming.message_id}",
        now=turn.now,
        case_id=case.id,
    )
    turn.say("revisit_passed_on", number=case.number)


def _reopen(turn: Turn, case: Case, answer_label: str) -> None:
    """未解决 / 不满意: back to 办理中 at once; staff hear of it now, the citizen's words follow."""
    event_id = change_status(turn.session, case, Status.IN_PROGRESS, kind="reopened", actor=CITIZEN, at=turn.now,
                             public=True, text=turn.text("event_revisit_reopened", answer=answer_label),
                             data={"answer": answer_label})
    case.revisit_due_at = None
    staff_notices.tell_staff(
        turn.session,
        turn.services,
        turn.text("staff_revisit_reopened", number=case.number, answer=answer_label),
        dedupe_key=f"revisit-reopened:{event_id}",
        now=turn.now,
        case_id=case.id,
    )
    _refresh_card(turn, case)
    turn.go(STILL_WRONG)
    turn.ask(turn.text("revisit_ask_still_wrong", number=case.number))


def _case_awaiting(turn: Turn, status: Status) -> Case | None:
    """The revisited case, locked, if it still waits for this answer; otherwise the revisit is over
    (staff reopened it meanwhile, or it was closed as unanswered) and the citizen is told so."""
    number = turn.slots.get("case", "")
    case = case_by_number(turn.session, number, lock=True)
    if case is None or not is_citizen_of(turn.session, case, turn.conversation.channel, turn.conversation.user_key):
        turn.reset()
        return None
    # A follower's answers move nothing but a reopening, so theirs still count once the case's own citizen
    # has answered (已回访).
    follower_in_time = not _owns(turn, case) and case.status in (Status.RESOLVED, Status.REVISITED)
    if case.status != status and not follower_in_time:
        turn.reset()
        turn.say("revisit_over", number=case.number, status=status_label(turn.taxonomy, case.status))
        return None
    return case


def _follower_said(turn: Turn, case: Case, text: str) -> None:
    """A follower's revisit answer, on the timeline for staff; the case's state is its own citizen's to move."""
    add_event(turn.session, case, kind="revisit_follower", actor=CITIZEN, at=turn.now,
              text=turn.texts.similar.event_revisit_follower.format(text=text),
              data={"channel": turn.conversation.channel})


def _owns(turn: Turn, case: Case) -> bool:
    return case.channel == turn.conversation.channel and case.user_key == turn.conversation.user_key


def _refresh_card(turn: Turn, case: Case) -> None:
    CaseDesk(turn.services, turn.session, Actor(CITIZEN), turn.now).refresh_card(case)
