"""The console's knowledge-base pages: every staff member sees the entries and how they are used (answers,
whether they helped, the questions nobody's entry fitted); supervisors add, change and delete entries,
each change an audit line, and export the live base back to YAML.

One transaction per call; the console's routes parse, call one of these, and render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from config.knowledge import Entry
from handlers.cases.actions import SUPERVISOR
from handlers.console.accounts import ConsoleAccount
from handlers.knowledge_base import (
    EntryProblem,
    changes,
    delete_entry,
    export_yaml,
    live_base,
    parse_entry,
    save_entry,
)
from handlers.reports.instant_answers import UseSummary, summary
from handlers.services import Services
from storage.models import KnowledgeChange

# how far back the use view looks unless asked otherwise, and at most
DAYS = 7
MAX_DAYS = 90


class NotAllowed(PermissionError):
    """Only supervisors edit the knowledge base."""


@dataclass
class Overview:
    entries: list[Entry] = field(default_factory=list)
    use: UseSummary = field(default_factory=UseSummary)
    changes: list[KnowledgeChange] = field(default_factory=list)
    days: int = DAYS
    configured: bool = True

    def answered(self, entry_id: str) -> tuple[int, int]:
        """Answers given with the entry, and how many helped, in the period."""
        for use in self.use.entries:
            if use.entry == entry_id:
                return use.answered, use.helped
        return 0, 0


def may_edit(account: ConsoleAccount) -> bool:
    return account.role == SUPERVISOR and account.department is None


def overview(services: Services, days: int = DAYS) -> Overview:
    days = max(1, min(days, MAX_DAYS))
    now = services.clock.now()
    with services.db.reading() as session:
        base = live_base(session, services)
        if base is None:
            return Overview(configured=False, days=days)
        return Overview(
            entries=list(base.entries),
            use=summary(session, services, now - timedelta(days=days), now + timedelta(seconds=1)),
            changes=changes(session, limit=20),
            days=days,
        )


def entry_with_changes(services: Services, entry_id: str) -> tuple[Entry | None, list[KnowledgeChange]]:
    with services.db.reading() as session:
        base = live_base(session, services)
        entry = base.entry(entry_id) if base else None
        return entry, changes(session, entry_id)


def save(services: Services, account: ConsoleAccount, form: dict[str, str], *, new: bool) -> Entry:
    """The entry from the form saved (EntryProblem says why not; NotAllowed for anyone but a supervisor)."""
    if not may_edit(account):
        raise NotAllowed
    entry = parse_entry(form.get("id", ""), form.get("questions", ""), form.get("answer", ""),
                        form.get("source", ""), form.get("updated", ""))
    with services.db.transaction() as session:
        save_entry(session, services, account.actor, entry, services.clock.now(), new=new)
    return entry


def delete(services: Services, account: ConsoleAccount, entry_id: str) -> None:
    if not may_edit(account):
        raise NotAllowed
    with services.db.transaction() as session:
        delete_entry(session, services, account.actor, entry_id, services.clock.now())


def export(services: Services, account: ConsoleAccount) -> str:
    if not may_edit(account):
        raise NotAllowed
    with services.db.reading() as session:
        return export_yaml(session, services)


__all__ = ["EntryProblem", "NotAllowed", "Overview", "delete", "entry_with_changes", "export", "may_edit",
           "overview", "save"]
