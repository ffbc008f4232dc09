"""Handling one incoming message end to end, in one database transaction.

Lock the citizen's conversation; skip the message if its id was seen (Telegram redelivers, WeChat
retries); advance the dialogue; write case, events and outbox rows; remember the replies; commit.
Only then does the adapter send the replies.
"""

from __future__ import annotations

import logging

from handlers.conversation import dialogue
from handlers.conversation.rate_limit import take_token
from handlers.conversation.turn import IDLE, Turn
from handlers.messages import Incoming, Outcome, Reply
from handlers.observer import ANSWERED, DUPLICATE, FAILED, RATE_LIMITED
from handlers.replay import Replayed, SignedUse, take
from handlers.services import Services
from storage import inbox
from storage.conversations import lock_conversation, save_conversation
from storage.database import WriterBusy

log = logging.getLogger(__name__)


def handle(services: Services, incoming: Incoming, signed: SignedUse | None = None) -> Outcome:
    """`signed`: the signature the message came with, when the platform signs its query and not its body
    (WeChat); a second use with another body raises Replayed and changes nothing (handlers/replay.py)."""
    try:
        outcome, how = _handle(services, incoming, signed)
    except (Replayed, WriterBusy):  # refused, or to be tried again where waiting harms nobody
        raise
    except Exception:
        services.observer.message_handled(incoming.channel, FAILED)
        raise
    services.observer.message_handled(incoming.channel, how)
    return outcome


def _handle(services: Services, incoming: Incoming, signed: SignedUse | None) -> tuple[Outcome, str]:
    """The outcome, and how handling ended (handlers/observer.py), once the transaction has committed."""
    cipher = services.cipher
    with services.db.transaction() as session:
        now = services.clock.now()
        if signed is not None:
            take(session, incoming.channel, signed)
        conversation = lock_conversation(session, incoming.channel, incoming.user_key, incoming.chat_key, now)
        # Checked under the conversation lock: a concurrent duplicate waits for the first to commit.
        seen, stored = inbox.seen(session, incoming.channel, incoming.user_key, incoming.message_id)
        if seen:
            earlier = cipher.decrypt_json(stored) or []
            return Outcome([Reply.from_dict(item) for item in earlier], duplicate=True), DUPLICATE
        allowed, conversation.rate_tokens = take_token(
            conversation.rate_tokens,
            conversation.rate_at,
            now,
            per_minute=services.settings.rate_per_minute,
            burst=services.settings.rate_burst,
        )
        conversation.rate_at = now
        if not allowed:
            return _slow_down(services, session, conversation, incoming, now), RATE_LIMITED
        turn = Turn(
            services=services,
            session=session,
            conversation=conversation,
            incoming=incoming,
            now=now,
            slots=cipher.decrypt_json(conversation.slots_enc) or {},
        )
        dialogue.respond(turn)
        _save(turn)
        save_conversation(session, conversation)
        replies = turn.all_replies()
        inbox.record(session, incoming.channel, incoming.user_key, incoming.message_id, now,
                     cipher.encrypt_json([r.to_dict() for r in replies]))
    log.debug("handled %s message on %s: %d replies", incoming.kind, incoming.channel, len(replies))
    return Outcome(replies), ANSWERED


def _slow_down(services: Services, session, conversation, incoming: Incoming, now) -> Outcome:
    """Too many messages too fast: say so, change nothing else, and remember the answer for retries."""
    log.info("rate limit: a %s citizen is sending too fast", incoming.channel)
    save_conversation(session, conversation)
    replies = [Reply(services.taxonomy.texts.rate_limited)]
    inbox.record(session, incoming.channel, incoming.user_key, incoming.message_id, now,
                 services.cipher.encrypt_json([r.to_dict() for r in replies]))
    return Outcome(replies, rate_limited=True)


def _save(turn: Turn) -> None:
    conversation = turn.conversation
    conversation.slots_enc = turn.services.cipher.encrypt_json(turn.slots) if turn.slots else None
    conversation.version += 1
    conversation.updated_at = turn.now
    step = dialogue.STEPS.get(turn.step)
    if turn.step == IDLE:
        conversation.expires_at = None
    elif step is not None and step.lifetime is not None:
        conversation.expires_at = turn.now + step.lifetime(turn)
    else:
        conversation.expires_at = turn.now + turn.taxonomy.dialogue.conversation_ttl
