"""The Classifier: one segmentation of a message, read by the category, urgency and district parts.

Building one costs about 1.3 s (jieba's dictionary), so processes share instances through
`get_classifier`, keyed by the content of the taxonomy's classifier sections: two loads of the same
file give the same instance, an edited file gets a new one.
"""

from __future__ import annotations

import hashlib
import threading

from classifier.category import CategoryScorer
from classifier.district import DistrictFinder
from classifier.result import Classification
from classifier.segmenter import Segmented, Segmenter
from classifier.urgency import UrgencyDetector
from config.taxonomy import LINEAR, Taxonomy

# The sections the classifier reads; texts, routing and deadlines do not change its answers.
_SECTIONS = {"categories", "category_scoring", "category_thresholds", "urgency", "urgency_score", "districts"}


class Classifier:
    """Category, urgency and district of a citizen's message, with the evidence for each.

    Read-only after construction, so one instance can serve every thread of a process.
    """

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.urgent_level = taxonomy.urgency.urgent
        if taxonomy.category_scoring == LINEAR:
            # numpy costs a worker 15 MB: loaded only by a taxonomy that scores linearly
            from classifier.linear_scorer import LinearCategoryScorer

            scorer = LinearCategoryScorer
        else:
            scorer = CategoryScorer
        self._categories = scorer(taxonomy.categories, taxonomy.category_thresholds)
        self._urgency = UrgencyDetector(taxonomy.urgency, taxonomy.urgency_score)
        self._districts = DistrictFinder(taxonomy.districts)
        self._segmenter = Segmenter(self._categories.words | self._urgency.words | self._districts.words)

    def segment(self, text: str) -> Segmented:
        """The message folded to simplified characters and cut into tokens (what the parts read)."""
        return self._segmenter.segment(text)

    def cut(self, text: str) -> list[str]:
        """All the jieba tokens of a text, as the classifier's segmenter cuts it (for `yibang learn`)."""
        return self._segmenter.cut(text)

    def classify(self, text: str) -> Classification:
        seg = self.segment(text)
        return Classification(
            category=self._categories.score(seg),
            urgency=self._urgency.detect(seg),
            district=self._districts.find(seg.text, seg.original),
        )

    def find_district(self, text: str) -> str | None:
        """The district a citizen typed or mentioned (金水, 金水區, 我在金水), for the dialogue's slot."""
        return self._districts.find(text.strip()).name

    def district_at(self, lat: float, lon: float) -> str | None:
        """The district of a shared location: the nearest configured centre within range, else None."""
        return self._districts.at(lat, lon)


_cache: dict[str, Classifier] = {}
_cache_lock = threading.Lock()


def taxonomy_key(taxonomy: Taxonomy) -> str:
    """A digest of the sections the classifier reads."""
    dumped = taxonomy.model_dump_json(include=_SECTIONS)
    return hashlib.sha256(dumped.encode("utf-8")).hexdigest()


def get_classifier(taxonomy: Taxonomy) -> Classifier:
    """The process's classifier for this taxonomy, built on first use."""
    key = taxonomy_key(taxonomy)
    with _cache_lock:
        classifier = _cache.get(key)
        if classifier is None:
            classifier = _cache[key] = Classifier(taxonomy)
        return classifier
