"""The taxonomy: categories and keywords, urgency rules, districts, departments, deadlines and every text.

A city changes these, not the code: the taxonomy is configuration. The file is
YAML; pydantic checks its shape, and `load_taxonomy` turns any problem into a ConfigError naming the file,
the key and what is wrong.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.errors import ConfigError
from config.intake import Intake
from config.texts import Texts

# libyaml's loader when PyYAML was built with it: a learned taxonomy holds tens of thousands of weights,
# which the pure-Python loader reads in about two seconds and libyaml in a fifth of that. Both are safe
# loaders (plain data, no Python objects).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """YAML text as plain data (dicts, lists, strings, numbers)."""
    return yaml.load(text, Loader=_YAML_LOADER)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: Any) -> timedelta:
    """'30m', '1h', '7h', '1d' -> timedelta; a number is minutes."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)):
        return timedelta(minutes=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"'{value}' is not a duration like 30m, 1h or 1d")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


# A span of time as the taxonomy writes it: "30m", "1h", "7h", "1d", or a number of minutes.
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# How found keywords become a category (`category_scoring`; docs/architecture.md, The classifier):
# - keywords: hand-written positive weights; a category's score is the sum of the weights of its keywords
#   found (jieba-aligned, each once); the confidence is its share of all categories' scores.
# - linear: a learned lexicon (`yibang learn`): weights may be negative and each category has a bias; the
#   score is bias + the weights of the words found, scaled so that long messages are not surer than short
#   ones; the confidence is the softmax probability (classifier/linear_scorer.py).
KEYWORDS = "keywords"
LINEAR = "linear"
CategoryScoring = Literal["keywords", "linear"]


class Category(_Strict):
    name: str
    description: str = ""
    # word -> weight; see CategoryScoring for how the weights of the words found add up.
    keywords: dict[str, float] = Field(default_factory=dict)
    # linear scoring only: the category's score before any word counts (learned with the weights). In
    # linear scoring a category with neither keywords nor bias takes part only as the fallback.
    bias: float = 0.0


class Service(_Strict):
    """A category as city systems see it through Open311 (GeoReport v2's service list)."""

    # The stable ASCII service_code city systems file under: never change one that is in use.
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
    group: str = ""


class CategoryThresholds(_Strict):
    # The best category wins only when all pass; otherwise the case goes to the fallback category and is
    # flagged for a person to categorise.
    # keywords scoring only: the sum of the weights of the best category's keywords found.
    min_score: float = 0.0
    # Lead over the runner-up as a share of the best confidence: 0.2 means the runner-up has at most 80 %
    # of it.
    min_margin: float = Field(0.0, ge=0.0, le=1.0)
    # The best category's confidence (its share of the scores, or its probability in linear scoring).
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)
    fallback: str = "其他"
    # Below this confidence (or when the fallback was used) the citizen is asked, once, to choose among the
    # likeliest categories before the case is filed (handlers/conversation/category_choice.py); 0: never.
    ask_below: float = Field(0.0, ge=0.0, le=1.0)


class UrgencyRule(_Strict):
    """One reason a message is urgent. It fires when any word of `words` appears or `pattern` (a regular
    expression over the text) matches, and, when `with_words` is given, one of those appears too (a
    combination such as an old person alone plus a health word). `danger` names the emergency number to
    tell the citizen at once (120, 110, 119)."""

    name: str
    words: list[str] = Field(default_factory=list)
    with_words: list[str] = Field(default_factory=list)
    pattern: str | None = None
    weight: float = 1.0
    danger: str | None = None
    # A negation just before the word cancels it (没有发烧). Off for treatments, where 没透析 or 不能透析
    # is the emergency itself.
    negatable: bool = True
    # Words that cancel the rule when they are in the same clause as its word: 前年脑梗以后 is a past
    # illness, not a stroke now.
    unless: list[str] = Field(default_factory=list)
    # A hypothetical word earlier in the clause (万一着火, 如果发烧) cancels it. Off where the supposition is
    # itself the emergency (要是今天不能透析).
    hypothetical: bool = True
    # A supporting rule (insistence: 急急急, ！！！) only adds its weight to other rules; on its own it never
    # makes a message urgent, however the weights are set ("急急急" alone stays 一般).
    supporting: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @model_validator(mode="after")
    def _has_trigger(self) -> UrgencyRule:
        if not self.words and not self.pattern:
            raise ValueError(f"rule '{self.name}' needs words or a pattern")
        return self


class UrgencyScore(_Strict):
    """A learned urgency score (`yibang learn --urgency`; classifier/urgency_score.py): a bias and words
    with weights for 紧急 (+) or against it (-); a probability at or above `threshold` that no rule made
    urgent makes the message possibly urgent."""

    bias: float = 0.0
    threshold: float = Field(0.5, ge=0.0, le=1.0)
    keywords: dict[str, float] = Field(default_factory=dict)
    # pairs of adjacent Han characters with weights, counted beside the words (typos, dialect)
    pairs: dict[str, float] = Field(default_factory=dict)


