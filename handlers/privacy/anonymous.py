"""What erasure and retention leave of a case: the figures, without the person.

A case made anonymous keeps its category, district, times and states (the ledger and the statistics keep
their meaning) and loses its name, phone, platform ids, photos and the phone numbers typed into its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from config.texts import Texts
from handlers.attachments.retention import erase_for_case
from handlers.cases.timeline import SYSTEM, add_event
from storage import similar as similar_index
from storage.encryption import redact_identifiers
from storage.models import Case, CaseFollower

ANONYMOUS = "anonymised"


@dataclass
class PrivacyReport:
    cases: int = 0
    conversations: int = 0
    inbox: int = 0
    # photos and files deleted from the media store (purge, erase) or resealed (rekey)
    files: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"cases": self.cases, "conversations": self.conversations, "inbox": self.inbox,
                "files": self.files}


def anonymise_case(session: Session, texts: Texts, case: Case, now: datetime, *, reason: str,
                   drop_problem: bool) -> None:
    case.name_enc = None
    case.phone_enc = None
    case.phone_index = None
    case.details_enc = None
    case.user_key = ANONYMOUS
    case.chat_key = ANONYMOUS
    erase_for_case(session, case.id)
    case.problem = texts.problem_erased if drop_problem else redact_identifiers(case.problem)
    if drop_problem:
        # its words are gone, so are its terms in the similar-case index
        similar_index.remove(session, case.id)
    for event in case.events:
        if event.kind == "supplement":
            event.text = None if drop_problem else redact_identifiers(event.text or "")
            event.data = {}
    session.execute(update(CaseFollower).where(CaseFollower.case_id == case.id)
                    .values(user_key=ANONYMOUS, chat_key=ANONYMOUS))
    add_event(session, case, kind="anonymised", actor=SYSTEM, at=now, text=reason)


