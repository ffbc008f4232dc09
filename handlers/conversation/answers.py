"""The intake's slot validators as the form calls them (a turn and the text), and when a slot is needed.

The checks themselves are the pure functions of `validators`; here they get what they need from the
taxonomy (limits, words) and the turn (the problem so far, the classifier).
"""

from __future__ import annotations

from handlers.conversation import reading, validators
from handlers.conversation.turn import Turn
from handlers.conversation.validators import Parsed, Reject, Value, meaningful_length, one_line, without_phones
from handlers.wording import match_choice

ADDRESS_MAX = 100


def parse_name(turn: Turn, text: str) -> Parsed:
    # "张女士 13912345678": the number is read by `reading`, the rest is the name
    rest = without_phones(text) or text
    rules = turn.taxonomy.intake
    return validators.parse_name(rest, turn.taxonomy.dialogue.name_max, rules.sentence_words, rules.name_leads)


def parse_phone(turn: Turn, text: str) -> Parsed:
    return validators.parse_phone(text)


def parse_district(turn: Turn, text: str) -> Parsed:
    names = turn.taxonomy.district_names
    index = match_choice(text, names)
    if index is not None:
        return Value(names[index])
    found = turn.services.classifier.find_district(text)
    if found:
        return Value(found)
    return Reject("bad_district", {"text": text[:20]})


def parse_problem(turn: Turn, text: str) -> Parsed:
    dialogue = turn.taxonomy.dialogue
    return validators.parse_problem(text, dialogue.problem_min, dialogue.problem_max)


def parse_address(turn: Turn, text: str) -> Parsed:
    """An address found in the answer, or the answer itself when short (街道, 社区 and village names
    the finder does not know); 跳过 leaves it empty."""
    if match_choice(text, skip_choices(turn)) is not None:
        return Value("")
    found = reading.address_finder(turn.taxonomy).find(text)
    if found is not None:
        return Value(found.text)
    answer = one_line(without_phones(text))
    rules = turn.taxonomy.intake.address
    words = (*rules.compound_suffixes, *rules.road_suffixes, *rules.other_words)
    if meaningful_length(answer) < 2 or len(answer) > ADDRESS_MAX or not any(word in answer for word in words):
        return Reject("bad_address", {"max": ADDRESS_MAX})
    return Value(answer)


def parse_for_whom(turn: Turn, text: str) -> Parsed:
    reader = reading.person_reader(turn.taxonomy)
    index = match_choice(text, for_whom_choices(turn))
    if index == 0 or (index is None and reader.is_self(text)):
        return Value(turn.taxonomy.intake.person.self_label)
    relation = reader.relation(text) if index is None else reader.relation(turn.slots.get("problem", ""))
    if relation is None and index is None:
        return Reject("unknown_choice")
    return Value(relation or turn.texts.choice_for_other)


def district_choices(turn: Turn) -> tuple[str, ...]:
    return tuple(turn.taxonomy.district_names)


def skip_choices(turn: Turn) -> tuple[str, ...]:
    return (turn.texts.choice_skip,)


def for_whom_choices(turn: Turn) -> tuple[str, ...]:
    return (turn.texts.choice_for_self, turn.texts.choice_for_other)


def names_someone_else(turn: Turn) -> bool:
    return reading.person_reader(turn.taxonomy).relation(turn.slots.get("problem", "")) is not None


def needs_place(turn: Turn) -> bool:
    """Food supply, heating, sealed doors, checkpoints: staff must know where (taxonomy `intake`)."""
    rules = turn.taxonomy.intake
    problem = turn.slots.get("problem", "")
    if any(word in problem for word in rules.place_words):
        return True
    return bool(problem) and turn.services.classify(problem).category.name in rules.place_categories
