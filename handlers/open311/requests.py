"""Service requests: a keyed POST is filed as a case by the same path as a finished dialogue, and GET shows
cases as GeoReport v2 service requests, their status following the case's.

What leaves: number, service, status, department, dates and district. Never a name, a phone or an e-mail;
the description and status notes (free text, which may hold anything) only to a caller with a valid key,
with the identifiers in them masked.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from handlers.cases.filing import NewCase, file_new_case
from handlers.cases.states import OPEN, Status
from handlers.cases.timeline import NOT_TOLD
from handlers.conversation.validators import Reject, clean_text, parse_name, parse_phone, parse_problem
from handlers.open311.catalogue import category_of, code_of
from handlers.open311.errors import Open311Error, refusal
from handlers.open311.identifiers import mask_identifiers
from handlers.open311.keys import ApiKey, use_key
from handlers.services import Services
from handlers.wording import duration, status_label
from storage import inbox
from storage.models import Case, CaseEvent

CHANNEL = "open311"
# The chat of a request whose citizen left a phone number ("phone:" and the request's own mark, so that
# one citizen's rows are told from another's): updates go to staff as a phone call to make.
TELL_BY_PHONE = "phone:"
MAX_MEDIA_URL = 2000
MAX_ADDRESS = 200
# GET requests: the last 90 days when no dates are given, and at most this many, newest first (GeoReport
# servers commonly answer this way; discovery announces the number as max_requests).
DEFAULT_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
_EMERGENCY = {"120": "emergency_120", "110": "emergency_110", "119": "emergency_119"}

Params = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Filed:
    number: str
    notice: str


@dataclass(frozen=True)
class RequestForm:
    category: str
    description: str
    address: str | None
    district: str | None
    district_from: str | None
    name: str | None
    phone: str | None
    media_urls: tuple[str, ...]
    # what makes a retried POST the same request
    digest: str


def first(params: Params, name: str) -> str | None:
    values = params.get(name) or ()
    value = values[0].strip() if values else ""
    return value or None


def check_jurisdiction(services: Services, params: Params) -> None:
    expected = services.settings.open311_jurisdiction
    if expected is None:
        return
    given = first(params, "jurisdiction_id")
    if given != expected:
        raise refusal(services, 400, "jurisdiction", expected=expected, given=given or "")


# ---------------------------------------------------------------- POST requests


def file_request(services: Services, params: Params, api_key: str | None) -> Filed:
    """File a keyed POST as a case; Open311Error (403 without a valid key, 400, 429) files nothing."""
    check_jurisdiction(services, params)
    now = services.clock.now()
    refused: Open311Error | None = None
    with services.db.transaction() as session:
        key = use_key(session, services, api_key, now)
        if key is None:
            raise refusal(services, 403, "key")
        try:
            form = read_form(services, params)
        except Open311Error as exc:
            refused = exc  # the key's use still counts: committed, then refused
        else:
            filed = _file(session, services, key, form, now)
    if refused is not None:
        raise refused
    return filed


def read_form(services: Services, params: Params) -> RequestForm:
    """The POST's fields checked and cleaned, or Open311Error 400 saying which one is wrong and why."""
    taxonomy = services.taxonomy
    texts = taxonomy.texts
    code = first(params, "service_code")
    if code is None:
        raise refusal(services, 400, "missing", field="service_code")
    category = category_of(taxonomy, code)
    if category is None:
        raise refusal(services, 400, "service_code", code=code)
    raw_description = first(params, "description")
    if raw_description is None:
        raise refusal(services, 400, "missing", field="description")
    limits = taxonomy.dialogue
    problem = parse_problem(raw_description, limits.problem_min, limits.problem_max)
    if isinstance(problem, Reject):
        raise _field(services, "description", problem)
    description = problem.value

    address = first(params, "address_string")
    if address is not None:
        address = " ".join(clean_text(address).split())[:MAX_ADDRESS] or None
    coordinates = _coordinates(services, params)
    if address is None and coordinates is None:
        raise refusal(services, 400, "location")
    district, district_from = _district(services, address, coordinates, description)

    name = _name(services, params)
    phone = None
    if (given_phone := first(params, "phone")) is not None:
        parsed = parse_phone(given_phone)
        if isinstance(parsed, Reject):
            raise _field(services, "phone", parsed)
        phone = parsed.value
    media_urls = tuple(value.strip() for value in params.get("media_url") or () if value.strip())
    for url in media_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_MEDIA_URL:
            raise refusal(services, 400, "media_url", max=MAX_MEDIA_URL)
    # e-mail is accepted and not kept: yibang has no e-mail channel to tell the citizen on
    if address is not None:
        description_with_place = texts.open311_problem_address.format(description=description, address=address)
    else:
        description_with_place = description
    fingerprint = json.dumps([code, description_with_place, coordinates, name, phone, media_urls], ensure_ascii=False)
    return RequestForm(
        category=category,
        description=description_with_place,
        address=address,
        district=district,
        district_from=district_from,
        name=name,
        phone=phone,
        media_urls=media_urls,
        digest=hashlib.sha256(fingerprint.encode("utf-8")).hexdigest(),
    )


