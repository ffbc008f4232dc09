"""The service list city systems file under: one service per category of the taxonomy, with its stable
service_code and group from the taxonomy's `services:` block."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from config.errors import ConfigError
from config.taxonomy import Taxonomy
from handlers.services import Services

# The heaviest keywords of a category, as GeoReport's comma-separated `keywords`.
KEYWORDS_SHOWN = 8


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    group: str
    keywords: tuple[str, ...]


def catalogue(taxonomy: Taxonomy) -> list[Service]:
    """Every category as a service, in the taxonomy's order; ConfigError when the taxonomy has no codes."""
    if not taxonomy.services:
        raise ConfigError("taxonomy", ["services: Open311 (YIBANG_OPEN311) needs a service code for each category"])
    found = []
    for category in taxonomy.categories:
        entry = taxonomy.services[category.name]
        heaviest = sorted((item for item in category.keywords.items() if item[1] > 0), key=lambda item: -item[1])
        found.append(Service(code=entry.code, name=category.name, description=category.description,
                             group=entry.group, keywords=tuple(word for word, _ in heaviest[:KEYWORDS_SHOWN])))
    return found


def category_of(taxonomy: Taxonomy, code: str) -> str | None:
    return next((name for name, entry in taxonomy.services.items() if entry.code == code), None)


def code_of(taxonomy: Taxonomy, category: str) -> str | None:
    entry = taxonomy.services.get(category)
    return entry.code if entry is not None else None


def changeset(services: Services) -> datetime:
    """When the service list last changed: the taxonomy file's modification time."""
    try:
        return datetime.fromtimestamp(Path(services.settings.taxonomy).stat().st_mtime, UTC).replace(microsecond=0)
    except OSError:
        return datetime(2022, 1, 1, tzinfo=UTC)


def service_list(services: Services) -> list[dict[str, object]]:
    """GET services: each service as GeoReport v2 lists it (no service has extra attributes to fill)."""
    return [
        {"service_code": service.code, "service_name": service.name, "description": service.description,
         "metadata": False, "type": "realtime", "keywords": ",".join(service.keywords), "group": service.group}
        for service in catalogue(services.taxonomy)
    ]


def service_definition(services: Services, code: str) -> dict[str, object] | None:
    """GET services/{code}: a service's extra attributes (none: every service is a description and a place)."""
    if category_of(services.taxonomy, code) is None:
        return None
    return {"service_code": code, "attributes": []}


SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def discovery(services: Services, endpoint_url: str, max_requests: int) -> dict[str, object]:
    texts = services.taxonomy.texts
    changed = changeset(services).isoformat().replace("+00:00", "Z")
    return {
        "changeset": changed,
        "contact": texts.open311_contact,
        "key_service": texts.open311_key_service,
        "max_requests": max_requests,
        "endpoints": [{"specification": SPECIFICATION, "url": endpoint_url, "changeset": changed,
                       "type": "production", "formats": ["application/json", "text/xml"]}],
    }
