"""An address or compound inside what a citizen wrote: 绿城小区3号楼2单元, 绿东村, 建设路12号院.

Pure and rule-based (the taxonomy's `intake.address`): a compound is a short name followed by a suffix
(小区, 村, 家园 …), a road is a name, a road suffix and a number; building parts (3号楼, 2单元, 501室) that
follow are kept with it. `place` is the compound or road alone, without the building parts: what several
citizens of one compound share, for the district finder, similar cases and routing; `text` is the whole
address, for staff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifier.built_once import built_once
from classifier.traditional import to_simplified
from config.intake import AddressRules

_NUMBER = r"(?:\d+|[一二三四五六七八九十百零两]+)"
# 3号楼 2单元 501室, 5栋, 东区, 2号院
_BUILDING = (
    rf"(?:[东西南北]?[一二三四五六七八九十\d]*(?:期|区)(?![\u4e00-\u9fff]{{0,1}}(?:封|管)))?"
    rf"(?:{_NUMBER}(?:号楼|栋|幢|座|号院|排|号))?"
    rf"(?:{_NUMBER}(?:单元|门洞))?"
    rf"(?:{_NUMBER}(?:楼|层))?"
    rf"(?:{_NUMBER}(?:室|户|号))?"
)


@dataclass(frozen=True)
class Address:
    text: str
    place: str


class AddressFinder:
    def __init__(self, rules: AddressRules) -> None:
        self._rules = rules
        name_chars = f"[^{re.escape(rules.not_in_name)}\\d\\s]" if rules.not_in_name else r"[^\d\s]"
        suffixes = "|".join(re.escape(s) for s in sorted(rules.compound_suffixes, key=len, reverse=True))
        roads = "|".join(re.escape(s) for s in sorted(rules.road_suffixes, key=len, reverse=True))
        alternatives = []
        if roads:
            # a road with its number comes first: 建设路12号院 is an address even without a compound
            alternatives.append(rf"(?P<road>{name_chars}{{1,{rules.name_max}}}(?:{roads}){_NUMBER}号(?:院)?)")
        if suffixes:
            alternatives.append(rf"(?P<compound>{name_chars}{{2,{rules.name_max}}}(?:{suffixes}))")
        # building parts alone (住3号楼2单元) name no place, but are an address all the same
        self._pattern = (
            re.compile(rf"(?:{'|'.join(alternatives)})(?P<building>{_BUILDING})") if alternatives else None
        )
        self._leading = sorted((to_simplified(w) for w in rules.leading_words), key=len, reverse=True)

    def _strip_leading(self, name: str) -> str:
        changed = True
        while changed:
            changed = False
            for word in self._leading:
                if name.startswith(word) and len(name) - len(word) >= 2:
                    name = name[len(word):]
                    changed = True
        return name

    def find(self, text: str) -> Address | None:
        """The first address in the text, or None."""
        if self._pattern is None:
            return None
        folded = to_simplified(text)
        position = 0
        while (match := self._pattern.search(folded, position)) is not None:
            place = self._strip_leading(match.group("road") or match.group("compound"))
            if self._plausible(place):
                start = match.end() - len(match.group("building")) - len(place)
                return Address(text=text[start : match.end()], place=text[start : start + len(place)])
            position = match.start() + 1
        return None

    def _plausible(self, place: str) -> bool:
        """At least two characters of name before the suffix: "小区", "大城" alone name nothing."""
        for suffix in (*self._rules.compound_suffixes, *self._rules.road_suffixes):
            if place.endswith(suffix):
                return len(place) - len(suffix) >= 2 or bool(re.search(r"\d号", place))
        return len(place) >= 3



def address_finder(rules: AddressRules) -> AddressFinder:
    """The process's AddressFinder for these rules, built once (the taxonomy lives as long as the process)."""
    return built_once(rules, AddressFinder)
