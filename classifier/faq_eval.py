"""The instant answers' measures on a labelled set (`yibang faq eval`): `text,entry` rows, the entry empty
for a message the base does not cover (an optional `kb` column keeps only the rows of one base).

The two figures the issue sets targets for: top-1 accuracy on covered paraphrases (answered with the right
entry, over all covered rows: a covered question left unanswered counts as a miss) and the share of
uncovered messages answered at all (each is a citizen given an answer to a question they did not ask).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from classifier.faq import FaqMatcher


def evaluate_faq(matcher: FaqMatcher, rows: Iterable[Mapping[str, str]], kb: str | None = None) -> dict[str, Any]:
    covered = right = wrong = silent = uncovered = answered_uncovered = 0
    confusions: Counter[tuple[str, str]] = Counter()
    for row in rows:
        if kb and row.get("kb") and row["kb"] != kb:
            continue
        expected = (row.get("entry") or "").strip()
        got = matcher.match(row.get("text") or "").entry
        got_id = got.id if got else ""
        if expected:
            covered += 1
            if got_id == expected:
                right += 1
            elif got_id:
                wrong += 1
                confusions[(expected, got_id)] += 1
            else:
                silent += 1
        else:
            uncovered += 1
            answered_uncovered += bool(got_id)
    answered = right + wrong
    return {
        "covered": covered,
        "uncovered": uncovered,
        "top1_accuracy": round(right / covered, 4) if covered else None,
        "covered_wrong_answer": round(wrong / covered, 4) if covered else None,
        "covered_unanswered": round(silent / covered, 4) if covered else None,
        "answer_precision": round(right / answered, 4) if answered else None,
        "uncovered_answered": round(answered_uncovered / uncovered, 4) if uncovered else None,
        "top_confusions": [
            {"expected": e, "answered": g, "count": n} for (e, g), n in confusions.most_common(10)
        ],
    }
