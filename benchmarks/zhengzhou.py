"""Cross-validation of the default taxonomy's learning on corpus/zhengzhou/train, one writer held out at a time.

Each of the five writers of the training corpus is held out in turn: the category lexicon and the urgency
score are learned from the other four (plus the hand keywords as one-word examples, when asked) and the
held-out writer's messages are classified. Holding out a whole writer, not random rows, is what the
locked test and the hidden set measure: messages by people whose words the lexicon never saw.

It prints, as JSON, the category figures per held-out writer and their mean, and for urgency the threshold
of the learned score: the highest at which the held-out messages' urgent recall (the rules or the score)
is at least `--recall`, with the precision there. The locked test is not read here: it is measured once per
real change with `yibang classify --eval` (see corpus/zhengzhou/README.md).

    .venv/bin/python -m benchmarks.zhengzhou [--l1 1e-5] [--l2 1e-3] [--no-keywords] [--recall 0.96]

`--figures` instead measures the shipped taxonomy: every target figure on the development set (when
../shared/data is there) and the locked test, and the latency of one whole `classify` (category,
urgency and district) over all the corpus's messages, warmed up, best of three passes, wall clock and CPU.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from classifier.classifier import Classifier
from classifier.evaluation import evaluate
from classifier.labelled import read_labelled_csv
from classifier.learning import LearningOptions, learn_lexicon
from classifier.lexicon import merged_categories
from classifier.urgency_learning import learn_urgency_score
from config import load_taxonomy
from config.settings import DEFAULT_TAXONOMY
from config.taxonomy import LINEAR, Taxonomy

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "zhengzhou"
Rows = list[dict[str, str]]


def writers(corpus: Path = CORPUS) -> dict[str, Rows]:
    """Each training writer's messages, by file name."""
    return {path.stem: read_labelled_csv(path) for path in sorted((corpus / "train").glob("*.csv"))}


def learned_taxonomy(
    taxonomy: Taxonomy, rows: Rows, extra: Rows, options: LearningOptions, cut: Any, threshold: float = 0.5
) -> Taxonomy:
    """`taxonomy` with its lexicon and urgency score learned from `rows` (+ `extra` for the categories)."""
    examples = [row for row in rows + extra if row.get("text") and row.get("category")]
    lexicon = learn_lexicon(
        [row["text"] for row in examples], [row["category"] for row in examples], cut,
        categories=taxonomy.category_names, options=options,
    )
    categories = merged_categories([c.model_dump() for c in taxonomy.categories], lexicon)
    rated = [row for row in rows if row.get("urgency")]
    score = learn_urgency_score(
        [row["text"] for row in rated], [row["urgency"] for row in rated], cut,
        urgent=taxonomy.urgency.urgent, normal=taxonomy.urgency.normal, threshold=threshold, options=options,
    )
    return taxonomy.model_copy(
        update={"categories": categories, "category_scoring": LINEAR, "urgency_score": score}
    )


def threshold_for(scored: Sequence[tuple[bool, bool, float]], recall: float) -> dict[str, Any]:
    """The highest score threshold at which the rules or the score find `recall` of the urgent messages
    (what is flagged: urgent or possibly urgent; classifier/urgency.py).

    `scored`: (urgent by its label, urgent by the rules, learned score) per message.
    """
    urgent_total = sum(gold for gold, _, _ in scored)
    for threshold in sorted({round(score, 3) for _, _, score in scored}, reverse=True):
        flagged = [(gold, rules or score >= threshold) for gold, rules, score in scored]
        found = sum(gold and hit for gold, hit in flagged)
        if found >= recall * urgent_total:
            raised = sum(hit for _, hit in flagged)
            return {"threshold": threshold, "recall": round(found / urgent_total, 4),
                    "precision": round(found / raised, 4), "flagged": raised}
    return {"threshold": 0.0, "recall": 1.0, "precision": round(urgent_total / len(scored), 4)}


def cross_validate(taxonomy: Taxonomy, options: LearningOptions, keywords: bool, recall: float) -> dict[str, Any]:
    folds = writers()
    extra = read_labelled_csv(CORPUS / "keywords.csv") if keywords else []
    cut = Classifier(taxonomy).cut
    per_writer: dict[str, Any] = {}
    scored: list[tuple[bool, bool, float]] = []
    for held, held_rows in folds.items():
        rows = [row for name, fold in folds.items() if name != held for row in fold]
        classifier = Classifier(learned_taxonomy(taxonomy, rows, extra, options, cut))
        figures = evaluate(classifier, held_rows)
        per_writer[held] = {key: figures[key] for key in ("category_accuracy", "category_macro_f1", "needs_review")}
        for row in held_rows:
            urgency = classifier.classify(row["text"]).urgency
            scored.append((row["urgency"] == taxonomy.urgency.urgent, urgency.by_rules, urgency.score or 0.0))
    mean = {
        key: round(sum(w[key] for w in per_writer.values()) / len(per_writer), 4)
        for key in ("category_accuracy", "category_macro_f1")
    }
    return {"options": vars(options) | {"keywords": keywords}, "category": mean, "per_writer": per_writer,
            "urgency": threshold_for(scored, recall)}


def latency(classifier: Classifier, texts: Sequence[str], passes: int = 3) -> dict[str, float]:
    """p50 and p99 of one `classify` in milliseconds, the best pass of `passes` (after one warm-up).

    Both the wall-clock time and the thread's CPU time: on a machine shared with other work the wall clock
    counts the time slices other processes took, which is the machine's load, not the classifier's cost.
    """
    best: dict[str, list[float]] = {}
    for number in range(passes + 1):
        wall, cpu = [], []
        for text in texts:
            started, started_cpu = time.perf_counter(), time.thread_time()
            classifier.classify(text)
            cpu.append(time.thread_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        for name, times in (("wall", sorted(wall)), ("cpu", sorted(cpu))):
            p99 = min(len(times) - 1, int(len(times) * 0.99))
            if number and (name not in best or times[p99] < best[name][p99]):
                best[name] = times
    out: dict[str, float] = {"messages": len(texts)}
    for name, times in best.items():
        out[f"{name}_p50_ms"] = round(times[len(times) // 2] * 1000, 3)
        out[f"{name}_p99_ms"] = round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 3)
    return out


def shipped_figures(taxonomy: Taxonomy) -> dict[str, Any]:
    """The shipped taxonomy's figures on the development set, the locked test, and its latency."""
    classifier = Classifier(taxonomy)
    sets = {"locked_test": [row for path in sorted((CORPUS / "locked-test").glob("*.csv"))
                            for row in read_labelled_csv(path)]}
    dev = ROOT.parent / "shared" / "data" / "zhengzhou-dev.csv"
    if dev.exists():
        sets["dev"] = read_labelled_csv(dev)
    out: dict[str, Any] = {}
    for name, rows in sets.items():
        figures = evaluate(classifier, rows)
        figures.pop("per_category")
        out[name] = figures
    texts = [row["text"] for rows in [*writers().values(), *sets.values()] for row in rows]
    out["latency"] = latency(classifier, texts)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l1", type=float, default=1e-5)
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--no-keywords", action="store_true", help="leave the hand keywords out")
    parser.add_argument("--recall", type=float, default=0.96, help="urgent recall the threshold must keep")
    parser.add_argument("--figures", action="store_true", help="measure the shipped taxonomy instead")
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    if args.figures:
        print(json.dumps(shipped_figures(taxonomy), ensure_ascii=False, indent=2))
        return
    options = LearningOptions(l1=args.l1, l2=args.l2)
    print(json.dumps(cross_validate(taxonomy, options, not args.no_keywords, args.recall),
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
