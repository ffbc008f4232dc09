"""Fetching citizens' photos and files from their platform: the outbox rows of a `…-files` channel.

The dispatcher delivers these rows like any other — claimed in a short transaction, run outside it,
retried with backoff — so a photo is fetched within seconds of arriving (before WeChat's media id expires
after three days, long before) and a platform that fails for a while is tried again, not forgotten. Each
platform brings a `Fetcher` (Telegram's getFile, WeChat's media/get); what to fetch and what to do with
the bytes is handlers.attachments.downloads.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.dispatcher import GiveUp, RetryLater, SendResult, Sent
from handlers.attachments import content, downloads
from handlers.delivery.outbox import OutboxItem
from handlers.services import Services

log = logging.getLogger(__name__)

# With the dispatcher's backoff (5 s doubling) the seventh attempt comes about ten minutes after the first;
# then the citizen is told to send the photo again, and the row is left for staff to see. Fewer than the
# dispatcher's own limit, so it is always this job that gives up, and says so.
MAX_ATTEMPTS = 7


class FileGone(Exception):
    """The platform will never give this file (expired, unknown id)."""


class FileTooLarge(Exception):
    """Larger than YIBANG_MEDIA_MAX_BYTES, as the platform declared it or as it came."""


class FetchFailed(Exception):
    """Worth trying again later; `after`: seconds the platform asked us to wait."""

    def __init__(self, message: str, after: float | None = None):
        super().__init__(message)
        self.after = after


class Fetcher(Protocol):
    async def fetch(self, file_ref: str, max_bytes: int) -> bytes: ...


class FileDownloads:
    """The sender of one platform's `…-files` rows."""

    def __init__(self, channel: str, services: Services, fetcher: Fetcher):
        self.channel = channel
        self.services = services
        self.fetcher = fetcher

    async def send(self, item: OutboxItem) -> SendResult:
        services = self.services
        attachment_id = int(item.payload.get("attachment_id") or 0)
        job = await asyncio.to_thread(downloads.job, services, attachment_id)
        if job is None:
            return Sent()  # fetched already, or erased meanwhile
        try:
            data = await self.fetcher.fetch(job.file_ref, job.max_bytes)
            await asyncio.to_thread(downloads.keep, services, attachment_id, data)
        except FileTooLarge:
            await asyncio.to_thread(downloads.refuse, services, attachment_id, content.TOO_LARGE)
        except FileGone as exc:
            await asyncio.to_thread(downloads.give_up, services, attachment_id, str(exc))
        except Exception as exc:  # the platform, the network, the media store: try again later
            error = f"{type(exc).__name__}: {exc}"
            if item.attempts >= MAX_ATTEMPTS:
                await asyncio.to_thread(downloads.give_up, services, attachment_id, error)
                return GiveUp(error)
            if not isinstance(exc, FetchFailed):
                log.warning("fetching attachment %s failed: %s", attachment_id, error)
            return RetryLater(error, after=exc.after if isinstance(exc, FetchFailed) else None)
        return Sent()
