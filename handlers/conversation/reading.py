"""Reading every message for every slot: whatever question was asked, a message may also carry the
phone, a second number, the district, the address, or more of the problem.

The dialogue asks for one slot at a time but never makes the citizen repeat what they already wrote:
`read` finds what a message tells, `absorb` puts it into the slots still empty. `is_story` says whether a
message is (more of) the problem rather than an answer to the question asked — "我们小区封控了，我妈的胰岛素
明天就用完了" written at the name question is the problem, and the name is asked again.
"""

from __future__ import annotations

from dataclasses import dataclass

from classifier.address import Address, AddressFinder
from classifier.address import address_finder as address_finder_for
from classifier.person import PersonReader
from classifier.person import person_reader as person_reader_for
from config.taxonomy import Taxonomy
from handlers.conversation.turn import Turn
from handlers.conversation.validators import (
    Value,
    find_name,
    find_phones,
    meaningful_length,
    parse_name,
    parse_problem,
    without_phones,
)

PHONE2 = "phone2"
PLACE = "place"
# slots' names as `absorb` fills them (the form's slots are in intake.INTAKE)
NAME, PHONE, DISTRICT, ADDRESS = "name", "phone", "district", "address"

def address_finder(taxonomy: Taxonomy) -> AddressFinder:
    return address_finder_for(taxonomy.intake.address)


def person_reader(taxonomy: Taxonomy) -> PersonReader:
    return person_reader_for(taxonomy.intake.person)


@dataclass(frozen=True)
class Reading:
    """What one message tells, whatever it answered."""

    text: str
    name: str | None
    phones: tuple[str, ...]
    district: str | None
    address: Address | None
    # a sentence about a problem, not a short answer (a name, a number, a district)
    story: bool
    # the danger check fired on it
    danger: bool


def read(turn: Turn, text: str) -> Reading:
    taxonomy = turn.taxonomy
    dialogue = taxonomy.dialogue
    phones = tuple(find_phones(text))
    # what is left without the numbers is what may describe a problem ("13912345678，谢谢" does not)
    rest = without_phones(text)
    story = danger = False
    if isinstance(parse_problem(rest, dialogue.problem_min, dialogue.problem_max), Value):
        classification = turn.services.classify(rest)
        district = classification.district.name
        danger = bool(classification.urgency.danger)
        # a category found with confidence (not left to a person), or a reason for urgency
        evidence = bool(classification.urgency.reasons) or (
            bool(classification.category.matched) and not classification.category.needs_review
        )
        # sentence-shaped: what a name cannot be (clause punctuation, 了, 封控 …, or too long)
        sentence = not isinstance(
            parse_name(rest, dialogue.name_max, taxonomy.intake.sentence_words, taxonomy.intake.name_leads), Value
        )
        # and more than one word said over and over (张张张…)
        varied = len({ch for ch in rest if ch.isalpha()}) >= dialogue.problem_min
        story = danger or (evidence and sentence and varied)
    else:
        district = turn.services.classifier.find_district(rest) if meaningful_length(rest) >= 2 else None
    rules = taxonomy.intake
    name = find_name(text, rules.name_titles, rules.name_leads, rules.phone_words)
    return Reading(text=text, name=name, phones=phones, district=district, address=address_finder(taxonomy).find(rest),
                   story=story, danger=danger)


def absorb(turn: Turn, reading: Reading, *, skip: str = "") -> list[str]:
    """Fill the empty slots with what the message told (never overwriting an answer); returns the names
    of the slots filled. `skip`: the slot the message answered, already filled by its validator."""
    slots = turn.slots
    filled: list[str] = []
    if reading.name and not slots.get(NAME) and skip != NAME:
        slots[NAME] = reading.name
        filled.append(NAME)
    for phone in reading.phones:
        if phone in (slots.get(PHONE), slots.get(PHONE2)):
            continue
        if not slots.get(PHONE) and skip != PHONE:
            slots[PHONE] = phone
            filled.append(PHONE)
        elif not slots.get(PHONE2):
            slots[PHONE2] = phone
            filled.append(PHONE2)
    if reading.address is not None and not slots.get(ADDRESS) and skip != ADDRESS:
        set_address(turn, reading.address.text, reading.address.place)
        filled.append(ADDRESS)
    if reading.district and not slots.get(DISTRICT) and skip != DISTRICT:
        slots[DISTRICT] = reading.district
        filled.append(DISTRICT)
    return filled


def set_address(turn: Turn, text: str, place: str | None) -> None:
    """The address as the citizen wrote it, its compound or road for grouping, and the district it names
    when none is known yet (a compound or road the taxonomy lists under a district)."""
    turn.slots[ADDRESS] = text
    turn.slots[PLACE] = place or ""
    if text and not turn.slots.get(DISTRICT):
        district = turn.services.classifier.find_district(text)
        if district:
            turn.slots[DISTRICT] = district
            turn.slots["district_prefilled"] = True
