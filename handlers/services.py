"""What the handlers need to do their work, built once per process from the settings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from classifier import Classification
from config import ConfigError, Settings, Taxonomy, load_taxonomy
from config.knowledge import KnowledgeBase, load_knowledge_base
from handlers.clock import Clock, SystemClock
from handlers.observer import NoObserver, Observer
from storage import Database, FieldCipher
from storage.database import WriterBusy
from storage.encryption import secret_keys
from storage.key_check import KeyMismatch, check_secret_key
from storage.media import MediaStore, open_media_store

if TYPE_CHECKING:
    from classifier.similarity import SimilarityModel

# Raised by an impatient SQLite write (`services.db.impatient()`), for the channels that run handlers.
__all__ = ["Services", "StaffDestination", "WriterBusy", "upgrade_database"]

VERDICT_CACHE_SIZE = 2048


class CaseClassifier(Protocol):
    def classify(self, text: str) -> Classification: ...

    def find_district(self, text: str) -> str | None: ...

    def district_at(self, lat: float, lon: float) -> str | None: ...

    def cut(self, text: str) -> list[str]: ...


@dataclass(frozen=True)
class StaffDestination:
    """Where staff are told of new cases: a Telegram group, a WeCom robot, or the log."""

    channel: str
    target: str


@dataclass
class Services:
    settings: Settings
    taxonomy: Taxonomy
    # None: built on first use (jieba takes a second to load; `case list` never needs it)
    classifier_instance: CaseClassifier | None
    db: Database
    cipher: FieldCipher
    clock: Clock = field(default_factory=SystemClock)
    # who is told what the handlers do (bot/metrics.py when metrics are on)
    observer: Observer = field(default_factory=NoObserver)
    # the instant answers' knowledge base, checked at start-up (YIBANG_KNOWLEDGE_BASE); None: no answers
    knowledge: KnowledgeBase | None = None

    def __post_init__(self) -> None:
        # One problem text is read at the problem step, for the summary and at filing; a verdict is
        # deterministic, so it is remembered (lru_cache is thread-safe).
        self.classify = lru_cache(maxsize=VERDICT_CACHE_SIZE)(self._classify)

    def _classify(self, text: str) -> Classification:
        started = time.perf_counter()
        verdict = self.classifier.classify(text)
        self.observer.classified(time.perf_counter() - started)
        return verdict

    @property
    def classifier(self) -> CaseClassifier:
        if self.classifier_instance is None:
            from classifier import get_classifier

            self.classifier_instance = get_classifier(self.taxonomy)
        return self.classifier_instance

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Services:
        taxonomy = load_taxonomy(settings.taxonomy)
        knowledge = load_knowledge_base(settings.knowledge_base)
        db = Database(settings.resolved_database_url(), pool_size=settings.database_pool_size)
        if migrate:
            db.migrate()
        secrets = secret_keys(
            settings.secret_key.get_secret_value() if settings.secret_key else None,
            settings.old_secret_keys.get_secret_value() if settings.old_secret_keys else None,
            settings.data_dir,
        )
        services = cls(
            settings=settings,
            taxonomy=taxonomy,
            classifier_instance=None,
            db=db,
            cipher=FieldCipher(secrets),
            clock=clock or SystemClock(),
            knowledge=knowledge,
        )
        _refuse_a_foreign_key(services)
        return services

    @cached_property
    def media(self) -> MediaStore:
        """Where citizens' photos and files are kept, sealed (YIBANG_MEDIA_URL; DATA_DIR/media by default)."""
        return open_media_store(self.settings.media_url, self.settings.data_dir, self.cipher)

    @cached_property
    def similarity(self) -> SimilarityModel:
        """Similar cases' features and scores, on the classifier's tokenizer (built on first use)."""
        from classifier.similarity import SimilarityModel

        places = [place for district in self.taxonomy.districts.items for place in district.places]
        return SimilarityModel(self.classifier.cut, places)

    @cached_property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.settings.timezone)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    @cached_property
    def staff_destinations(self) -> tuple[StaffDestination, ...]:
        """Each configured staff channel; with none, staff cards go to the log so nothing is silent."""
        settings = self.settings
        destinations = []
        if settings.telegram_staff_chat_id is not None:
            destinations.append(StaffDestination("telegram", str(settings.telegram_staff_chat_id)))
        if settings.wecom_webhook_url is not None:
            destinations.append(StaffDestination("wecom", "robot"))
        if not destinations:
            destinations.append(StaffDestination("log", "staff"))
        return tuple(destinations)


def _refuse_a_foreign_key(services: Services) -> None:
    """Stop at start when YIBANG_SECRET_KEY is not the key this database was set up with."""
    try:
        with services.db.transaction() as session:
            check_secret_key(session, services.cipher, services.clock.now())
    except KeyMismatch as exc:
        services.db.dispose()
        generated = services.settings.secret_key is None
        raise ConfigError("YIBANG_SECRET_KEY", [
            f"{'not set, and the key generated into YIBANG_DATA_DIR' if generated else 'this key'} is not the "
            f"key this database was set up with ({exc}); set YIBANG_SECRET_KEY to that key (and earlier "
            "ones in YIBANG_OLD_SECRET_KEYS)",
        ]) from None


def upgrade_database(settings: Settings) -> None:
    """`yibang db upgrade`: the schema brought to the newest revision (every start does it too)."""
    database = Database(settings.resolved_database_url())
    try:
        database.migrate()
    finally:
        database.dispose()
