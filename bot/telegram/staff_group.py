"""Staff at work in their Telegram group: the card's buttons, the prompts they open, the group's commands.

A press answers the presser alone (answerCallbackQuery: a toast, or an alert for a refusal and for a
revealed phone number, which never goes into the group). 交办 turns the card's keyboard into pages of
departments. A step that needs words (回复, 办结, 合并, 无效, 重新办理) sends a ForceReply prompt addressed to
the presser (selective, by a mention), and their reply to it does the step: replies to the bot's own
messages reach a bot in privacy mode, so staff chatter never does. The card itself is redrawn by the
outbox (`case_card_update`) after every step.

Refusals — not staff, a step the case cannot take now, a prompt not theirs or expired — change nothing
and are said to the staff member only (an alert, or a reply to their message).
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    MaybeInaccessibleMessage,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import CallbackQueryLimit, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.runner import on_writer_thread
from bot.telegram import staff_card as card
from bot.telegram.department_chat import ACCEPT
from bot.telegram.limits import FloodControl
from bot.telegram.render import split_text
from bot.telegram.staff_commands import staff_command
from bot.telegram.updates import CHANNEL
from handlers.cases.actions import ActionRefused, StaffStep, Step
from handlers.cases.merging import merge_group
from handlers.departments.desk import accept_in_chat
from handlers.services import Services
from handlers.staff import danger_alerts
from handlers.staff.desk import TEXT_STEPS, answer_prompt, at_desk, may_start, remember_prompt
from handlers.staff.directory import StaffUser
from handlers.staff.prompts import Prompt
from handlers.staff.views import StaffCommand, answer_command

log = logging.getLogger(__name__)

# A press waits at most this long for room in the group's flood limit; longer, the presser is asked to
# press again shortly, instead of a spinner that Telegram gives up on.
INTERACTIVE_WAIT_SECONDS = 3.0
PAGE_TURNS = frozenset({StaffStep.ASSIGN, card.DEPARTMENTS, card.CARD})


def staff_user(user: User, chat_id: int | None) -> StaffUser:
    """Who pressed or wrote, and in which chat."""
    return StaffUser(CHANNEL, str(user.id), user.full_name, "" if chat_id is None else str(chat_id))


def is_staff_update(update: Update, bot_username: str | None) -> bool:
    """Button presses, anything said in a group (commands and replies to prompts; the rest is ignored),
    and the staff commands wherever they are typed. Everything else is a citizen's."""
    if update.callback_query is not None:
        return True
    message = update.message
    if message is None:
        return False
    if message.chat.type != ChatType.PRIVATE:
        return True
    return staff_command(message.text, bot_username) is not None


