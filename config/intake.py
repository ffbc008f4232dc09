"""The intake's reading rules (the taxonomy's `intake:` section): what a name never holds, which problems
need a place, how an address and the person in need are recognised in what citizens write.

Data, not code: a city adds a compound suffix, a relation word or a category that needs an address here,
and the dialogue follows (handlers/conversation/intake.py).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AddressRules(_Strict):
    """An address or compound inside a message: a name followed by one of `compound_suffixes` (绿城小区,
    绿东村, 建业家园), or a road and its number (建设路12号院), then the building parts (3号楼2单元501室)."""

    compound_suffixes: list[str] = Field(default_factory=list)
    road_suffixes: list[str] = Field(default_factory=list)
    # characters that never belong to a compound's name: "我们小区" names no compound, "住在金水区绿城小区"
    # starts after 在
    not_in_name: str = ""
    # words before a compound that are not part of its name (the city, the province)
    leading_words: list[str] = Field(default_factory=list)
    name_max: int = Field(10, ge=2, le=20)
    # an answer to the address question that the finder does not read is kept when it has one of these
    # (or a suffix above): 桐柏路街道, 3号楼, 孝义镇 — "确认" or "不知道" is no address
    other_words: list[str] = Field(default_factory=list)


class PersonInNeed(_Strict):
    """The person the request is for, when it is not the writer: the relation (words that suggest it,
    by the label staff read), the age when given, and conditions (老人, 独居, 孕妇 …) by their words."""

    relations: dict[str, list[str]] = Field(default_factory=dict)
    conditions: dict[str, list[str]] = Field(default_factory=dict)
    # an age of this or more adds `elderly` to the conditions
    elderly_age: int = 60
    elderly: str = "老人"
    # words that mean the writer is the one in need (an answer to "是为谁求助？"), and how staff read it
    self_words: list[str] = Field(default_factory=list)
    self_label: str = "本人"
    # urgency: every one of these conditions together with one of `health_words` makes the case urgent
    # (an old person alone who is ill), under the reason `urgent_reason`
    urgent_conditions: list[str] = Field(default_factory=list)
    health_words: list[str] = Field(default_factory=list)
    urgent_reason: str = "独居老人生病"


class Intake(_Strict):
    # words a name never holds; a text with one of them is a sentence (小区封控家里没菜了), not a name
    sentence_words: list[str] = Field(default_factory=list)
    # titles of a form of address (女士, 先生): "张女士，13912345678，…" gives the name with the problem
    name_titles: list[str] = Field(default_factory=list)
    # what may stand before a name ("我叫张三", "称呼我李先生") and before a number ("电话：139…")
    name_leads: list[str] = Field(default_factory=list)
    phone_words: list[str] = Field(default_factory=list)
    # the address is asked only for problems that need a place: these categories, or these words
    place_categories: list[str] = Field(default_factory=list)
    place_words: list[str] = Field(default_factory=list)
    address: AddressRules = AddressRules()
    person: PersonInNeed = PersonInNeed()
