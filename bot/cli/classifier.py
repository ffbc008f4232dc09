"""`yibang classify`, `learn`, `lexicon merge`, `overrides export`: the classifier, measured and taught."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.app import StageBars, app, fail, group, print_json, services, settings

lexicon = group("lexicon", "Learned keyword lexicons: merge into a taxonomy file.")
overrides = group("overrides", "Staff corrections of the classifier: export for `learn`.")


def read_rows(path: Path) -> list[dict[str, str]]:
    from classifier.labelled import read_labelled_csv

    try:
        return read_labelled_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")


def taxonomy_at(path: Path):
    from config import load_taxonomy

    return load_taxonomy(path)


@app.command()
def classify(
    text: Annotated[str | None, typer.Argument(help="A message to classify.")] = None,
    eval_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--eval",
            help="Labelled CSV: text,category,urgency,district or subject,detail,label (repeatable: one set).",
        ),
    ] = None,
) -> None:
    """Classify a message (JSON), or evaluate the classifier on a labelled CSV (JSON metrics)."""
    from classifier import get_classifier
    from classifier.evaluation import evaluate

    classifier = get_classifier(taxonomy_at(settings().taxonomy))
    if eval_files:
        print_json(evaluate(classifier, [row for path in eval_files for row in read_rows(path)]))
        return
    if text is None:
        fail("give a TEXT to classify, or --eval FILE.csv")
    print_json(classifier.classify(text).evidence())


def merge_file(learned: Any, into: Path) -> None:
    """Merge a lexicon into a taxonomy file in place; the file is only written when the result loads."""
    from classifier.lexicon import merge_lexicon

    try:
        merged = merge_lexicon(learned, into.read_text(encoding="utf-8"), str(into))
    except OSError as exc:
        fail(f"cannot read {into}: {exc}")
    into.write_text(merged, encoding="utf-8")
    typer.echo(f"merged into {into}", err=True)


@app.command()
def learn(
    train: Annotated[
        list[Path],
        typer.Option("--train", help="Labelled CSV: text,category,… or subject,detail,label (repeatable)."),
    ],
    out: Annotated[Path, typer.Option("--out", help="The lexicon to write (YAML).")],
    taxonomy: Annotated[
        Path | None,
        typer.Option("--taxonomy", help="The taxonomy the labels belong to (default: YIBANG_TAXONOMY)."),
    ] = None,
    merge_into: Annotated[
        Path | None, typer.Option("--merge-into", help="Also merge the lexicon into this taxonomy file.")
    ] = None,
    l1: Annotated[float, typer.Option(help="L1 penalty: higher keeps fewer words.")] = 1e-5,
    l2: Annotated[float, typer.Option(help="L2 penalty: higher gives smaller weights.")] = 1e-4,
    min_count: Annotated[int, typer.Option(help="A word must occur in this many messages.")] = 2,
    subject_lines: Annotated[
        bool, typer.Option(help="Also learn from each subject line alone, as a short message.")
    ] = True,
    urgency: Annotated[
        bool, typer.Option("--urgency", help="Learn the urgency score from the urgency column instead.")
    ] = False,
    threshold: Annotated[
        float, typer.Option(help="With --urgency: the score that makes a message possibly urgent.")
    ] = 0.5,
) -> None:
    """Learn each category's keywords and weights from labelled messages; write them as a lexicon.

    With --urgency, learn the urgency score (words for and against 紧急) from the rows' urgency column and
    write it as an `urgency_score:` block."""
    from classifier import get_classifier
    from classifier.labelled import training_examples
    from classifier.learning import LearningOptions, learn_lexicon
    from classifier.lexicon import render_lexicon

    loaded = settings()
    chosen = taxonomy_at(taxonomy or loaded.taxonomy)
    rows = [row for path in train for row in read_rows(path)]
    if urgency:
        learn_urgency(chosen, rows, out, merge_into, LearningOptions(l1=l1, l2=l2, min_count=min_count), threshold)
        return
    texts, labels = training_examples(rows, subject_lines=subject_lines)
    unknown = sorted(set(labels) - set(chosen.category_names))
    if unknown:
        fail(f"labels that are not categories of {chosen.name}: {', '.join(unknown)} "
             f"(categories: {', '.join(chosen.category_names)})")
    sources = ", ".join(path.name for path in train)
    typer.echo(f"learning from {len(texts)} examples ({len(rows)} rows of {sources})", err=True)
    bars = StageBars()
    try:
        learned = learn_lexicon(
            texts,
            labels,
            get_classifier(chosen).cut,
            categories=chosen.category_names,
            options=LearningOptions(l1=l1, l2=l2, min_count=min_count),
            progress=bars,
        )
    except ValueError as exc:
        fail(str(exc))
    finally:
        bars.close()
    learned.header.insert(1, f"Source: {sources} ({len(rows)} rows); taxonomy: {chosen.name}.")
    out.write_text(render_lexicon(learned), encoding="utf-8")
    if merge_into is not None:
        merge_file(learned, merge_into)
    print_json({
        "rows": len(rows),
        "examples": len(texts),
        "out": str(out),
        "words": len({word for category in learned.categories for word in category.keywords}),
        "keywords": {category.name: len(category.keywords) for category in learned.categories},
    })


def learn_urgency(chosen: Any, rows: list[dict[str, str]], out: Path, merge_into: Path | None,
                  options: Any, threshold: float) -> None:
    """`learn --urgency`: the urgency score from the rows that carry an urgency label."""
    from classifier import get_classifier
    from classifier.lexicon import merge_urgency_score, urgency_score_block
    from classifier.urgency_learning import learn_urgency_score

    levels = (chosen.urgency.urgent, chosen.urgency.normal)
    rated = [row for row in rows if row.get("text") and row.get("urgency")]
    unknown = sorted({row["urgency"] for row in rated} - set(levels))
    if unknown:
        fail(f"urgency labels must be {' or '.join(levels)}, not: {', '.join(unknown)}")
    bars = StageBars()
    try:
        score = learn_urgency_score(
            [row["text"] for row in rated], [row["urgency"] for row in rated], get_classifier(chosen).cut,
            urgent=chosen.urgency.urgent, normal=chosen.urgency.normal, threshold=threshold, options=options,
            progress=bars,
        )
    except ValueError as exc:
        fail(str(exc))
    finally:
        bars.close()
    out.write_text(urgency_score_block(score), encoding="utf-8")
    if merge_into is not None:
        try:
            merged = merge_urgency_score(score, merge_into.read_text(encoding="utf-8"), str(merge_into))
        except OSError as exc:
            fail(f"cannot read {merge_into}: {exc}")
        merge_into.write_text(merged, encoding="utf-8")
        typer.echo(f"merged into {merge_into}", err=True)
    print_json({"rows": len(rated), "out": str(out), "words": len(score.keywords), "pairs": len(score.pairs), "bias": score.bias,
                "threshold": score.threshold})


@lexicon.command("merge")
def lexicon_merge(
    lexicon_file: Annotated[Path, typer.Argument(help="A lexicon written by `learn` (edited or not).")],
    into: Annotated[Path, typer.Option("--into", help="The taxonomy file to merge it into (rewritten).")],
) -> None:
    """Put a lexicon's categories into a taxonomy file; its other lines and comments stay as they are."""
    from classifier.lexicon import read_lexicon

    merge_file(read_lexicon(lexicon_file), into)


@overrides.command("export")
def overrides_export(
    out: Annotated[
        Path, typer.Option("--out", help="The CSV to write (id,text,category,urgency,district,note).")
    ],
) -> None:
    """Cases whose category or urgency staff corrected, as labelled examples for `learn --train`."""
    from handlers.cases.overrides import COLUMNS, export_examples

    rows = export_examples(services())
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    typer.echo(f"{len(rows)} corrected cases written to {out}", err=True)
