"""Staff actions on a case — 列单—交单—办单—清单 — the same from a group chat button and the command line.

Each action checks the state machine, writes its timeline event with the actor, pushes public steps to
the citizen in plain words, and refreshes the staff card. A refusal raises ActionRefused with a message
for the staff member; nothing is changed then (the caller's transaction rolls back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from config.texts import Texts
from handlers.cases.states import FINAL, IllegalTransition, Status, allowed
from handlers.cases.timeline import add_event, change_status
from handlers.delivery import payloads
from handlers.delivery.outbox import queue_for_each
from handlers.services import Services
from handlers.wording import status_label
from storage.cases import case_by_number, follow
from storage.models import Case

SUPERVISOR = "supervisor"
HANDLER = "handler"
# someone speaking for a department (in its Telegram chat, or its console account): 签收 and 退回 its cases
DEPARTMENT = "department"


class StaffStep(StrEnum):
    """The steps a staff member takes on a case, as every staff channel names them."""

    CONTACTED = "contacted"  # 已联系
    ASSIGN = "assign"  # 交办
    NOTE = "note"  # 回复
    RESOLVE = "resolve"  # 办结
    MERGE = "merge"  # 合并
    REJECT = "reject"  # 无效
    REOPEN = "reopen"  # 重新办理


@dataclass(frozen=True)
class Actor:
    """Who acts: `telegram:123456` with a display name, or `cli:alice`; the role decides what they may do."""

    key: str
    name: str = ""
    role: str = HANDLER
    # the department this person belongs to, if any: they accept (签收) and hand back (退回) its cases
    department: str | None = None

    def __str__(self) -> str:
        return f"{self.key}/{self.name}" if self.name else self.key


class ActionRefused(Exception):
    """Said to the staff member; the case is unchanged."""


@dataclass
class CaseDesk:
    """Staff actions within one transaction."""

    services: Services
    session: Session
    actor: Actor
    now: datetime

    # ---------------------------------------------------------------- finding cases

    def case(self, number: str, *, lock: bool = True) -> Case:
        case = case_by_number(self.session, number, lock=lock)
        if case is None:
            raise ActionRefused(self._text("staff_unknown_case", number=number))
        return case

    # ---------------------------------------------------------------- actions

    def contacted(self, case: Case) -> str:
        """已联系: meets the contact deadline; not a change of state."""
        self._require_open(case, self._text("staff_action_contact"))
        if case.contacted_at is None:
            case.contacted_at = self.now
        add_event(self.session, case, kind="contacted", actor=str(self.actor), at=self.now,
                  text=self._text("event_contacted"))
        self.refresh_card(case)
        return self._done(case, self._text("staff_action_contacted"))

    def assign(self, case: Case, department: str) -> str:
        names = [d.name for d in self.services.taxonomy.departments]
        if department not in names:
            suggestions = self.services.taxonomy.departments_for(case.category, case.district)[:5]
            raise ActionRefused(
                self._text("staff_unknown_department", department=department,
                           choices=self.texts.list_separator.join(suggestions))
            )
        # departments build on the desk: imported here, as they import it
        from handlers.departments.workflow import handed_over, may_assign

        may_assign(self, case)
        self._change(case, Status.ASSIGNED, self._text("staff_action_assign"), kind="assigned",
                     text=self._text("event_assigned", department=department),
                     notify=self._text("citizen_assigned", number=case.number, department=department),
                     data={"department": department})
        case.department = department
        handed_over(self, case)
        return self._done(case, self._text("staff_action_assign"))

    def note(self, case: Case, text: str, *, internal: bool = False) -> str:
        """回复: a public note to the citizen; on an 已交办 case it moves it to 办理中."""
        text = text.strip()
        if not text:
            raise ActionRefused(self._text("staff_note_empty"))
        if Status(case.status) in FINAL:
            raise ActionRefused(self._illegal(case, self._text("staff_action_note")))
        if not internal and case.status == Status.ASSIGNED:
            self._change(case, Status.IN_PROGRESS, self._text("staff_action_note"), kind="note", text=self._text("event_note", text=text),
                         notify=self._text("citizen_note", number=case.number, text=text))
        else:
            add_event(self.session, case, kind="note", actor=str(self.actor), at=self.now, public=not internal,
                      text=self._text("event_note", text=text),
                      notify_citizen=None if internal else self._text("citizen_note", number=case.number, text=text),
                      cipher=self.services.cipher)
        self.refresh_card(case)
        return self._done(case, self._text("staff_action_internal_note" if internal else "staff_action_note"))

    def resolve(self, case: Case, result: str) -> str:
        result = result.strip()
        if not result:
            raise ActionRefused(self._text("staff_result_empty"))
        self._change(case, Status.RESOLVED, self._text("staff_action_resolve"), kind="resolved", text=self._text("event_resolved", result=result),
                     notify=self._text("citizen_resolved", number=case.number, result=result))
        case.result = result
        case.revisit_due_at = self.now + self.revisit_after
        case.revisit_sent_at = None
        case.revisit_answer = None
        return self._done(case, self._text("staff_action_resolve"))

    def reopen(self, case: Case, reason: str) -> str:
        reason = reason.strip() or self._text("staff_reopen_reason")
        self._change(case, Status.IN_PROGRESS, self._text("staff_action_reopen"), kind="reopened",
                     text=self._text("event_reopened", reason=reason),
                     notify=self._text("citizen_reopened", number=case.number, reason=reason))
        case.revisit_due_at = None
        return self._done(case, self._text("staff_action_reopen"))

    def merge(self, case: Case, into_number: str) -> str:
        """合并: the citizen is told and follows the surviving case from now on."""
        survivor = self.case(into_number)
        if survivor.id == case.id:
            raise ActionRefused(self._text("staff_merge_self"))
        if Status(survivor.status) in FINAL:
            raise ActionRefused(self._text("staff_merge_final", into=survivor.number,
                                           status=status_label(self.services.taxonomy, survivor.status)))
        self._change(case, Status.MERGED, self._text("staff_action_merge"), kind="merged", text=self._text("event_merged", into=survivor.number),
                     notify=self._text("citizen_merged", number=case.number, into=survivor.number),
                     data={"into": survivor.number})
        case.merged_into_id = survivor.id
        self._follow(survivor, case.channel, case.user_key, case.chat_key)
        add_event(self.session, survivor, kind="merged_in", actor=str(self.actor), at=self.now,
                  text=self._text("event_merged_in", number=case.number), data={"from": case.number})
        self.refresh_card(survivor)
        return self._done(case, self._text("staff_action_merged_into", into=survivor.number))

    def reject(self, case: Case, reason: str) -> str:
        reason = reason.strip() or self._text("staff_reject_reason")
        self._change(case, Status.INVALID, self._text("staff_action_reject"), kind="rejected", text=self._text("event_rejected", reason=reason),
                     notify=self._text("citizen_rejected", number=case.number, reason=reason))
        return self._done(case, self._text("staff_action_reject"))

    def recategorise(self, case: Case, category: str) -> str:
        """A staff override of the classifier, recorded so the lexicon can learn from it."""
        if category not in self.services.taxonomy.category_names:
            raise ActionRefused(self._text("staff_unknown_category", category=category))
        old = case.category
        case.category = category
        case.needs_review = False
        add_event(self.session, case, kind="recategorised", actor=str(self.actor), at=self.now,
                  text=self._text("event_recategorised", old=old, new=category),
                  data={"field": "category", "old": old, "new": category, "problem": case.problem})
        self.refresh_card(case)
        return self._done(case, self._text("staff_action_recategorise"))

    def set_urgency(self, case: Case, urgent: bool) -> str:
        urgency = self.services.taxonomy.urgency
        level = urgency.urgent if urgent else urgency.normal
        old = case.urgency
        case.urgent = urgent
        case.urgency = level
        promise = self.services.taxonomy.promise[level]
        case.resolve_due = case.created_at + promise.resolve
        add_event(self.session, case, kind="urgency_changed", actor=str(self.actor), at=self.now,
                  text=self._text("event_urgency_changed", old=old, new=level),
                  data={"field": "urgency", "old": old, "new": level, "problem": case.problem})
        self.refresh_card(case)
        return self._done(case, self._text("staff_action_set_urgency"))

    def reveal_phone(self, case: Case) -> str:
        """Supervisors only; every reveal is on the timeline."""
        if self.actor.role != SUPERVISOR:
            raise ActionRefused(self._text("staff_not_allowed"))
        add_event(self.session, case, kind="phone_revealed", actor=str(self.actor), at=self.now,
                  text=self._text("event_phone_revealed"))
        return self.services.cipher.decrypt(case.phone_enc) or ""

    # ---------------------------------------------------------------- the staff card

    def refresh_card(self, case: Case) -> None:
        """Queue an edit of the posted staff card, so it shows the current state and who acted."""
        self.session.flush()
        latest = max((event.id for event in case.events), default=0)
        update = payloads.case_card_update(case.id, str(self.actor))
        queue_for_each(self.session, self.services.staff_destinations, update,
                       dedupe_key=f"card-update:{case.id}:{latest}", now=self.now, case_id=case.id)

    # ---------------------------------------------------------------- helpers

    @property
    def revisit_after(self) -> timedelta:
        return self.services.taxonomy.revisit.after

    def _change(self, case: Case, to: Status, action: str, *, kind: str, text: str, notify: str,
                data: dict | None = None) -> None:
        try:
            change_status(self.session, case, to, kind=kind, actor=str(self.actor), at=self.now, public=True,
                          text=text, notify_citizen=notify, data=data, cipher=self.services.cipher)
        except IllegalTransition:
            raise ActionRefused(self._illegal(case, action)) from None
        self.refresh_card(case)

    def _require_open(self, case: Case, action: str) -> None:
        if Status(case.status) in FINAL:
            raise ActionRefused(self._illegal(case, action))

    def _illegal(self, case: Case, action: str) -> str:
        return self._text("staff_illegal", number=case.number,
                          status=status_label(self.services.taxonomy, case.status), action=action)

    def _follow(self, case: Case, channel: str, user_key: str, chat_key: str) -> None:
        if case.channel == channel and case.user_key == user_key:
            return
        follow(self.session, case.id, channel, user_key, chat_key, self.now)

    def _done(self, case: Case, action: str) -> str:
        return self._text("staff_done", number=case.number, action=action)

    @property
    def texts(self) -> Texts:
        return self.services.taxonomy.texts

    def _text(self, key: str, **params: object) -> str:
        return getattr(self.texts, key).format(**params)


def allowed_actions(case: Case) -> list[StaffStep]:
    """The next steps staff may take on this case (a card's buttons), in the order they are offered."""
    status = Status(case.status)
    actions = []
    if status not in FINAL:
        actions.append(StaffStep.CONTACTED)
    if allowed(status, Status.ASSIGNED):
        actions.append(StaffStep.ASSIGN)
    if status not in FINAL:
        actions.append(StaffStep.NOTE)
    if allowed(status, Status.RESOLVED):
        actions.append(StaffStep.RESOLVE)
    if allowed(status, Status.MERGED):
        actions.append(StaffStep.MERGE)
    if allowed(status, Status.INVALID):
        actions.append(StaffStep.REJECT)
    if status in (Status.RESOLVED, Status.REVISITED):
        actions.append(StaffStep.REOPEN)
    return actions


# One staff step on a case at a desk: what to tell the staff member.
Step = Callable[[CaseDesk, Case], str]


def act(services: Services, actor: Actor, number: str, step: Step) -> str:
    """Take one step on case `number` in a transaction of its own; ActionRefused leaves nothing changed."""
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, actor, services.clock.now())
        return step(desk, desk.case(number))
