"""jieba-based category, urgency and district extraction that explains itself (DESIGN §8)."""

from classifier.result import CategoryResult, Classification, DistrictResult, UrgencyResult

__all__ = ["CategoryResult", "Classification", "DistrictResult", "UrgencyResult"]