class Urgency(_Strict):
    urgent: str = "紧急"
    normal: str = "一般"
    # The level between the two: the learned score says urgent, no rule does; staff confirm or clear it,
    # and the contact deadline runs as for urgent meanwhile.
    possible: str = "待确认紧急"
    # Staff are told again when a possibly urgent case is neither confirmed nor cleared within this.
    confirm_within: Duration = timedelta(minutes=15)
    # A danger alert (120/110/119) is repeated to staff this often until someone presses 已联系.
    danger_contact_within: Duration = timedelta(minutes=10)
    # Sum of the weights of the fired rules needed for 紧急.
    threshold: float = 1.0
    # Words that cancel a rule when they come just before its word (没有发烧, 未见红).
    negations: list[str] = Field(default_factory=list)
    # How many tokens before a rule's word a negation may stand (没有|出现|呼吸困难 needs 2).
    negation_window: int = Field(2, ge=1, le=6)
    # Words that make what follows in their clause a supposition (万一着火, 如果发烧): no rule fires there.
    hypotheticals: list[str] = Field(default_factory=list)
    # Words anywhere in the message that say it is not pressing (提前问问, 不着急, a thank-you, a suggestion):
    # they cancel every rule that names no danger to life.
    calm: list[str] = Field(default_factory=list)
    rules: list[UrgencyRule] = Field(default_factory=list)


class District(_Strict):
    name: str
    aliases: list[str] = Field(default_factory=list)
    # Well-known places (streets, stations, compounds) that lie in this district.
    places: list[str] = Field(default_factory=list)
    # Approximate centre (latitude, longitude), for shared locations.
    center: tuple[float, float] | None = None


class Districts(_Strict):
    items: list[District]
    # Words that contain a district name or alias but do not mean it (新郑机场, 中原银行, 上街 as "go out").
    not_districts: list[str] = Field(default_factory=list)
    # A shared location farther than this from every centre matches no district.
    max_location_km: float = 25.0
    # When a message names two districts, the one where the writer or the problem is wins: a mention just
    # after one of `home_markers` (住在, 家在) scores higher, one just after `away_markers` (去, 到) lower.
    home_markers: list[str] = Field(default_factory=list)
    away_markers: list[str] = Field(default_factory=list)
    # The city and province names that may stand between a marker and the district (住在郑州市金水区).
    city_names: list[str] = Field(default_factory=list)


class Department(_Strict):
    name: str
    categories: list[str] = Field(default_factory=list)
    # Empty means the whole city.
    districts: list[str] = Field(default_factory=list)


class Promise(_Strict):
    """The deadlines of one urgency level, counted from filing, and how early staff are reminded."""

    contact: Duration
    resolve: Duration
    feedback: Duration
    # Staff are reminded this long before each deadline; urgent cases are reminded sooner.
    remind_before: Duration = timedelta(minutes=15)
    # A department a case is handed to (交办) accepts it (签收) within this; unset: 30 minutes for the
    # urgent level, 2 hours otherwise (Taxonomy.accept_within).
    accept: Duration | None = None

    @model_validator(mode="after")
    def _reminder_before_deadlines(self) -> Promise:
        if not timedelta(0) < self.remind_before < min(self.contact, self.resolve, self.feedback):
            raise ValueError("remind_before must be more than 0 and shorter than every deadline")
        return self


DEFAULT_ACCEPT_URGENT = timedelta(minutes=30)
DEFAULT_ACCEPT = timedelta(hours=2)


class Dialogue(_Strict):
    conversation_ttl: Duration = timedelta(minutes=30)
    name_max: int = 20
    problem_min: int = 4
    problem_max: int = 2000


class Revisit(_Strict):
    """回访: ask the citizen a while after 办结; close the case when they never answer."""

    after: Duration = timedelta(hours=2)
    close_after: Duration = timedelta(days=1)


class Commands(_Strict):
    """Words (Chinese and English, slash commands included) that mean the same intent."""

    start: list[str]
    progress: list[str]
    cancel: list[str]
    back: list[str]
    restart: list[str]
    withdraw: list[str]
    help: list[str]
    greetings: list[str] = Field(default_factory=list)
    affirm: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)


class StatusLabels(_Strict):
    """What each case state is called where people read it (docs/architecture.md, Cases)."""

    received: str
    assigned: str
    in_progress: str
    resolved: str
    revisited: str
    closed: str
    merged: str
    withdrawn: str
    invalid: str


