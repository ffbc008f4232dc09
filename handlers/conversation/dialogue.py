"""The conversation: what a message means at the step the citizen is at.

Order of checks, as in Rasa forms: an expired form is cleared; a tap or typed choice offered at this
step is taken; then commands (我要求助, 查看进度, 取消, 返回 …) interrupt; then the step's own handling.
Each step is a row of the STEPS table, so a new step (the revisit, for one) is a new row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from handlers.conversation import (
    category_choice,
    correction,
    danger,
    instant_answers,
    intake,
    progress,
    revisit_answers,
    similar_offer,
    supplement,
)
from handlers.conversation import media as files
from handlers.conversation.filing import file_case
from handlers.conversation.intents import Command, Intent, is_greeting, recognise
from handlers.conversation.turn import IDLE, Turn
from handlers.conversation.validators import Reject, clean_text, meaningful_length
from handlers.messages import IncomingKind
from handlers.wording import match_choice

MENU = "menu"
# WeChat menu CLICK keys (documented in the README) and what they mean.
MENU_KEYS = {"REQUEST_HELP": Intent.START, "PROGRESS": Intent.PROGRESS}


@dataclass(frozen=True)
class Step:
    on_text: Callable[[Turn, str], None]
    reprompt: Callable[[Turn], None]
    choices: Callable[[Turn], tuple[str, ...]] | None = None
    on_choice: Callable[[Turn, int], None] | None = None
    # extra words accepted for a choice: 是/好/确认 for the first, …
    synonyms: Callable[[Turn], dict[str, int]] | None = None
    # how long the conversation may wait at this step (default: the dialogue's conversation_ttl)
    lifetime: Callable[[Turn], timedelta] | None = None


STEPS: dict[str, Step] = {}


def register(name: str, step: Step) -> None:
    STEPS[name] = step


def respond(turn: Turn) -> None:
    conversation = turn.conversation
    conversation.last_incoming_at = turn.now
    conversation.unreachable_at = None
    if turn.step != IDLE and conversation.expires_at is not None and conversation.expires_at <= turn.now:
        in_form = intake.in_intake(turn.step)
        turn.reset()
        if in_form:
            turn.say("expired")
    incoming = turn.incoming
    if incoming.kind == IncomingKind.EVENT:
        _on_event(turn)
    elif incoming.kind == IncomingKind.CONTACT:
        _on_contact(turn)
    elif incoming.kind == IncomingKind.LOCATION:
        _on_location(turn)
    elif incoming.kind == IncomingKind.MEDIA:
        _on_media(turn)
    else:
        on_text(turn, incoming.text)


def on_text(turn: Turn, raw: str) -> None:
    text = clean_text(raw)
    step = STEPS.get(turn.step) or STEPS[IDLE]
    if not text:
        turn.say("empty_text")
        step.reprompt(turn)
        return
    if step.choices and step.on_choice:
        synonyms = step.synonyms(turn) if step.synonyms else None
        index = match_choice(text, step.choices(turn), synonyms)
        if index is not None:
            step.on_choice(turn, index)
            return
    command = recognise(text, turn.taxonomy.commands)
    if command is not None:
        _on_command(turn, command)
        return
    step.on_text(turn, text)


# ---------------------------------------------------------------- commands


def _on_command(turn: Turn, command: Command) -> None:
    intent = command.intent
    in_flow = turn.step not in (IDLE, MENU)
    if intent in (Intent.START, Intent.RESTART):
        if in_flow:
            turn.say("restarted")
        intake.start(turn)
    elif intent is Intent.CANCEL:
        if in_flow:
            turn.reset()
            turn.say("cancelled")
        else:
            turn.go(IDLE)
            turn.say("nothing_to_cancel")
    elif intent is Intent.BACK and command.argument:
        # 修改 编号: correct a filed case's phone, address or district
        if not correction.start(turn, command.argument):
            _reprompt(turn)
    elif intent is Intent.BACK:
        if intake.in_intake(turn.step):
            intake.back(turn)
        elif in_flow:
            turn.reset()
            turn.say("never_mind")
        else:
            turn.say("nothing_to_cancel")
    elif intent is Intent.PROGRESS:
        progress.show_progress(turn, command.argument)
        _reprompt(turn)
    elif intent is Intent.WITHDRAW:
        progress.withdraw(turn, command.argument)
        _reprompt(turn)
    elif intent is Intent.HELP:
        turn.say("help")
        _reprompt(turn)


def _reprompt(turn: Turn) -> None:
    step = STEPS.get(turn.step)
    if step is not None:
        step.reprompt(turn)


# ---------------------------------------------------------------- idle: free text


def _menu(turn: Turn, key: str = "welcome") -> None:
    turn.go(MENU)
    turn.ask(turn.text(key), _menu_choices(turn))


def _menu_choices(turn: Turn) -> tuple[str, ...]:
    return (turn.texts.choice_request_help, turn.texts.choice_progress)


def _menu_choice(turn: Turn, index: int) -> None:
    if index == 0:
        intake.start(turn)
    else:
        turn.go(IDLE)
        progress.show_progress(turn)


def _free_text(turn: Turn, text: str) -> None:
    """A message outside any form: a greeting, more about an open case, or a new problem."""
    turn.go(IDLE)
    classification = turn.services.classify(text) if meaningful_length(text) >= 2 else None
    dangerous = classification is not None and bool(classification.urgency.danger)
    if not dangerous and is_greeting(text, turn.taxonomy.commands):
        _menu(turn, "greeting")
        return
    if instant_answers.answer_if_known(turn, text, classification):
        return
    open_cases = progress.open_cases(turn)
    if open_cases and not dangerous:
        supplement.offer(turn, open_cases[0], text)
        return
    parsed = intake.SLOTS["problem"].parse(turn, text)
    if isinstance(parsed, Reject):
        if parsed.reason == "bad_problem_long":
            turn.say(parsed.reason, **parsed.params)
            return
        if not dangerous:
            _menu(turn)
            return
        if classification is not None:
            danger.warn_if_dangerous(turn, text, classification)
        intake.start(turn)
        return
    intake.start(turn, {"problem": parsed.value})


def _after_answer(turn: Turn, text: str) -> None:
    """Neither 1 nor 我要求助 after an instant answer: a new message, taken as one."""
    instant_answers.leave(turn)
    _free_text(turn, text)


def _idle_reprompt(turn: Turn) -> None:
    return None


# ---------------------------------------------------------------- form steps


def _slot_text(turn: Turn, text: str) -> None:
    intake.answer(turn, intake.SLOTS[turn.step], text)


def _slot_choice(turn: Turn, index: int) -> None:
    slot = intake.SLOTS[turn.step]
    assert slot.choices is not None
    intake.fill(turn, slot, slot.choices(turn)[index])


def _unknown_choice(reprompt: Callable[[Turn], None]) -> Callable[[Turn, str], None]:
    def handle(turn: Turn, text: str) -> None:
        turn.say("unknown_choice")
        reprompt(turn)

    return handle


def _choice_step(reprompt: Callable[[Turn], None], **rest: Any) -> Step:
    """A step that waits for one of its choices: anything else is told so and asked again."""
    return Step(on_text=_unknown_choice(reprompt), reprompt=reprompt, **rest)


def _confirm_choice(turn: Turn, index: int) -> None:
    if index == 0:
        if category_choice.offer(turn):  # unsure of the category: the citizen chooses, then it is filed
            return
        number = file_case(turn)
        turn.reset()
        correction.offer_after_filing(turn, number)
    elif index == 1:
        turn.go(intake.EDIT_WHICH)
        turn.ask(turn.texts.ask_edit_which, intake.edit_choices(turn))
    else:
        turn.reset()
        turn.say("cancelled")


def _affirm_deny(first_for_deny: int) -> Callable[[Turn], dict[str, int]]:
    def synonyms(turn: Turn) -> dict[str, int]:
        commands = turn.taxonomy.commands
        mapping = {word.lower(): 0 for word in commands.affirm}
        mapping.update({word.lower(): first_for_deny for word in commands.deny})
        return mapping

    return synonyms


def _affirm_only(turn: Turn) -> dict[str, int]:
    return {word.lower(): 0 for word in turn.taxonomy.commands.affirm}


# ---------------------------------------------------------------- other kinds of message


def _on_event(turn: Turn) -> None:
    payload = turn.incoming.payload
    event = payload.get("event", "")
    if event == "subscribe":
        _menu(turn)
    elif event == "unsubscribe":
        turn.conversation.unreachable_at = turn.now
    elif event == "click" and payload.get("key") in MENU_KEYS:
        _on_command(turn, Command(MENU_KEYS[payload["key"]]))


def _on_contact(turn: Turn) -> None:
    """A shared contact (Telegram) answers the phone question, but only the citizen's own number."""
    payload = turn.incoming.payload
    if payload.get("own") != "1":
        turn.say("bad_phone_not_own")
        _reprompt(turn)
        return
    phone_slot = intake.SLOTS["phone"]
    if turn.step == phone_slot.name:
        intake.fill(turn, phone_slot, payload.get("phone", ""))
        return
    parsed = phone_slot.parse(turn, payload.get("phone", ""))
    phone = {} if isinstance(parsed, Reject) else {"phone": parsed.value}
    if intake.in_intake(turn.step):
        turn.slots.update(phone)
        _reprompt(turn)
    else:
        intake.start(turn, phone)


