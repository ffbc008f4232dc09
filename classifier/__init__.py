"""jieba-based category, urgency and district extraction that explains itself: staff see the evidence and may override it."""

from classifier.classifier import Classifier, get_classifier
from classifier.evaluation import evaluate, read_labelled_csv
from classifier.result import CategoryResult, Classification, DistrictResult, UrgencyResult

__all__ = [
    "CategoryResult",
    "Classification",
    "Classifier",
    "DistrictResult",
    "UrgencyResult",
    "evaluate",
    "get_classifier",
    "read_labelled_csv",
]
