"""The intake's offer to follow an open case that tells the same problem (FixMyStreet shows nearby reports
of the same category before a new one is made).

When the form is complete and before the summary, a problem that matches an open case of the same district
at the same named place (both name it) with high confidence (the model's `offer_threshold`) is offered to follow that
case's group, through its representative (the oldest open case): "1 关注该求助的办理进展（不再单独登记）/
2 仍然单独提交". Following puts the citizen on the representative's followers (they get its every update,
result and revisit), records their words on its timeline and tells staff how many now follow it; 2 goes on
to the summary as before. Never offered for an urgent problem, nor a possibly urgent one (it must be filed
and alerted at once), nor
across districts, nor twice in one form.
"""

from __future__ import annotations

from classifier.similarity import Features
from handlers.cases import similar
from handlers.cases.actions import Actor, CaseDesk
from handlers.cases.timeline import CITIZEN, add_event
from handlers.conversation.turn import Turn
from handlers.staff import notices as staff_notices
from handlers.wording import citizen_words
from storage import similar as index
from storage.cases import case_by_number, follow, followers_of, is_citizen_of

OFFER = "similar_offer"
# the slots the offer keeps: the case offered, and that it was declined (not offered again in this form)
OFFERED = "_similar_case"
DECLINED = "_similar_declined"
FOLLOW, SEPARATELY = range(2)


def offer(turn: Turn) -> bool:
    """Offer to follow a matching open case, when there is one; False to go on to the summary."""
    slots = turn.slots
    if slots.get(DECLINED) or slots.get("danger") or not slots.get("district"):
        return False
    services = turn.services
    if services.classify(slots["problem"]).urgency.flagged:
        return False
    model = services.similarity
    features = model.features(slots["problem"])
    if not features.place:
        return False
    matches = similar.find(turn.session, services, features, district=slots["district"], now=turn.now,
                           threshold=model.config.offer_threshold)
    for match in matches:
        if match.status not in similar.OPEN_STATUSES or not _same_place(turn, features, match):
            continue
        group = similar.group_of(turn.session, match.case_id)
        representative = group.representative
        if representative is None:
            continue
        case = case_by_number(turn.session, representative.number)
        if case is None or is_citizen_of(turn.session, case, turn.conversation.channel, turn.conversation.user_key):
            return False
        slots[OFFERED] = case.number
        turn.go(OFFER)
        _ask(turn, case.number, group)
        return True
    return False


def _same_place(turn: Turn, features: Features, match: similar.Match) -> bool:
    document = index.document(turn.session, match.case_id)
    return document is not None and turn.services.similarity.same_place(features, document.terms)


def choices(turn: Turn) -> tuple[str, ...]:
    texts = turn.texts.similar
    return (texts.choice_follow, texts.choice_separately)


def reprompt(turn: Turn) -> None:
    number = turn.slots.get(OFFERED, "")
    case = case_by_number(turn.session, number)
    if case is None:
        _separately(turn)
        return
    _ask(turn, number, similar.group_of(turn.session, case.id))


def choose(turn: Turn, index: int) -> None:
    if index == FOLLOW:
        _follow(turn)
    else:
        _separately(turn)


def _ask(turn: Turn, number: str, group: similar.Group) -> None:
    texts = turn.texts.similar
    place = turn.texts.list_separator.join(group.places) or texts.report_no_place
    turn.ask(texts.offer.format(number=number, place=place, count=max(group.size, 1)), choices(turn))


def _follow(turn: Turn) -> None:
    """The citizen follows the case instead of filing their own; staff see one more voice on it."""
    services = turn.services
    texts = turn.texts.similar
    number = turn.slots.get(OFFERED, "")
    case = case_by_number(turn.session, number, lock=True)
    if case is None or case.status not in similar.OPEN_STATUSES:
        _separately(turn)
        return
    conversation = turn.conversation
    follow(turn.session, case.id, conversation.channel, conversation.user_key, conversation.chat_key, turn.now)
    words = citizen_words(turn.slots.get("problem", ""))
    add_event(turn.session, case, kind="followed", actor=CITIZEN, at=turn.now, text=texts.event_followed.format(
        text=words), data={"channel": conversation.channel})
    count = len(followers_of(turn.session, case))
    staff_notices.tell_staff(turn.session, services, texts.staff_followed.format(number=case.number, count=count,
                                                                                 text=words),
                             dedupe_key=f"similar-followed:{conversation.channel}:{turn.incoming.message_id}",
                             now=turn.now, case_id=case.id)
    CaseDesk(services, turn.session, Actor(CITIZEN), turn.now).refresh_card(case)
    turn.reset()
    turn.ask(texts.followed.format(number=case.number))


def _separately(turn: Turn) -> None:
    from handlers.conversation import intake

    turn.slots[DECLINED] = True
    turn.slots.pop(OFFERED, None)
    turn.go(intake.CONFIRM)
    intake.ask_confirm(turn)