def _field(services: Services, name: str, rejected: Reject) -> Open311Error:
    reason = getattr(services.taxonomy.texts, rejected.reason).format(**rejected.params)
    return refusal(services, 400, "field", field=name, reason=reason)


def _coordinates(services: Services, params: Params) -> tuple[float, float] | None:
    lat, lon = first(params, "lat"), first(params, "long")
    if lat is None and lon is None:
        return None
    try:
        point = (float(lat or ""), float(lon or ""))
    except ValueError:
        raise refusal(services, 400, "coordinates") from None
    if not all(math.isfinite(value) for value in point) or not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        raise refusal(services, 400, "coordinates")
    return point


def _district(services: Services, address: str | None, coordinates: tuple[float, float] | None,
              description: str) -> tuple[str | None, str | None]:
    """The district from the address, else the coordinates, else the description; a point outside every
    district with nothing else to go by is refused (it is not this city's)."""
    classifier = services.classifier
    if address is not None and (found := classifier.find_district(address)):
        return found, "address"
    if coordinates is not None:
        found = classifier.district_at(*coordinates)
        if found:
            return found, "coordinates"
        if address is None:
            raise refusal(services, 400, "outside")
    if found := classifier.find_district(description):
        return found, "description"
    return None, None


def _name(services: Services, params: Params) -> str | None:
    """first_name and last_name as one name: 张 + 三 = 张三 for Chinese, "Ann Lee" otherwise."""
    given, family = first(params, "first_name"), first(params, "last_name")
    if given is None and family is None:
        return None
    parts = [part for part in (family, given) if part]
    latin = all(unicodedata.category(ch)[0] != "L" or ch.isascii() for part in parts for ch in part)
    name = " ".join(reversed(parts)) if latin else "".join(parts)
    parsed = parse_name(name, services.taxonomy.dialogue.name_max)
    if isinstance(parsed, Reject):
        raise _field(services, "first_name/last_name", parsed)
    return parsed.value


def _file(session: Session, services: Services, key: ApiKey, form: RequestForm, now: datetime) -> Filed:
    cipher = services.cipher
    # A POST repeated with the same fields by the same key (a retry after a timeout) is the same request.
    sender, message_id = f"key:{key.id}", form.digest[:40]
    seen, stored = inbox.seen(session, CHANNEL, sender, message_id)
    if seen and stored:
        return Filed(**cipher.decrypt_json(stored))
    texts = services.taxonomy.texts
    filed = file_new_case(
        services,
        session,
        NewCase(
            channel=CHANNEL,
            user_key=f"{key.name}:{form.digest[:16]}",
            chat_key=f"{TELL_BY_PHONE}{form.digest[:16]}" if form.phone else NOT_TOLD,
            name=form.name,
            phone=form.phone,
            district=form.district,
            problem=form.description,
            category=form.category,
            actor=f"{CHANNEL}:{key.name}",
            event_text=texts.open311_event_received.format(key=key.name),
            event_data={"via": CHANNEL, "key": key.name, "district_from": form.district_from,
                        "media_urls": list(form.media_urls)},
        ),
        now,
    )
    taxonomy = services.taxonomy
    promise = filed.promise
    notice = texts.open311_service_notice.format(
        number=filed.number,
        contact=duration(taxonomy, promise.contact),
        resolve=duration(taxonomy, promise.resolve),
        feedback=duration(taxonomy, promise.feedback),
    )
    for number in dict.fromkeys(services.classify(form.description).urgency.danger):
        notice += getattr(texts, _EMERGENCY.get(number, "emergency_120"))
    answer = Filed(number=filed.number, notice=notice)
    inbox.record(session, CHANNEL, sender, message_id, now, cipher.encrypt_json(asdict(answer)))
    return answer


# ---------------------------------------------------------------- GET requests


