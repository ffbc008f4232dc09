"""Telegram updates as the handlers' Incoming: who wrote, where to answer, and what kind of message.

Only private chats with the bot are citizens. Group messages (the staff group's go to staff_group),
channel posts and other bots are left alone here. Dedupe keys on the update_id,
exactly: Telegram redelivers the same id, and after a quiet week the next id is random, so ids are
never compared for order.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType

from handlers.messages import Incoming, IncomingKind

CHANNEL = "telegram"

# Message fields that carry something other than text, in the order they are looked at. An animation
# also fills `document` (the Bot API does so for old clients), so it comes first.
MEDIA_FIELDS = (
    "photo", "voice", "video_note", "video", "animation", "sticker", "audio", "document",
    "dice", "poll", "game", "story", "paid_media", "invoice",
)


def incoming_from_update(update: Update) -> Incoming | None:
    """The citizen's message in neutral form, or None when the update is not a citizen's to answer."""
    if update.message is not None and is_citizen_message(update.message):
        return _from_message(update.update_id, update.message)
    member = update.my_chat_member
    if (
        member is not None
        and member.chat.type == ChatType.PRIVATE
        and member.new_chat_member.status == ChatMemberStatus.BANNED
    ):
        # The citizen blocked the bot: the handlers record it, so pushes stop until they write again.
        return Incoming(
            channel=CHANNEL,
            user_key=str(member.from_user.id),
            chat_key=str(member.chat.id),
            message_id=str(update.update_id),
            kind=IncomingKind.EVENT,
            at=member.date,
            payload={"event": "unsubscribe"},
        )
    return None


def edited_citizen_message(update: Update) -> Message | None:
    """A citizen's edited text (or caption), which is answered but not handled again.

    Answers already given stay as they were; re-handling an edit would fill whichever question is
    open now with an old answer. A live location also arrives as edits, and is ignored here.
    """
    message = update.edited_message
    if message is None or not is_citizen_message(message):
        return None
    return message if (message.text or message.caption) else None


def is_citizen_message(message: Message) -> bool:
    sender = message.from_user
    return message.chat.type == ChatType.PRIVATE and sender is not None and not sender.is_bot


def _from_message(update_id: int, message: Message) -> Incoming | None:
    assert message.from_user is not None
    base = {
        "channel": CHANNEL,
        "user_key": str(message.from_user.id),
        "chat_key": str(message.chat.id),
        "message_id": str(update_id),
        "at": message.date,
    }
    if message.text is not None:
        return Incoming(kind=IncomingKind.TEXT, text=_command_text(message.text), **base)
    if message.contact is not None:
        contact = message.contact
        own = contact.user_id is not None and contact.user_id == message.from_user.id
        return Incoming(kind=IncomingKind.CONTACT, payload={"phone": contact.phone_number, "own": "1" if own else "0"}, **base)
    if message.location is not None:
        payload = {"lat": str(message.location.latitude), "lon": str(message.location.longitude)}
        if message.venue is not None:
            payload["label"] = f"{message.venue.title} {message.venue.address}".strip()
        return Incoming(kind=IncomingKind.LOCATION, payload=payload, **base)
    for field in MEDIA_FIELDS:
        attachment = getattr(message, field, None)
        if attachment:
            payload = {"media": field, "file_id": _file_id(attachment), **_declared(attachment)}
            return Incoming(kind=IncomingKind.MEDIA, text=message.caption or "", payload=payload, **base)
    # Service messages (a pinned message, an auto-delete timer): nothing the citizen said.
    return None


def _command_text(text: str) -> str:
    """`/start PAYLOAD` from a deep link (t.me/bot?start=PAYLOAD) means /start."""
    head, _, _ = text.strip().partition(" ")
    if head.split("@", 1)[0].lower() == "/start":
        return "/start"
    return text


def _largest(attachment: object) -> object:
    if isinstance(attachment, tuple):  # a photo comes in several sizes, smallest first
        return attachment[-1] if attachment else None
    return attachment


def _file_id(attachment: object) -> str:
    return str(getattr(_largest(attachment), "file_id", "") or "")


def _declared(attachment: object) -> dict[str, str]:
    """What Telegram says of a file before it is fetched: its size and (for a document) its type, so one
    too large or of the wrong kind is refused at once. Never its name: that is the citizen's."""
    largest = _largest(attachment)
    declared = {}
    size = getattr(largest, "file_size", None)
    if size:
        declared["size"] = str(size)
    mime = getattr(largest, "mime_type", None)
    if mime:
        declared["mime"] = str(mime)
    return declared
