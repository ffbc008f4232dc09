"""`yibang learn`'s model fitted by its own numpy code beside scikit-learn, on the public gov-messages set.

The model is multinomial logistic regression with an elastic-net penalty. Three fitters of it get the
same feature rows (the lexicon's idf-scaled word strengths, built once) and the same penalty:

- `softmax_regression`: yibang's own (classifier/softmax_regression.py, accelerated proximal gradient);
- `sklearn_saga`: scikit-learn's LogisticRegression(penalty="elasticnet", solver="saga"), its C and
  l1_ratio set so that it minimises the very same objective (mean cross-entropy + l2/2·|W|² + l1·|W|₁).
  One saga pass over these rows takes several seconds, and it does not reach the tolerance in hundreds of
  them (hours per fit), so it gets a budget of SAGA_EPOCHS passes per fit — about the time yibang's
  fitter takes to converge — and is measured as it stands then;
- `sklearn_sgd`: scikit-learn's SGDClassifier(loss="log_loss", penalty="elasticnet"), the same penalty,
  but one-vs-rest rather than one softmax (the lexicon's scorer is a softmax).

For each: the fit time of the first round (the full vocabulary), the whole `learn_lexicon` with that
fitter (its rounds of dropping unweighted words), the size of the lexicon learned, and the macro-F1 of
classifying gov-messages/test.csv with it through yibang's own classifier (the gov-12345 taxonomy with
the learned lexicon in place of the shipped one) — learned on train.csv only. Also the installed size of
scikit-learn and what it brings (scipy, joblib, threadpoolctl), and the time to import each fitter.

    .venv/bin/python -m pip install -e '.[bench]'
    .venv/bin/python -m benchmarks.learning [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from classifier import evaluate, get_classifier, learning, softmax_regression
from classifier.labelled import category_of, read_labelled_csv, text_of, training_examples
from classifier.lexicon import merge_lexicon
from classifier.traditional import to_simplified
from config import load_taxonomy
from config.taxonomy import Taxonomy, parse_yaml

ROOT = Path(__file__).resolve().parents[1]
GOV_TAXONOMY = ROOT / "config" / "taxonomy" / "gov-12345.yaml"
SHARED_DATA = ROOT.parent / "shared" / "data"
OPTIONS = learning.LearningOptions()
SAGA_EPOCHS = 10
SGD_EPOCHS = 50


def csr(rows: softmax_regression.SparseRows):
    """The same rows as a scipy CSR matrix, for scikit-learn."""
    from scipy.sparse import csr_matrix

    return csr_matrix((rows._values, rows._columns, rows._row_ptr), shape=(rows.n_rows, rows.n_columns))


def sklearn_fit(kind: str, seed: int = 0):
    """A drop-in for `softmax_regression.fit` that fits with scikit-learn."""

    def fit(rows, labels, n_classes, *, l1, l2, max_iterations=500, tolerance=1e-6, start=None,
            on_iteration=None):
        from sklearn.linear_model import LogisticRegression, SGDClassifier

        n = rows.n_rows
        ratio = l1 / (l1 + l2)
        if kind == "saga":
            # sklearn: C·Σ loss + (1-ρ)/2·|W|² + ρ·|W|₁  =  C·n · (mean loss + l2/2·|W|² + l1·|W|₁)
            model = LogisticRegression(penalty="elasticnet", solver="saga", l1_ratio=ratio, C=1 / (n * (l1 + l2)),
                                       max_iter=SAGA_EPOCHS, tol=1e-4)
        else:
            # SGD: mean loss + α·((1-ρ)/2·|W|² + ρ·|W|₁)
            model = SGDClassifier(loss="log_loss", penalty="elasticnet", alpha=l1 + l2, l1_ratio=ratio,
                                  max_iter=SGD_EPOCHS, tol=1e-5, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # not converged within the budget; deprecations of `penalty`
            model.fit(csr(rows), np.asarray(labels))
        return softmax_regression.Model(model.coef_.T.copy(), model.intercept_.copy())

    return fit


FITTERS = {
    "softmax_regression": softmax_regression.fit,
    "sklearn_sgd": sklearn_fit("sgd"),
    # SGD shuffles the rows: two more seeds show how much its figures move from one run to the next
    "sklearn_sgd_seed_1": sklearn_fit("sgd", seed=1),
    "sklearn_sgd_seed_2": sklearn_fit("sgd", seed=2),
    "sklearn_saga": sklearn_fit("saga"),
}


@contextmanager
def fitting_with(fit):
    original = learning.softmax_regression.fit
    learning.softmax_regression.fit = fit
    try:
        yield
    finally:
        learning.softmax_regression.fit = original


def measured(classifier, test_rows: list[dict[str, str]]) -> dict[str, Any]:
    """Macro-F1 on whole messages and on subject lines alone, how many were left to a person (the
    fallback below the taxonomy's confidence threshold), and how far the confidence is from the accuracy
    (expected calibration error over ten bins: the threshold assumes a probability that means what it says)."""
    whole = evaluate(classifier, test_rows)
    subjects = [{"text": row["subject"], "label": row["label"]} for row in test_rows if row.get("subject")]
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(10)]
    for row in test_rows:
        result = classifier.classify(text_of(row)).category
        bins[min(9, int(result.confidence * 10))].append((result.confidence, result.name == category_of(row)))
    calibration = sum(
        len(found) * abs(sum(c for c, _ in found) / len(found) - sum(ok for _, ok in found) / len(found))
        for found in bins if found
    ) / len(test_rows)
    return {
        "test_macro_f1": whole["category_macro_f1"],
        "subject_lines_macro_f1": evaluate(classifier, subjects)["category_macro_f1"],
        "left_to_a_person": whole["needs_review"],
        "calibration_error": round(calibration, 3),
    }


def with_lexicon(lexicon):
    """yibang's classifier for the gov-12345 taxonomy with `lexicon` in place of the shipped one."""
    merged = merge_lexicon(lexicon, GOV_TAXONOMY.read_text(encoding="utf-8"), str(GOV_TAXONOMY))
    return get_classifier(Taxonomy.model_validate(parse_yaml(merged)))


def installed_megabytes(distributions: list[str]) -> float:
    total = 0
    for name in distributions:
        for file in metadata.distribution(name).files or []:
            located = Path(file.locate())
            if located.is_file():
                total += located.stat().st_size
    return round(total / 1e6, 1)


def import_seconds(statement: str) -> float:
    """The best of five fresh interpreters' time to run `statement`, after what `yibang learn` imports
    anyway (numpy, the classifier)."""
    code = f"import time, numpy, classifier; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                                 check=True).stdout) for _ in range(5)]
    return round(min(runs), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    args = parser.parse_args()
    taxonomy = load_taxonomy(GOV_TAXONOMY)
    train = read_labelled_csv(args.data / "gov-messages" / "train.csv")
    test = read_labelled_csv(args.data / "gov-messages" / "test.csv")
    texts, labels = training_examples(train)
    cut = get_classifier(taxonomy).cut
    folded = [to_simplified(text) for text in texts]
    vocabulary = learning.candidate_words([cut(text) for text in folded], OPTIONS)
    rows, _ = learning._feature_rows(folded, vocabulary)
    learned = [name for name in taxonomy.category_names if name in set(labels)]
    y = [learned.index(label) for label in labels]

    figures: dict[str, Any] = {"examples": len(texts), "first_round_words": len(vocabulary)}
    for name, fit in FITTERS.items():
        started = time.perf_counter()
        fit(rows, y, len(learned), l1=OPTIONS.l1, l2=OPTIONS.l2, max_iterations=OPTIONS.max_iterations)
        first_round = time.perf_counter() - started
        with fitting_with(fit):
            started = time.perf_counter()
            lexicon = learning.learn_lexicon(texts, labels, cut, categories=taxonomy.category_names, options=OPTIONS)
            whole = time.perf_counter() - started
        figures[name] = {
            "first_round_fit_seconds": round(first_round, 1),
            "learn_lexicon_seconds": round(whole, 1),
            "lexicon_words": len({word for category in lexicon.categories for word in category.keywords}),
            **measured(with_lexicon(lexicon), test),
        }
        print(name, figures[name], file=sys.stderr)
    figures["shipped_lexicon"] = measured(get_classifier(taxonomy), test)
    figures["install_megabytes"] = {
        "softmax_regression": 0.0,  # numpy only, which yibang depends on anyway
        "scikit-learn and what it brings": installed_megabytes(["scikit-learn", "scipy", "joblib", "threadpoolctl"]),
    }
    figures["import_seconds"] = {
        "softmax_regression": import_seconds("import classifier.softmax_regression"),
        "sklearn.linear_model": import_seconds("import sklearn.linear_model"),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