def service_requests(services: Services, params: Params, api_key: str | None) -> list[dict[str, Any]]:
    check_jurisdiction(services, params)
    statement = _query(services, params)
    keyed = _keyed(services, api_key)
    with services.db.reading() as session:
        cases = list(session.scalars(statement))
        return _views(session, services, cases, keyed)


def service_request(services: Services, number: str, params: Params, api_key: str | None) -> dict[str, Any]:
    check_jurisdiction(services, params)
    keyed = _keyed(services, api_key)
    with services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one_or_none()
        if case is None:
            raise refusal(services, 404, "not_found", id=number[:40])
        return _views(session, services, [case], keyed)[0]


def _keyed(services: Services, api_key: str | None) -> bool:
    """Whether the caller has a valid key (its use counted and rate-limited); no key: an anonymous read."""
    if not api_key:
        return False
    with services.db.transaction() as session:
        return use_key(session, services, api_key, services.clock.now()) is not None


def _query(services: Services, params: Params) -> Select[tuple[Case]]:
    taxonomy = services.taxonomy
    statement = select(Case)
    numbers = _listed(params, "service_request_id")
    if numbers:
        statement = statement.where(Case.number.in_(numbers[:MAX_REQUESTS]))
    codes = _listed(params, "service_code")
    if codes:
        categories = []
        for code in codes:
            category = category_of(taxonomy, code)
            if category is None:
                raise refusal(services, 400, "service_code", code=code)
            categories.append(category)
        statement = statement.where(Case.category.in_(categories))
    start, end = _moment(services, params, "start_date"), _moment(services, params, "end_date")
    if start is None and end is None and not numbers:
        start = services.clock.now() - DEFAULT_SPAN
    if start is not None:
        statement = statement.where(Case.created_at >= start)
    if end is not None:
        statement = statement.where(Case.created_at <= end)
    wanted = set(_listed(params, "status"))
    if wanted - {"open", "closed"}:
        raise refusal(services, 400, "status")
    if wanted == {"open"}:
        statement = statement.where(Case.status.in_([status.value for status in OPEN]))
    elif wanted == {"closed"}:
        statement = statement.where(Case.status.not_in([status.value for status in OPEN]))
    return statement.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_REQUESTS)


def _listed(params: Params, name: str) -> list[str]:
    """Comma-separated values, or the parameter repeated (both are seen in the wild)."""
    return [part.strip() for value in params.get(name) or () for part in value.split(",") if part.strip()]


def _moment(services: Services, params: Params, name: str) -> datetime | None:
    value = first(params, name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise refusal(services, 400, "date", field=name) from None
    if moment.tzinfo is None:
        raise refusal(services, 400, "date", field=name)
    return moment


def _views(session: Session, services: Services, cases: list[Case], keyed: bool) -> list[dict[str, Any]]:
    notes = _closing_notes(session, cases) if keyed else {}
    return [_view(services, case, keyed, notes.get(case.id)) for case in cases]


def _closing_notes(session: Session, cases: list[Case]) -> dict[int, str]:
    """What closed a case that has no result: the text of its last change of state (无效：…, 已合并到 …)."""
    wanted = [case.id for case in cases if case.result is None and Status(case.status) not in OPEN]
    if not wanted:
        return {}
    found: dict[int, str] = {}
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.text, CaseEvent.to_status)
        .where(CaseEvent.case_id.in_(wanted), CaseEvent.to_status.is_not(None))
        .order_by(CaseEvent.id)
    )
    statuses = {case.id: case.status for case in cases}
    for case_id, text, to_status in rows:
        if to_status == statuses[case_id] and text:
            found[case_id] = text
    return found


def _view(services: Services, case: Case, keyed: bool, note: str | None) -> dict[str, Any]:
    def when(moment: datetime | None) -> str | None:
        return services.local(moment).isoformat(timespec="seconds") if moment else None

    closed = Status(case.status) not in OPEN
    status_notes = (case.result or note) if closed else None
    return {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": mask_identifiers(status_notes) if keyed and status_notes else None,
        "service_name": case.category,
        "service_code": code_of(services.taxonomy, case.category),
        "description": mask_identifiers(case.problem) if keyed else None,
        "agency_responsible": case.department,
        "service_notice": status_label(services.taxonomy, case.status),
        "requested_datetime": when(case.created_at),
        "updated_datetime": when(case.updated_at),
        "expected_datetime": when(case.resolve_due),
        "address": case.district,
    }
