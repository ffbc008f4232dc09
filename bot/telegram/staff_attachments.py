"""A case's photos and files in the staff group: an album replying to the case card.

Photos go as photos (an album of up to ten, Telegram's limit; one alone as a single photo), PDFs as
documents, the caption naming the case on the first. A photo Telegram will not take as a photo (an
extreme panorama) goes as a document instead. The card is posted first (the same chat's rows go in
order); if it has not been posted after a few tries, the photos go on their own, their caption naming
the case all the same. Each photo in an album counts against the group's 20 messages a minute.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram import InputMediaDocument, InputMediaPhoto, ReplyParameters
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.dispatcher import GiveUp, RetryLater, SendResult, Sent
from bot.telegram.updates import CHANNEL
from handlers.attachments.viewing import StaffFile, for_staff_row
from handlers.delivery.outbox import OutboxItem

if TYPE_CHECKING:
    from bot.telegram.sender import TelegramSender

ALBUM_SIZE = 10  # sendMediaGroup takes 2-10 items
# Tries (with the dispatcher's backoff) to wait for the card to be posted before sending without it.
CARD_WAIT_ATTEMPTS = 3


async def send_case_attachments(sender: TelegramSender, item: OutboxItem) -> SendResult:
    found = await asyncio.to_thread(for_staff_row, sender.services, item.payload, item.case_id)
    if found is None or not found.files:
        return Sent()  # the case or its files were erased meanwhile
    chat_id = str(item.target)
    card_chat, _, card_message = (found.posted.get(CHANNEL) or "").rpartition(":")
    if not card_message and item.attempts < CARD_WAIT_ATTEMPTS:
        return RetryLater("waiting for the case card to be posted first")
    held = sender.held_back(chat_id)
    if held is not None:
        return held
    reply = (ReplyParameters(message_id=int(card_message), allow_sending_without_reply=True)
             if card_message and card_chat == chat_id else None)
    photos = [file for file in found.files if file.is_image]
    documents = [file for file in found.files if not file.is_image]
    caption: str | None = found.caption
    try:
        for group in _albums(photos):
            try:
                await _send(sender, chat_id, group, caption, reply, as_photos=True)
            except BadRequest as exc:
                if "photo" not in exc.message.lower():
                    raise
                await _send(sender, chat_id, group, caption, reply, as_photos=False)
            caption = None
        for group in _albums(documents):
            await _send(sender, chat_id, group, caption, reply, as_photos=False)
            caption = None
    except (Forbidden, BadRequest) as exc:
        return group_refused(exc)
    except TelegramError as exc:
        return sender.retry(exc)
    return Sent()


def group_refused(exc: Forbidden | BadRequest) -> SendResult:
    """The group refusing (the bot removed, a wrong id) is a setting to fix: retried until given up; any
    other refusal of the message itself is final."""
    if isinstance(exc, Forbidden) or "chat not found" in exc.message.lower():
        return RetryLater(f"{type(exc).__name__}: {exc}")
    return GiveUp(f"{type(exc).__name__}: {exc}")


def _albums(files: Sequence[StaffFile]) -> list[list[StaffFile]]:
    return [list(files[start:start + ALBUM_SIZE]) for start in range(0, len(files), ALBUM_SIZE)]


async def _send(sender: TelegramSender, chat_id: str, group: list[StaffFile], caption: str | None,
                reply: ReplyParameters | None, *, as_photos: bool) -> None:
    bot = await sender.current_bot()
    if len(group) == 1:
        [file] = group
        if as_photos:
            await bot.send_photo(chat_id=chat_id, photo=file.data, filename=file.filename, caption=caption,
                                 reply_parameters=reply)
        else:
            await bot.send_document(chat_id=chat_id, document=file.data, filename=file.filename,
                                    caption=caption, reply_parameters=reply)
        return
    media_type = InputMediaPhoto if as_photos else InputMediaDocument
    media = [media_type(media=file.data, filename=file.filename, caption=caption if index == 0 else None)
             for index, file in enumerate(group)]
    await bot.send_media_group(chat_id=chat_id, media=media, reply_parameters=reply)
    for _ in group[1:]:  # the rate limiter counted the request once; Telegram counts each message
        sender.flood.record(chat_id)