class Taxonomy(_Strict):
    name: str
    platform: str
    categories: list[Category]
    category_scoring: CategoryScoring = KEYWORDS
    category_thresholds: CategoryThresholds = CategoryThresholds()
    urgency: Urgency
    # learned by `yibang learn --urgency`; without it, the rules alone decide and nothing is possibly urgent
    urgency_score: UrgencyScore | None = None
    districts: Districts
    departments: list[Department] = Field(default_factory=list)
    # category -> its Open311 service (code, group); when given, every category needs one.
    services: dict[str, Service] = Field(default_factory=dict)
    promise: dict[str, Promise]
    dialogue: Dialogue = Dialogue()
    # the intake's reading rules: addresses, the person in need, what a name never holds (config/intake.py)
    intake: Intake = Intake()
    revisit: Revisit = Revisit()
    commands: Commands
    statuses: StatusLabels
    texts: Texts

    @model_validator(mode="after")
    def _consistent(self) -> Taxonomy:
        names = [c.name for c in self.categories]
        if len(set(names)) != len(names):
            raise ValueError("categories: a category name appears twice")
        if self.category_thresholds.fallback not in names:
            raise ValueError(f"category_thresholds.fallback: '{self.category_thresholds.fallback}' is not a category")
        districts = {d.name for d in self.districts.items}
        for dept in self.departments:
            for cat in dept.categories:
                if cat not in names:
                    raise ValueError(f"departments.{dept.name}.categories: unknown category '{cat}'")
            for dist in dept.districts:
                if dist not in districts:
                    raise ValueError(f"departments.{dept.name}.districts: unknown district '{dist}'")
        if self.services:
            for name in self.services:
                if name not in names:
                    raise ValueError(f"services.{name}: unknown category")
            for name in names:
                if name not in self.services:
                    raise ValueError(f"services: no service code for category '{name}'")
            codes = [service.code for service in self.services.values()]
            if len(set(codes)) != len(codes):
                raise ValueError("services: a service code appears twice")
        for cat in self.intake.place_categories:
            if cat not in names:
                raise ValueError(f"intake.place_categories: unknown category '{cat}'")
        levels = [self.urgency.urgent, self.urgency.normal]
        if self.urgency_score is not None:
            levels.append(self.urgency.possible)
        for level in levels:
            if level not in self.promise:
                raise ValueError(f"promise: no deadlines for urgency '{level}'")
        return self

    @property
    def category_names(self) -> list[str]:
        return [c.name for c in self.categories]

    @property
    def district_names(self) -> list[str]:
        return [d.name for d in self.districts.items]

    def accept_within(self, urgency: str, urgent: bool) -> timedelta:
        """How long a department has to accept (签收) a case of this urgency."""
        promise = self.promise.get(urgency) or self.promise[self.urgency.urgent if urgent else self.urgency.normal]
        if promise.accept is not None:
            return promise.accept
        return DEFAULT_ACCEPT_URGENT if urgent else DEFAULT_ACCEPT

    @property
    def department_names(self) -> list[str]:
        return [d.name for d in self.departments]

    def departments_for(self, category: str, district: str | None) -> list[str]:
        """Departments in routing order: those taking this category and district first, then the rest."""

        def rank(dept: Department) -> int:
            takes_category = category in dept.categories
            takes_district = not dept.districts or (district in dept.districts)
            return 0 if takes_category and takes_district else 1 if takes_category else 2

        return [d.name for d in sorted(self.departments, key=rank)]


Checked = TypeVar("Checked", bound=BaseModel)


def yaml_location(loc: tuple[Any, ...], data: Any) -> str:
    """A readable key path: 'categories[2].keywords' becomes 'categories.寻医买药.keywords' (an item is
    named by its `name`, else its `id`)."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            item = node[part]
            label = (item.get("name") or item.get("id")) if isinstance(item, dict) else None
            parts.append(str(label) if label else f"[{part}]")
            node = item
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)


def read_yaml_mapping(path: Path, setting: str, keys: str) -> dict[str, Any]:
    """A YAML file that must hold a mapping, or a ConfigError naming the file (and the setting naming it)."""
    try:
        raw = parse_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), [f"the file does not exist ({setting})"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot read the file: {exc}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [f"not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError(str(path), [f"the file must hold a mapping of keys ({keys})"])
    return raw


def validation_problems(exc: ValidationError, raw: Any) -> list[str]:
    """pydantic's errors as 'key.path: problem' lines an operator can act on."""
    problems = []
    for error in exc.errors():
        key = yaml_location(error["loc"], raw) or "(top level)"
        problems.append(f"{key}: {error['msg'].removeprefix('Value error, ')}")
    return problems


def load_checked(path: Path | str, model: type[Checked], setting: str, keys: str) -> Checked:
    """A YAML file checked against `model`, or a ConfigError naming the file, the key and the problem."""
    path = Path(path)
    raw = read_yaml_mapping(path, setting, keys)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(str(path), validation_problems(exc, raw)) from None


def load_taxonomy(path: Path | str) -> Taxonomy:
    """Load and check a taxonomy file, or raise ConfigError naming the file, the key and the problem."""
    return load_checked(path, Taxonomy, "YIBANG_TAXONOMY", "name, categories, …")
