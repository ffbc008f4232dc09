"""Pushes to citizens on WeChat: a customer-service message, else a template message, else a phone call.

WeChat lets an account send customer-service messages to a citizen only within 48 hours of the citizen's
last message, and only a few (errcode 45015 / 45047 beyond). A later push (a progress update,
a revisit prompt) needs a template message, when the account has one configured; when neither is
possible, the case is flagged for a phone call and staff are told.

Outbox rows sent here: `citizen_update` (text and choices, from the case timeline) and `late_reply`
(an answer that missed the 5-second window, read from the inbox).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from wechatpy.exceptions import WeChatClientException

from bot.dispatcher import GiveUp, RetryLater, SendResult, Sent
from bot.wechat.client import TOKEN_REJECTED, OfficialAccountClient
from bot.wechat.incoming import CHANNEL
from bot.wechat.reply import reply_text
from handlers.cases.view import case_number
from handlers.delivery import deferred
from handlers.delivery.late_replies import stored_replies
from handlers.delivery.outbox import OutboxItem
from handlers.delivery.payloads import OutboxKind
from handlers.delivery.reachability import flag_for_phone_call, reach
from handlers.messages import Reply
from handlers.replay import Replayed
from handlers.services import Services

WINDOW = timedelta(hours=48)
# out of the 48-hour window; more customer-service messages than allowed since the citizen's last one
WINDOW_CLOSED = frozenset({45015, 45047})
# the citizen no longer follows the account
UNSUBSCRIBED = frozenset({43004})
# system busy; API call quota per day / per minute: the same request succeeds later
BUSY = frozenset({-1, 45009, 45011})
# A late reply's row may be claimed before the handlers have stored the answer.
NOT_HANDLED_YET_SECONDS = 2.0


class CustomerServiceSender:
    channel = CHANNEL

    def __init__(self, services: Services, client: OfficialAccountClient):
        self.services = services
        self.client = client

    async def send(self, item: OutboxItem) -> SendResult:
        # wechatpy is synchronous: off the event loop.
        return await asyncio.to_thread(self._send, item)

    def _send(self, item: OutboxItem) -> SendResult:
        kind = item.kind
        if kind is OutboxKind.CITIZEN_UPDATE:
            replies = [Reply.from_dict(item.payload)]
        elif kind is OutboxKind.LATE_REPLY:
            replies = self._late_answer(item)
            if not isinstance(replies, list):
                return replies
        else:
            return GiveUp(f"WeChat has no message for outbox rows of kind {item.payload.get('kind')!r}")
        text = reply_text(self.services.taxonomy, replies)
        if not text:
            # A late answer may be nothing to say; news with no words is a broken row, not a delivery.
            return Sent() if kind is OutboxKind.LATE_REPLY else GiveUp("the update has no text to send")
        texts = self.services.taxonomy.texts
        now = self.services.clock.now()
        citizen = reach(self.services, CHANNEL, item.target)
        try:
            if citizen.unreachable:
                return self._unreachable(item, text, texts.wechat_unreachable_unsubscribed)
            if citizen.wrote_within(WINDOW, now):
                try:
                    self.client.call(lambda: self.client.message.send_text(item.target, text))
                    return Sent()
                except WeChatClientException as exc:
                    if exc.errcode in UNSUBSCRIBED:
                        return self._unreachable(item, text, texts.wechat_unreachable_unsubscribed)
                    if exc.errcode not in WINDOW_CLOSED:
                        raise
            return self._after_window(item, text)
        except WeChatClientException as exc:
            error = f"WeChat errcode {exc.errcode}: {exc.errmsg}"
            return RetryLater(error) if _transient(exc) else GiveUp(error)
        except OSError as exc:  # requests' connection errors and timeouts
            return RetryLater(f"{type(exc).__name__}: {exc}")

    def _late_answer(self, item: OutboxItem) -> list[Reply] | SendResult:
        """The answer a deferred message got; handled here again when its handler was lost (a crash)."""
        message_id = str(item.payload.get("message_id", ""))
        replies = stored_replies(self.services, CHANNEL, item.target, message_id)
        if replies is not None:
            return replies
        kept = deferred.opened(item.payload)
        if kept is None:  # a row from before messages were kept: tried a bounded number of times
            return RetryLater("the message has not been handled yet")
        if self.services.clock.now() - kept.received_at < deferred.REHANDLE_AFTER:
            return RetryLater("the message is still being handled", after=NOT_HANDLED_YET_SECONDS)
        try:
            if not deferred.handle_again(self.services, kept):
                return GiveUp(deferred.TOO_LATE)
        except Replayed as exc:
            return GiveUp(f"refused: {exc}")
        except Exception as exc:  # the database is busy or down: tried again, with backoff, within the window
            return RetryLater(f"handling the message again failed: {type(exc).__name__}")
        replies = stored_replies(self.services, CHANNEL, item.target, message_id)
        return replies if replies is not None else RetryLater("the message has not been handled yet")

    def _after_window(self, item: OutboxItem, text: str) -> SendResult:
        texts = self.services.taxonomy.texts
        template_id = self.services.settings.wechat_template_id
        number = case_number(self.services, item.case_id) if item.case_id is not None else None
        if not template_id or number is None:
            return self._unreachable(item, text, texts.wechat_unreachable_window)
        data = {
            "first": {"value": texts.wechat_template_first},
            "keyword1": {"value": number},
            "keyword2": {"value": text},
            "remark": {"value": texts.wechat_template_remark},
        }
        try:
            self.client.call(lambda: self.client.message.send_template(item.target, template_id, data))
        except WeChatClientException as exc:
            if exc.errcode in UNSUBSCRIBED:
                return self._unreachable(item, text, texts.wechat_unreachable_unsubscribed)
            if _transient(exc):
                raise
            reason = texts.wechat_unreachable_template_failed.format(error=exc.errcode)
            return self._unreachable(item, text, reason)
        return Sent()

    def _unreachable(self, item: OutboxItem, text: str, reason: str) -> SendResult:
        if item.case_id is not None:
            flag_for_phone_call(self.services, item.case_id, text, reason, push_id=item.id)
        return GiveUp(f"cannot reach the citizen on WeChat: {reason}")


def _transient(exc: WeChatClientException) -> bool:
    return exc.errcode is None or exc.errcode in BUSY or exc.errcode in TOKEN_REJECTED