def _on_location(turn: Turn) -> None:
    payload = turn.incoming.payload
    classifier = turn.services.classifier
    district = None
    try:
        district = classifier.district_at(float(payload["lat"]), float(payload["lon"]))
    except (KeyError, ValueError):
        district = None
    if district is None and payload.get("label"):
        district = classifier.find_district(payload["label"])
    if district is None:
        turn.say("location_unmatched")
        if turn.step == "district":
            _reprompt(turn)
        return
    turn.say("location_matched", district=district)
    if turn.step == "district":
        intake.fill(turn, intake.SLOTS["district"], district)
    elif intake.in_intake(turn.step):
        turn.slots["district"] = district
        _reprompt(turn)
    else:
        intake.start(turn, {"district": district})


def _on_media(turn: Turn) -> None:
    payload = turn.incoming.payload
    media = payload.get("media", "")
    recognition = (payload.get("recognition") or "").strip()
    if media == "voice" and recognition:
        on_text(turn, recognition)
        return
    if media == "voice":
        turn.say("voice_unrecognised")
        _reprompt(turn)
        return
    if media not in files.ACCEPTED:
        turn.say("media_not_supported")
        _reprompt(turn)
        return
    files.on_file(turn, _reprompt)


# ---------------------------------------------------------------- the table of steps