class StaffGroup:
    def __init__(self, services: Services, flood: FloodControl):
        self.services = services
        self.texts = services.taxonomy.texts
        # The same limits as every other send, so a prompt never pushes the group over Telegram's.
        self.flood = flood

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        if update.callback_query is not None:
            await self._press(bot, update.callback_query, update.update_id)
            return
        message = update.message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return
        command = staff_command(message.text, bot.username)
        if command is not None:
            await self._command(bot, message, *command)
            return
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            await self._reply(bot, message, replied, update.update_id)

    # ---------------------------------------------------------------- buttons

    async def _press(self, bot: Bot, query: CallbackQuery, update_id: int) -> None:
        press = card.parse_press(query.data)
        message = query.message
        if press is None or message is None:  # not a button of ours, or not on a message in a chat
            await _answer(query)
            return
        who = staff_user(query.from_user, message.chat.id)
        try:
            if press.action in TEXT_STEPS:
                await self._open_prompt(bot, query, message, press, who)
            elif press.action == ACCEPT:
                await self._accept(bot, query, message, press, who, update_id)
            elif press.action == card.DANGER:
                await self._danger_contacted(bot, query, message, press, who, update_id)
            elif press.action in PAGE_TURNS:
                await self._turn_page(bot, query, message, press, who)
            else:
                await self._act(query, press, who, update_id)
        except ActionRefused as refused:
            await _answer(query, str(refused), alert=True)
        except Exception:
            log.exception("staff press %s by Telegram user %s failed", query.data, who.user_key)
            await _answer(query, self.texts.staff_try_again, alert=True)

    async def _act(self, query: CallbackQuery, press: card.Press, who: StaffUser, update_id: int) -> None:
        step = self._step(press)
        if step is None:
            await _answer(query)
            return
        said = await on_writer_thread(self.services, at_desk, self.services, who, str(update_id), press.number,
                                      step)
        if said is not None:  # None: a redelivered press, answered the first time
            await _answer(query, said, alert=press.action == card.PHONE)

    async def _accept(self, bot: Bot, query: CallbackQuery, message: MaybeInaccessibleMessage, press: card.Press,
                      who: StaffUser, update_id: int) -> None:
        """签收 under a handover in a department's chat; the button goes once the case is accepted."""
        said = await on_writer_thread(self.services, accept_in_chat, self.services, who, str(update_id), press.number)
        if said is None:  # a redelivered press, answered the first time
            return
        await _answer_and_drop_buttons(bot, query, message, said)

    async def _danger_contacted(self, bot: Bot, query: CallbackQuery, message: MaybeInaccessibleMessage,
                                press: card.Press, who: StaffUser, update_id: int) -> None:
        """已联系 under a danger alert: the alert stops repeating, and its button goes."""
        alert_id = int(press.number) if press.number.isascii() and press.number.isdigit() else 0
        said = await on_writer_thread(self.services, danger_alerts.contacted, self.services, who, str(update_id),
                                      alert_id)
        if said is None:  # a redelivered press, answered the first time
            return
        await _answer_and_drop_buttons(bot, query, message, said)

    def _step(self, press: card.Press) -> Step | None:
        texts = self.texts
        if press.action == StaffStep.CONTACTED:
            return lambda desk, case: desk.contacted(case)
        if press.action == card.DEPARTMENT:
            department = self._department(press.argument)
            return lambda desk, case: desk.assign(case, department)
        if press.action == card.SIMILAR:
            return merge_group
        if press.action in (card.URGENT_YES, card.URGENT_NO):
            urgent = press.action == card.URGENT_YES
            return lambda desk, case: desk.set_urgency(case, urgent)
        if press.action == card.PHONE:
            return lambda desk, case: texts.staff_phone.format(
                number=case.number, phone=desk.reveal_phone(case) or texts.masked_none)
        return None

    def _department(self, place: int | None) -> str:
        """The department a button names by its place in the taxonomy; "" (refused by CaseDesk with the
        suggestions) when the taxonomy changed under an old card."""
        departments = self.services.taxonomy.departments
        return departments[place].name if place is not None and 0 <= place < len(departments) else ""

    async def _turn_page(self, bot: Bot, query: CallbackQuery, message: MaybeInaccessibleMessage,
                         press: card.Press, who: StaffUser) -> None:
        """交办, 更多, 返回: the card's keyboard changes in place, for the departments or back."""
        shown = await asyncio.to_thread(may_start, self.services, who, press.number, press.step)
        if press.action == card.CARD:
            keyboard = card.card_keyboard(self.texts, shown)
        else:
            keyboard = card.department_keyboard(self.services.taxonomy, shown, press.argument or 0)
        self._room_in(message.chat.id)
        try:
            await bot.edit_message_reply_markup(chat_id=message.chat.id, message_id=message.message_id,
                                                reply_markup=keyboard)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():  # pressed twice: already showing
                raise
        await _answer(query)

    # ---------------------------------------------------------------- prompts

    async def _open_prompt(self, bot: Bot, query: CallbackQuery, message: MaybeInaccessibleMessage,
                           press: card.Press, who: StaffUser) -> None:
        case = await asyncio.to_thread(may_start, self.services, who, press.number, press.step)
        chat_id = message.chat.id
        self._room_in(chat_id)
        template = str(getattr(self.texts, f"staff_prompt_{press.action}"))
        sent = await bot.send_message(
            chat_id=chat_id,
            text=template.format(name=who.name, number=case.number),
            entities=_mention(template, who.name, case.number, query.from_user),
            reply_markup=ForceReply(selective=True,
                                    input_field_placeholder=getattr(self.texts, f"staff_placeholder_{press.action}")),
        )
        prompt = Prompt(press.action, case.number, who.user_key, who.name)
        await on_writer_thread(self.services, remember_prompt, self.services, str(chat_id), sent.message_id, prompt)
        await _answer(query, self.texts.staff_prompt_sent)

    async def _reply(self, bot: Bot, message: Message, prompt: Message, update_id: int) -> None:
        assert message.from_user is not None
        who = staff_user(message.from_user, message.chat.id)
        text = message.text or message.caption or ""
        try:
            said = await on_writer_thread(self.services, answer_prompt, self.services, who, str(update_id),
                                          prompt.message_id, text)
        except ActionRefused as refused:
            await self._say(bot, message, str(refused))
            return
        except Exception:
            log.exception("reply to staff prompt %s by Telegram user %s failed", prompt.message_id, who.user_key)
            await self._say(bot, message, self.texts.staff_try_again)
            return
        if said is None:
            return
        # The prompt becomes the receipt: one edit instead of one more message in a busy group.
        try:
            await bot.edit_message_text(chat_id=message.chat.id, message_id=prompt.message_id,
                                        text=self.texts.staff_prompt_done.format(done=said, name=who.name))
        except TelegramError as exc:
            log.warning("could not mark staff prompt %s done: %s", prompt.message_id, exc)

    # ---------------------------------------------------------------- commands

    async def _command(self, bot: Bot, message: Message, command: StaffCommand, argument: str) -> None:
        assert message.from_user is not None
        who = staff_user(message.from_user, message.chat.id)
        try:
            answer = await asyncio.to_thread(answer_command, self.services, who, command, argument)
        except Exception:
            log.exception("staff command /%s by Telegram user %s failed", command, who.user_key)
            answer = self.texts.staff_try_again
        await self._say(bot, message, answer)

    # ---------------------------------------------------------------- sending

    async def _say(self, bot: Bot, message: Message, text: str) -> None:
        """An answer in the chat, the first part replying to the staff member's message."""
        try:
            for index, part in enumerate(split_text(text)):
                reply: dict[str, Any] = {}
                if index == 0:
                    reply["reply_parameters"] = ReplyParameters(message.message_id, allow_sending_without_reply=True)
                await bot.send_message(chat_id=message.chat.id, text=part, **reply)
        except TelegramError as exc:
            log.warning("answer in Telegram chat %s not sent: %s", message.chat.id, exc)

    def _room_in(self, chat_id: int) -> None:
        wait = self.flood.delay(chat_id)
        if wait > INTERACTIVE_WAIT_SECONDS:
            raise ActionRefused(self.texts.staff_group_busy.format(seconds=math.ceil(wait)))


async def _answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Stop the button's spinner, with a word for the presser alone."""
    if text is not None:
        text = text[:CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH]
    try:
        await query.answer(text=text, show_alert=alert or None)
    except TelegramError as exc:  # the press is too old to answer: the presser has moved on
        log.info("could not answer a button press: %s", exc)


def _mention(template: str, name: str, number: str, user: User) -> list[MessageEntity]:
    """The presser's name as a mention, so the selective ForceReply opens the reply field for them alone."""
    if "{name}" not in template:
        return []
    before = template.split("{name}", 1)[0].format(number=number)
    return [MessageEntity(MessageEntity.TEXT_MENTION, offset=_utf16(before), length=_utf16(name), user=user)]


def _utf16(text: str) -> int:
    """Telegram measures entities in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


async def _answer_and_drop_buttons(bot: Bot, query: CallbackQuery, message: MaybeInaccessibleMessage,
                                   said: str) -> None:
    """Answer a one-time press, then take its buttons off the message so nobody presses it again."""
    await _answer(query, said)
    try:
        await bot.edit_message_reply_markup(chat_id=message.chat.id, message_id=message.message_id,
                                            reply_markup=None)
    except TelegramError as exc:
        log.info("could not take the buttons off %s: %s", message.message_id, exc)
