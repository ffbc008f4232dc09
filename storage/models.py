"""The tables: cases and their timeline, conversations, the inbox of seen messages and the outbox.

Personal data (name, phone, the dialogue's slots) is stored only encrypted (`*_enc` columns, see
storage.encryption); `phone_index` is a keyed hash so a phone can be looked up without being readable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship

from storage.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(128))
    chat_key: Mapped[str] = mapped_column(String(128))
    name_enc: Mapped[str | None] = mapped_column(Text)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    district: Mapped[str | None] = mapped_column(String(32))
    # what only some requests have, sealed: address, second contact number, person in need (JSON;
    # handlers/cases/details.py)
    details_enc: Mapped[str | None] = mapped_column(Text)
    # the compound or road of the address (绿城小区), plain: cases of one place are found together
    place: Mapped[str | None] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(32))
    category_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    problem: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    department: Mapped[str | None] = mapped_column(String(64))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    contact_due: Mapped[datetime]
    resolve_due: Mapped[datetime]
    feedback_due: Mapped[datetime]
    contacted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
    # 回访 (revisit): when to ask, what the citizen answered
    revisit_due_at: Mapped[datetime | None] = mapped_column(index=True)
    revisit_sent_at: Mapped[datetime | None]
    revisit_answer: Mapped[str | None] = mapped_column(String(16))
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    # deadline alarms already raised (reminders, escalations), so a sweep raises each once
    alerts: Mapped[list[Any]] = mapped_column(default=list)
    overdue_at: Mapped[datetime | None]
    # no channel can reach the citizen any more (WeChat's 48 h window closed, no template): staff must call
    needs_phone_call: Mapped[bool] = mapped_column(Boolean, default=False)
    # where the staff card was posted ({"telegram": "chat:message"}), so it can be edited in place
    staff_messages: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # 交办 to a department (handlers/departments): when it was handed over, by when the department must
    # accept it (签收), when it did, and how often departments handed it back (退回)
    assigned_at: Mapped[datetime | None]
    accept_due: Mapped[datetime | None] = mapped_column(index=True)
    accepted_at: Mapped[datetime | None]
    returns: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    merged_into: Mapped[Case | None] = relationship(remote_side=[id])

    __table_args__ = (
        Index("ix_cases_citizen", "channel", "user_key"),
        # the monitoring's open and overdue counts, read from the index alone at every scrape
        Index("ix_cases_open_figures", "status", "urgency", "resolve_due", "contact_due", "contacted_at"),
    )


class CaseEvent(Base):
    """One line of a case's timeline. `public` events are pushed to the citizen."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str | None] = mapped_column(Text)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class Conversation(Base):
    """One citizen on one channel: where their dialogue stands, and their saved contact."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(128))
    chat_key: Mapped[str] = mapped_column(String(128))
    step: Mapped[str] = mapped_column(String(32), default="idle")
    slots_enc: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    last_incoming_at: Mapped[datetime | None]
    contact_name_enc: Mapped[str | None] = mapped_column(Text)
    contact_phone_enc: Mapped[str | None] = mapped_column(Text)
    # Set when the platform said the citizen blocked us; later pushes are not attempted.
    unreachable_at: Mapped[datetime | None]
    # per-citizen rate limit (token bucket), kept on the row every message already locks
    rate_tokens: Mapped[float | None] = mapped_column(Float)
    rate_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("channel", "user_key", name="uq_conversations_citizen"),)


class InboxMessage(Base):
    """A platform message already handled: redeliveries (Telegram) and retries (WeChat) change nothing."""

    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    # the sender: a platform's message id is unique only per sender (WeChat's MsgId)
    user_key: Mapped[str] = mapped_column(String(128), default="", server_default="")
    message_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(index=True)
    # The replies given the first time, so a retry can be answered the same way. Encrypted: a summary
    # repeats the citizen's name and phone.
    replies_enc: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("channel", "user_key", "message_id", name="uq_inbox_message"),)


class OutboxMessage(Base):
    """Something to send later (staff cards, progress, revisits). The dispatcher delivers and retries."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(256))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    # pending -> sent | failed (gave up: a person must look) | undeliverable (channel not configured)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # lower goes first: an urgent case's card and alerts jump the queue
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_due", "status", "priority", "next_attempt_at"),)


