"""District from a text (names, aliases, known places) or from a shared location (nearest centre).

Matching is leftmost-longest over the text folded to simplified characters, with the `not_districts`
false friends in the same alternation: 新郑机场 is longer than 新郑 and wins, and it names no district.
A name or alias always beats a place (a place only suggests a district: the labelled data leaves the district
empty when a message names only a street or a compound, but the dialogue may still offer it).
When two districts are named, the one where the writer or the problem is wins (see `find`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from classifier.result import DistrictResult
from classifier.traditional import to_simplified
from config.taxonomy import Districts

_EARTH_RADIUS_KM = 6371.0088
# How far before a mention a marker may end (住在 + 河南省郑州市 fits).
_MARKER_REACH = 12


@dataclass(frozen=True)
class _Mention:
    district: str
    is_place: bool
    start: int
    end: int


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


class DistrictFinder:
    def __init__(self, districts: Districts) -> None:
        self._districts = districts
        # folded surface -> (district or None for a false friend, is_place)
        self._surfaces: dict[str, tuple[str | None, bool]] = {}
        for item in districts.items:
            for place in item.places:
                self._surfaces.setdefault(to_simplified(place), (item.name, True))
        for item in districts.items:
            # Names and aliases override a place spelled the same way.
            for surface in (item.name, *item.aliases):
                self._surfaces[to_simplified(surface)] = (item.name, False)
        for word in districts.not_districts:
            self._surfaces[to_simplified(word)] = (None, False)
        alternation = "|".join(re.escape(s) for s in sorted(self._surfaces, key=len, reverse=True))
        self._pattern = re.compile(alternation) if alternation else None
        self._home = tuple(districts.home_markers)
        self._away = tuple(districts.away_markers)
        # "我家住在郑州市金水区": the city between a marker and a district name is skipped.
        city = "|".join(
            re.escape(to_simplified(c)) for c in sorted(districts.city_names, key=len, reverse=True)
        )
        self._city_suffix = re.compile(f"(?:{city})+$") if city else None

    @property
    def words(self) -> set[str]:
        """Every surface, so the tokenizer keeps place names whole."""
        return set(self._surfaces)

    def _mentions(self, text: str) -> list[_Mention]:
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(text):
            district, is_place = self._surfaces[match.group(0)]
            if district is not None:
                found.append(_Mention(district, is_place, match.start(), match.end()))
        return found

    def _marker(self, text: str, mention: _Mention) -> int:
        """+2 after a home marker (住在金水区, 我是二七区的), -1 after an away marker (去金水区), else 0."""
        before = text[max(0, mention.start - _MARKER_REACH) : mention.start]
        if self._city_suffix is not None:
            before = self._city_suffix.sub("", before)
        if before.endswith(self._home):
            return 2
        if before.endswith(self._away):
            return -1
        return 0

    def find(self, text: str, original: str | None = None) -> DistrictResult:
        """The district a text names; `text` is already folded when `original` is given.

        With several districts named, each scores one per mention plus its markers (住在 +2, 去 -1): the
        writer's home or the place the problem is named most and with home words. Equal scores go to the
        district named first.
        """
        if original is None:
            original, text = text, to_simplified(text)
        mentions = self._mentions(text)
        named = [m for m in mentions if not m.is_place] or mentions
        if not named:
            return DistrictResult(name=None)
        score: dict[str, int] = {}
        first: dict[str, _Mention] = {}
        for mention in named:
            score[mention.district] = score.get(mention.district, 0) + 1 + self._marker(text, mention)
            first.setdefault(mention.district, mention)
        # max() keeps the first of equals, and dicts keep the order districts were first named in.
        best = first[max(score, key=lambda name: score[name])]
        return DistrictResult(name=best.district, evidence=original[best.start : best.end])

    def at(self, lat: float, lon: float) -> str | None:
        """The district whose centre is nearest, if within `max_location_km`."""
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            return None
        best: tuple[float, str] | None = None
        for item in self._districts.items:
            if item.center is None:
                continue
            distance = haversine_km((lat, lon), item.center)
            if best is None or distance < best[0]:
                best = (distance, item.name)
        if best is None or best[0] > self._districts.max_location_km:
            return None
        return best[1]
