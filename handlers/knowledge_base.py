"""The live knowledge base: the file (YIBANG_KNOWLEDGE_BASE) with the supervisors' console changes applied.

Why changes live in the database and not in the file: several worker processes serve at once, and a change
made in one must reach all of them and survive a redeploy of the file. Each change is one row of
`knowledge_changes` — the audit line (who, when, which entry, what) and the entry as it stands after it —
so the live base is the file with the rows applied in order, and the file can be brought up to date by
exporting the live base back to YAML.

Every process notices a change by the newest row's id (one indexed look-up per question asked) and builds
its matcher again then (a tenth of a second: jieba's dictionary is shared between matchers).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifier.faq import FaqMatcher, matcher_for
from config.knowledge import Entry, KnowledgeBase, dump_knowledge_base
from handlers.cases.actions import Actor
from handlers.services import Services
from storage.models import KnowledgeChange

ADDED, EDITED, DELETED = "added", "edited", "deleted"
EXPORT_HEADER = "# Exported from the console: the knowledge base file with the supervisors' changes applied.\n"


class EntryProblem(ValueError):
    """Why an entry was not saved, in words the console shows."""


@dataclass(frozen=True)
class _Live:
    file: KnowledgeBase
    last_change: int | None
    base: KnowledgeBase
    matcher: FaqMatcher | None


# per Services object (one in a process; tests make many)
LIVE_KEPT = 16
_live: dict[int, _Live] = {}
_lock = Lock()


def _last_change(session: Session) -> int | None:
    return session.scalar(select(func.max(KnowledgeChange.id)))


def apply_changes(file: KnowledgeBase, changes: list[KnowledgeChange]) -> KnowledgeBase:
    """The file's entries with the changes applied in order (new entries after the file's)."""
    entries: OrderedDict[str, Entry] = OrderedDict((entry.id, entry) for entry in file.entries)
    for change in changes:
        if change.content is None:
            entries.pop(change.entry, None)
        else:
            entries[change.entry] = Entry.model_validate(change.content)
    return file.model_copy(update={"entries": list(entries.values())})


def _current(session: Session, services: Services, *, with_matcher: bool) -> _Live | None:
    file = services.knowledge
    if file is None:
        return None
    last = _last_change(session)
    with _lock:
        known = _live.get(id(services))
    if known is None or known.file is not file or known.last_change != last or (with_matcher and not known.matcher):
        changes = list(session.scalars(select(KnowledgeChange).order_by(KnowledgeChange.id))) if last else []
        base = apply_changes(file, changes)
        # a base whose last entry was deleted answers nothing
        matcher = matcher_for(base) if with_matcher and base.entries else None
        known = _Live(file, last, base, matcher)
        with _lock:
            if len(_live) >= LIVE_KEPT:
                _live.clear()
            _live[id(services)] = known
    return known


def live_base(session: Session, services: Services) -> KnowledgeBase | None:
    live = _current(session, services, with_matcher=False)
    return live.base if live else None


def live_matcher(session: Session, services: Services) -> FaqMatcher | None:
    """The matcher over the live base; None when no knowledge base is configured (or it is empty)."""
    live = _current(session, services, with_matcher=True)
    return live.matcher if live else None


def warm_up(services: Services) -> None:
    """Build the matcher before the first citizen's question (jieba's dictionary again: about a second),
    not during it: WeChat waits five seconds for an answer."""
    if services.knowledge is not None:
        with services.db.reading() as session:
            live_matcher(session, services)


def parse_entry(entry_id: str, questions: str, answer: str, source: str, updated: str) -> Entry:
    """An entry from the console's form (one question a line), or EntryProblem naming the field."""
    try:
        return Entry.model_validate(
            {
                "id": entry_id.strip(),
                "questions": [line.strip() for line in questions.splitlines() if line.strip()],
                "answer": answer.strip(),
                "source": source.strip() or None,
                "updated": updated.strip() or None,
            }
        )
    except ValidationError as exc:
        raise EntryProblem(
            "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
                      for e in exc.errors())
        ) from None


def save_entry(session: Session, services: Services, actor: Actor, entry: Entry, now: datetime, *,
               new: bool) -> str:
    """Add or change an entry (audited); the action taken. Adding an id in use, or changing one that is
    gone, is refused: two supervisors editing at once must not overwrite each other unseen."""
    base = live_base(session, services)
    if base is None:
        raise EntryProblem("no knowledge base is configured")
    exists = base.entry(entry.id) is not None
    if new and exists:
        raise EntryProblem(f"id: '{entry.id}' is in use")
    if not new and not exists:
        raise EntryProblem(f"id: '{entry.id}' does not exist (deleted meanwhile?)")
    action = ADDED if new else EDITED
    _record(session, actor, entry.id, action, entry.model_dump(mode="json", exclude_none=True), now)
    return action


def delete_entry(session: Session, services: Services, actor: Actor, entry_id: str, now: datetime) -> None:
    base = live_base(session, services)
    if base is None or base.entry(entry_id) is None:
        raise EntryProblem(f"id: '{entry_id}' does not exist")
    if len(base.entries) == 1:
        raise EntryProblem("entries: the last entry cannot be deleted")
    _record(session, actor, entry_id, DELETED, None, now)


def _record(session: Session, actor: Actor, entry_id: str, action: str, content: dict | None, now: datetime) -> None:
    session.add(KnowledgeChange(at=now, actor=actor.key, actor_name=actor.name, entry=entry_id, action=action,
                                content=content))
    session.flush()


def changes(session: Session, entry_id: str | None = None, limit: int = 50) -> list[KnowledgeChange]:
    """The audit lines, newest first (of one entry, or of all)."""
    statement = select(KnowledgeChange).order_by(KnowledgeChange.id.desc()).limit(limit)
    if entry_id is not None:
        statement = statement.where(KnowledgeChange.entry == entry_id)
    return list(session.scalars(statement))


def export_yaml(session: Session, services: Services) -> str:
    """The live base as a knowledge-base file, ready to replace YIBANG_KNOWLEDGE_BASE."""
    base = live_base(session, services)
    if base is None:
        raise EntryProblem("no knowledge base is configured")
    return dump_knowledge_base(base, EXPORT_HEADER)