register(IDLE, Step(on_text=_free_text, reprompt=_idle_reprompt))
register(
    MENU,
    Step(on_text=_free_text, reprompt=_idle_reprompt, choices=_menu_choices, on_choice=_menu_choice),
)
for _slot in intake.INTAKE:
    register(
        _slot.name,
        Step(
            on_text=_slot_text,
            reprompt=intake.reprompt,
            choices=_slot.choices,
            on_choice=_slot_choice if _slot.choices else None,
        ),
    )
register(
    intake.CONFIRM,
    _choice_step(
        intake.reprompt,
        choices=intake.confirm_choices,
        on_choice=_confirm_choice,
        synonyms=_affirm_only,
    ),
)
register(
    intake.EDIT_WHICH,
    _choice_step(
        intake.reprompt,
        choices=intake.edit_choices,
        on_choice=intake.choose_edit,
    ),
)
register(
    intake.REUSE_CONTACT,
    _choice_step(
        intake.reprompt,
        choices=intake.reuse_contact_choices,
        on_choice=intake.reuse_contact,
        synonyms=_affirm_deny(1),
    ),
)
# the offer to follow an open case telling the same problem, before the summary
register(
    similar_offer.OFFER,
    _choice_step(
        similar_offer.reprompt,
        choices=similar_offer.choices,
        on_choice=similar_offer.choose,
    ),
)
register(
    category_choice.CHOOSE_CATEGORY,
    _choice_step(
        category_choice.reprompt,
        choices=category_choice.choices,
        on_choice=category_choice.choose,
    ),
)
register(
    supplement.SUPPLEMENT,
    _choice_step(
        supplement.reprompt,
        choices=supplement.choices,
        on_choice=supplement.choose,
    ),
)

# after filing, and 修改 编号: correcting a filed case's phone, address or district
register(correction.FILED, Step(on_text=_free_text, reprompt=correction.filed_reprompt, choices=correction.filed_choices,
                                on_choice=correction.from_filed, synonyms=correction.back_words))
register(correction.CORRECT_WHICH, _choice_step(correction.reprompt,
                                        choices=correction.which_choices, on_choice=correction.choose))
register(correction.CORRECT_VALUE, Step(on_text=correction.given, reprompt=correction.reprompt,
                                        choices=correction.value_choices, on_choice=correction.choose_value))

register(
    instant_answers.FOLLOW_UP,
    Step(
        on_text=_after_answer,
        reprompt=instant_answers.reprompt,
        choices=instant_answers.choices,
        on_choice=instant_answers.choose,
    ),
)

# 回访: the revisit sweep asks; the answers are handled here, each a step waiting as long as a revisit does
register(
    revisit_answers.REVISIT,
    _choice_step(
        revisit_answers.reprompt,
        choices=revisit_answers.answer_choices,
        on_choice=revisit_answers.answer,
        lifetime=revisit_answers.lifetime,
    ),
)
register(
    revisit_answers.SATISFACTION,
    _choice_step(
        revisit_answers.reprompt,
        choices=revisit_answers.satisfaction_choices,
        on_choice=revisit_answers.rate,
        lifetime=revisit_answers.lifetime,
    ),
)
register(
    revisit_answers.STILL_WRONG,
    Step(on_text=revisit_answers.still_wrong, reprompt=revisit_answers.reprompt, lifetime=revisit_answers.lifetime),
)