class Attachment(Base):
    """A photo or file a citizen sent: fetched from the platform by a job, checked, cleaned, sealed into the
    media store (storage.media) and shown to staff. Before the case is filed it belongs to the citizen
    alone (`case_id` empty); the platform's file id is kept, encrypted, only until the file is stored."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What a staff page's address carries: random, so no address can be guessed from another.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(128))
    chat_key: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[str] = mapped_column(String(128))
    # photo | document
    media: Mapped[str] = mapped_column(String(16))
    file_ref_enc: Mapped[str | None] = mapped_column(Text)
    # pending (to fetch) -> stored | refused (too large, not an image or PDF) | failed (could not be fetched)
    # -> erased (purge, erasure, or the citizen did not want it)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(32))
    content_type: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # names in the media store: the cleaned file and its thumbnail
    blob_key: Mapped[str | None] = mapped_column(String(64), index=True)
    thumb_key: Mapped[str | None] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime]
    stored_at: Mapped[datetime | None]
    # when it was queued to the staff channels (once per attachment)
    shown_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("channel", "user_key", "message_id", name="uq_attachment_message"),
        Index("ix_attachments_citizen", "channel", "user_key"),
    )


# The ledger's count of a case's photos and files: those ever kept (erased ones stay counted, like the
# case's other figures). Deferred: only the ledger asks for it.
Case.attachment_count = column_property(
    select(func.count(Attachment.id))
    .where(Attachment.case_id == Case.id, Attachment.stored_at.is_not(None))
    .correlate_except(Attachment)
    .scalar_subquery(),
    deferred=True,
)


class CaseCounter(Base):
    """The last case number used per prefix and day; incremented in the filing transaction."""

    __tablename__ = "case_counters"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class StaffMember(Base):
    """A person allowed to act on cases (besides members of the configured staff chats)."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(64))
    # handler | supervisor
    role: Mapped[str] = mapped_column(String(16), default="handler")
    added_at: Mapped[datetime]
    # Console accounts (channel "web"): the department whose cases alone they see (None: every case),
    # the argon2 hash of their password, and the lockout after repeated failed logins.
    department: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(Text)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("channel", "user_key", name="uq_staff_member"),)


