"""The form as the citizen confirms it, and as it is filed: the person in need read from the problem and
the answer to "是为谁求助？", and the urgency that person adds (an old person alone who is ill)."""

from __future__ import annotations

from classifier.person import PersonFacts
from handlers.cases.details import CaseDetails, detail_lines
from handlers.conversation import reading
from handlers.conversation.turn import Turn


def person_facts(turn: Turn) -> PersonFacts | None:
    """Who needs the help: the relation answered (or the writer), the age and the conditions the problem
    tells. None when the problem says nothing of anyone."""
    slots = turn.slots
    reader = reading.person_reader(turn.taxonomy)
    problem = slots.get("problem", "")
    answered = slots.get("for_whom")
    self_label = turn.taxonomy.intake.person.self_label
    facts = reader.read(problem, for_self=not answered or answered == self_label)
    if answered and answered != self_label:
        facts = PersonFacts(relation=answered, age=facts.age, conditions=facts.conditions)
    if not answered and facts.age is None and not facts.conditions:
        return None
    return facts


def text(turn: Turn) -> str:
    slots = turn.slots
    taxonomy = turn.taxonomy
    classification = turn.services.classify(slots["problem"])
    person = person_facts(turn)
    urgent = (slots.get("danger") or classification.urgency.urgent
              or reading.person_reader(taxonomy).urgent_reason(person, slots["problem"]) is not None)
    category = classification.category.name
    if classification.category.needs_review:
        category += turn.texts.category_unsure
    return turn.text(
        "confirm_summary",
        name=slots["name"],
        phone=slots["phone"],
        district=slots["district"],
        problem=slots["problem"],
        category=category,
        urgency=taxonomy.urgency.urgent if urgent else classification.urgency.level,
        details=detail_lines(taxonomy, details(turn, person)),
    )


def details(turn: Turn, person: PersonFacts | None) -> CaseDetails:
    slots = turn.slots
    return CaseDetails(address=slots.get("address") or None, phone2=slots.get(reading.PHONE2) or None,
                       person=person)
