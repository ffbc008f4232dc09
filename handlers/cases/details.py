"""A case's details beyond the card's fixed lines: the address, a second contact number, the person in
need. One rendering for the citizen's summary, the staff card and the console, so they read alike."""

from __future__ import annotations

import json
from dataclasses import dataclass

from classifier.person import PersonFacts
from config.taxonomy import Taxonomy
from storage.encryption import FieldCipher


@dataclass(frozen=True)
class CaseDetails:
    address: str | None = None
    phone2: str | None = None
    person: PersonFacts | None = None

    def seal(self, cipher: FieldCipher) -> str | None:
        """The sealed JSON kept on the case (`details_enc`); None when there is nothing to keep."""
        data = {"address": self.address or None, "phone2": self.phone2 or None,
                "person": self.person.to_dict() if self.person else None}
        if not any(data.values()):
            return None
        return cipher.encrypt(json.dumps(data, ensure_ascii=False))

    @classmethod
    def unseal(cls, cipher: FieldCipher, sealed: str | None) -> CaseDetails:
        plain = cipher.decrypt(sealed) if sealed else None
        if not plain:
            return cls()
        data = json.loads(plain)
        return cls(address=data.get("address"), phone2=data.get("phone2"),
                   person=PersonFacts.from_dict(data.get("person")))


def describe_person(taxonomy: Taxonomy, person: PersonFacts | None) -> str:
    """母亲，78岁，老人、独居 — empty when nothing is known of the person in need."""
    if person is None:
        return ""
    texts = taxonomy.texts
    parts = [person.relation or "", texts.person_age.format(age=person.age) if person.age else "",
             texts.list_separator.join(person.conditions)]
    return texts.person_separator.join(part for part in parts if part)


def detail_lines(taxonomy: Taxonomy, details: CaseDetails) -> str:
    """The lines (each ending in a newline) for what is known; empty when nothing is."""
    texts = taxonomy.texts
    address, phone2, person = details.address, details.phone2, details.person
    lines = []
    described = describe_person(taxonomy, person)
    if described:
        lines.append(texts.summary_person.format(person=described))
    if address:
        lines.append(texts.summary_address.format(address=address))
    if phone2:
        lines.append(texts.summary_phone2.format(phone=phone2))
    return "".join(lines)


def detail_pairs(taxonomy: Taxonomy, details: CaseDetails) -> list[tuple[str, str]]:
    """(label, value) for what is known, for pages that lay the case out as a list of facts."""
    texts = taxonomy.texts
    pairs = [(texts.field_for_whom, describe_person(taxonomy, details.person)),
             (texts.field_address, details.address or ""), (texts.field_phone2, details.phone2 or "")]
    return [(label, value) for label, value in pairs if value]