class ConsoleSession(Base):
    """A staff member logged in to the web console. The cookie holds a random token; only its SHA-256 is
    kept, so a copy of the database logs nobody in. Ends at logout, after the idle time, or at removal."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    # carried by every form of this session: a page on another site cannot know it
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]

    member: Mapped[StaffMember] = relationship()

    __table_args__ = (UniqueConstraint("token_hash", name="uq_console_session_token"),)


class SharedValue(Base):
    """A small value every process shares: a platform access token, a scheduler heartbeat."""

    __tablename__ = "shared_values"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class DepartmentContact(Base):
    """Where a department is reached (a WeCom robot's webhook, a Telegram chat, an e-mail address): deployment
    data beside the taxonomy's departments. The address is sealed like personal data (a webhook URL carries
    its robot's key); `address_index` is its keyed hash, so a press in a department's chat finds the
    department without the address being readable; `shown` is what may be printed (masked)."""

    __tablename__ = "department_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(String(64))
    # wecom | telegram | email
    channel: Mapped[str] = mapped_column(String(16))
    address_enc: Mapped[str] = mapped_column(Text)
    address_index: Mapped[str] = mapped_column(String(64))
    shown: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("department", "channel", name="uq_department_contact"),
        Index("ix_department_contacts_address", "channel", "address_index"),
    )


class CaseFollower(Base):
    """A citizen who follows a case that is not their own: after a merge, the merged case's citizen
    follows the surviving case, sees its progress and gets its updates."""

    __tablename__ = "case_followers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(128))
    chat_key: Mapped[str] = mapped_column(String(128))
    since: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("case_id", "channel", "user_key", name="uq_case_follower"),
        Index("ix_case_followers_citizen", "channel", "user_key"),
    )


class Open311Key(Base):
    """An API key a city system files Open311 requests with.

    Only the key's SHA-256 is kept: the key is shown once, when it is made, and a copy of the database
    opens nothing. A key is a random 256-bit token, so a fast hash is as safe as a slow one here.
    """

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the key's first characters, so an operator can tell keys apart in `key list` and in logs
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    requests: Mapped[int] = mapped_column(Integer, default=0)
    # per-key rate limit (token bucket), on the row every keyed request already locks
    rate_tokens: Mapped[float | None] = mapped_column(Float)
    rate_at: Mapped[datetime | None]


class SimilarDocument(Base):
    """A case as the similar-case finder reads it (classifier.similarity): its weighted terms, the places
    named, and the group it joined when it was filed (the id of the group's first case)."""

    __tablename__ = "similar_documents"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    district: Mapped[str] = mapped_column(String(32))
    group_id: Mapped[int] = mapped_column(Integer, index=True)
    terms: Mapped[dict[str, Any]] = mapped_column(default=dict)
    places: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]


class SimilarKey(Base):
    """The inverted index: one row per rare term (a place, a problem, a rare word) of a case, so a new case
    looks only at the cases of its district that share one of its keys."""

    __tablename__ = "similar_keys"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    district: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_similar_keys_lookup", "district", "term", "case_id"),)


class SignedNonce(Base):
    """A (timestamp, nonce) a platform signed a callback with, kept while that timestamp is accepted: the
    signature does not cover the body, so a second use with another body is a replay (storage.nonces)."""

    __tablename__ = "signed_nonces"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    timestamp: Mapped[str] = mapped_column(String(16), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    # SHA-256 of the body first signed with it: WeChat's own retry of that request is not a replay
    digest: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class FaqUse(Base):
    """Learning from use of the instant answers: an answer given (and whether it helped), or a question no
    entry fitted, for the daily report and the console. The question is kept only when nothing fitted,
    sealed like the other personal data (a question may name a person or an address)."""

    __tablename__ = "faq_uses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    # answered -> helped | not_helped; or unmatched
    outcome: Mapped[str] = mapped_column(String(16))
    entry: Mapped[str | None] = mapped_column(String(64))
    # unmatched: the closest entry and its score, a hint for whoever adds a phrasing
    best_entry: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    question_enc: Mapped[str | None] = mapped_column(Text)


class KnowledgeChange(Base):
    """A supervisor's change to a knowledge-base entry in the console: the audit line, and the entry as it
    stands after it (None when it was deleted). The live base is the file with these applied in order."""

    __tablename__ = "knowledge_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    # who made it: web:USERNAME, and the name shown
    actor: Mapped[str] = mapped_column(String(128))
    actor_name: Mapped[str] = mapped_column(String(128))
    entry: Mapped[str] = mapped_column(String(64), index=True)
    # added | edited | deleted
    action: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)



class DangerAlert(Base):
    """A danger-to-life alert to staff (120/110/119) while the citizen is still writing: repeated every
    `urgency.danger_contact_within` until a staff member presses 已联系 (handlers/staff/danger_alerts.py)."""

    __tablename__ = "danger_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(128))
    chat_key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    # when staff are told again unless someone has contacted the citizen by then
    due_at: Mapped[datetime] = mapped_column(index=True)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    contacted_at: Mapped[datetime | None]
    contacted_by: Mapped[str | None] = mapped_column(String(128))
    # what set it off, for the alert's text: rule names, trigger words, emergency numbers, the district
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the citizen's words, sealed like the other personal data
    text_enc: Mapped[str | None] = mapped_column(Text)
