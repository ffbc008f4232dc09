"""Learning a lexicon: the matcher, the model, the lexicon file, merging it, and `yibang learn`."""

from __future__ import annotations

import csv
import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from classifier.learning import LearningOptions, candidate_words, learn_lexicon
from classifier.lexicon import Lexicon, merge_lexicon, parse_lexicon, render_lexicon
from classifier.linear_scorer import LinearCategoryScorer, word_strengths
from classifier.softmax_regression import SparseRows, fit
from classifier.word_matcher import WordMatcher
from config import ConfigError, load_taxonomy
from config.taxonomy import Category, CategoryThresholds

GOV_TAXONOMY = Path(__file__).resolve().parents[1] / "config" / "taxonomy" / "gov-12345.yaml"

# A small made-up labelled set: three topics, each message two topic words in everyday frames.
TOPICS = {
    "出行": ["公交车", "地铁站", "出租车", "红绿灯", "停车场", "驾驶员", "高速公路", "客运站"],
    "环境": ["噪音", "污水", "废气", "油烟", "粉尘", "臭味", "垃圾焚烧", "排污口"],
    "学校": ["学校", "老师", "学生", "教材", "课程", "学费", "幼儿园", "校车"],
}
FRAMES = [
    "我们小区附近的{a}问题很严重，{b}也一样，希望有关部门尽快处理",
    "请问{a}的事情什么时候能解决？{b}已经反映好几次了",
    "{a}和{b}的情况没有人管，市民意见很大",
    "关于{a}，还有{b}，麻烦领导关注一下",
]


def synthetic_rows(seed: int, per_topic: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = []
    for topic, words in TOPICS.items():
        for _ in range(per_topic):
            a, b = rng.sample(words, 2)
            rows.append((rng.choice(FRAMES).format(a=a, b=b), topic))
    rng.shuffle(rows)
    return rows


@pytest.fixture(scope="module")
def learned(classifier) -> Lexicon:
    rows = synthetic_rows(1, 25)
    return learn_lexicon([t for t, _ in rows], [c for _, c in rows], classifier.cut, categories=list(TOPICS))


# ---------------------------------------------------------------- finding words


def test_the_matcher_takes_the_longest_word_from_the_left():
    matcher = WordMatcher(["发生", "生了", "公交", "公交车", "车站"])
    assert matcher.count("发生了什么") == {"发生": 1}
    assert matcher.count("公交车站，公交车站") == {"公交车": 2}
    assert matcher.count("没有这些词") == {}


def test_numbers_and_latin_words_must_stand_alone():
    matcher = WordMatcher(["120", "ETC", "打"])
    assert matcher.count("打120") == {"打": 1, "120": 1}
    assert matcher.count("转了1200元，ETCx") == {}


def test_repeats_count_less_and_long_messages_are_not_surer():
    one = word_strengths({"噪音": 1})
    assert one == {"噪音": 1.0}
    twice = word_strengths({"噪音": 2})
    assert 1.0 < twice["噪音"] < 2.0
    many = word_strengths({f"词{i}": 1 for i in range(16)})
    assert many["词0"] == pytest.approx(0.25)


# ---------------------------------------------------------------- the model


def test_softmax_regression_separates_and_l1_drops_noise():
    rng = np.random.default_rng(3)
    rows, labels = [], []
    for _ in range(300):
        label = int(rng.integers(3))
        row = {label: 1.0}  # column k marks class k
        row.update({int(c): 1.0 for c in rng.integers(3, 23, size=3)})  # noise columns
        rows.append(row)
        labels.append(label)
    model = fit(SparseRows(rows, 23), labels, 3, l1=0.01, l2=0.001)
    predicted = model.scores(SparseRows(rows, 23)).argmax(axis=1)
    assert (predicted == np.array(labels)).mean() == 1.0
    assert all(model.weights[k, k] > 0 for k in range(3))
    assert (model.weights[3:] == 0).mean() > 0.8


def test_candidates_are_repeated_words_with_han_characters():
    tokens = [["噪音", "扰民", "的", "2022", "，"], ["噪音", "严重", "的", "2022", "，"], ["扰民"]]
    assert candidate_words(tokens, LearningOptions(min_count=2)) == ["噪音", "扰民", "的"]
    assert candidate_words(tokens, LearningOptions(min_count=2, min_length=2)) == ["噪音", "扰民"]


# ---------------------------------------------------------------- learning on a small made-up set


def test_learned_lexicon_names_each_topics_words(learned):
    by_name = {c.name: c for c in learned.categories}
    assert list(by_name) == list(TOPICS)
    for topic, words in TOPICS.items():
        keywords = by_name[topic].keywords
        strongest = sorted(keywords, key=keywords.get, reverse=True)[: len(words)]
        assert len(set(strongest) & set(words)) >= len(words) - 2, (topic, strongest)
        assert all(keywords.get(w, 0) > 0 for w in words), (topic, keywords)


def test_learned_lexicon_separates_messages_it_never_saw(learned):
    scorer = LinearCategoryScorer([*learned.categories, Category(name="其他")], CategoryThresholds())

    class Seg:
        def __init__(self, text: str) -> None:
            self.text = text

    unseen = [
        ("地铁站门口出租车乱停，红绿灯也坏了", "出行"),
        ("工厂晚上偷偷排废气，到处都是臭味", "环境"),
        ("幼儿园的学费又涨了，老师也换了三个", "学校"),
    ]
    for text, topic in unseen:
        result = scorer.score(Seg(text))
        assert result.name == topic and result.confidence > 0.5, (text, result)
        assert result.matched and all(v > 0 for v in result.matched.values())
    nothing = scorer.score(Seg("？？ ok"))
    assert nothing.name == "其他" and nothing.needs_review


def test_linear_scoring_thresholds_and_the_fallback():
    categories = [
        Category(name="出行", bias=0.0, keywords={"地铁": 2.0, "学校": -2.0}),
        Category(name="学校", bias=0.0, keywords={"学校": 2.0}),
        Category(name="其他"),
    ]

    class Seg:
        def __init__(self, text: str) -> None:
            self.text = text

    plain = LinearCategoryScorer(categories, CategoryThresholds())
    clear = plain.score(Seg("地铁"))
    assert (clear.name, clear.matched) == ("出行", {"地铁": 2.0})
    assert clear.confidence == pytest.approx(math.exp(2) / (math.exp(2) + 1), abs=1e-3)
    assert set(clear.scores) == {"出行", "学校"}  # 其他 has no keywords: only the fallback
    both = plain.score(Seg("地铁 学校"))  # (2 - 2) / √2 against 2 / √2
    assert both.name == "学校"
    assert both.confidence == pytest.approx(1 / (1 + math.exp(-math.sqrt(2))), abs=1e-3)
    strict = LinearCategoryScorer(categories, CategoryThresholds(min_confidence=0.9))
    assert (strict.score(Seg("地铁")).name, strict.score(Seg("地铁")).needs_review) == ("其他", True)
    close = LinearCategoryScorer(categories, CategoryThresholds(min_margin=0.9))
    assert close.score(Seg("地铁")).name == "其他"


def test_a_scoring_method_is_part_of_the_classifier_cache_key():
    from classifier.classifier import taxonomy_key

    taxonomy = load_taxonomy(GOV_TAXONOMY)
    assert taxonomy_key(taxonomy) != taxonomy_key(
        taxonomy.model_copy(update={"category_scoring": "keywords"})
    )


def test_lexicon_file_is_readable_and_reads_back_the_same(learned):
    text = render_lexicon(learned)
    assert text.startswith("# Keyword lexicon learned")
    assert "category_scoring: linear" in text
    assert max(len(line) for line in text.splitlines()) <= 110
    again = parse_lexicon(text, "lexicon.yaml")
    assert again.categories == learned.categories
    assert yaml.safe_load(text)["categories"][0]["name"] == "出行"


def test_odd_words_are_quoted_so_they_read_back():
    lexicon = Lexicon(
        categories=[Category(name="出行", bias=0.5, keywords={"120": 1.0, "yes": 0.5, "a:b": -1.0})]
    )
    assert parse_lexicon(render_lexicon(lexicon), "x").categories == lexicon.categories


def test_a_broken_lexicon_names_the_problem():
    with pytest.raises(ConfigError, match="keywords"):
        parse_lexicon("categories:\n  - name: 出行\n    keywords: {公交: many}\n", "lexicon.yaml")


# ---------------------------------------------------------------- merging into a taxonomy file


def test_merge_replaces_categories_keeps_the_rest_and_round_trips(tmp_path):
    original = GOV_TAXONOMY.read_text(encoding="utf-8")
    lexicon = Lexicon(
        categories=[
            Category(name="交通运输", bias=0.25, keywords={"公交车": 3.5, "地铁": 2.0, "学校": -1.5}),
            Category(name="教育文体", bias=-0.25, keywords={"学校": 4.0, "老师": 2.5}),
        ]
    )
    merged = merge_lexicon(lexicon, original, "gov-12345.yaml")
    path = tmp_path / "merged.yaml"
    path.write_text(merged, encoding="utf-8")
    taxonomy = load_taxonomy(path)
    by_name = {c.name: c for c in taxonomy.categories}
    assert taxonomy.category_scoring == "linear"
    assert by_name["交通运输"].keywords == {"公交车": 3.5, "地铁": 2.0, "学校": -1.5}
    assert by_name["交通运输"].bias == 0.25
    assert by_name["交通运输"].description  # kept from the taxonomy
    assert (
        by_name["城乡建设"].keywords == load_taxonomy(GOV_TAXONOMY).categories[0].keywords
    )  # not in lexicon
    # everything after the categories, comments included, is untouched
    tail = original[original.index("\n# ----", original.index("\ncategories:")) :]
    assert merged.endswith(tail)
    # merging the same lexicon again changes nothing; a hand edit afterwards loads
    assert merge_lexicon(lexicon, merged, "merged.yaml") == merged
    path.write_text(merged.replace("老师: 2.5", "老师: 3, 教室: 1.5"), encoding="utf-8")
    assert load_taxonomy(path).categories[2].keywords["教室"] == 1.5


def test_merge_into_a_keywords_taxonomy_switches_it_to_linear(tmp_path):
    from config.settings import DEFAULT_TAXONOMY

    lexicon = Lexicon(categories=[Category(name="交通出行", bias=0.1, keywords={"地铁": 2.0})])
    merged = merge_lexicon(lexicon, DEFAULT_TAXONOMY.read_text(encoding="utf-8"), "zhengzhou-2022.yaml")
    path = tmp_path / "zz.yaml"
    path.write_text(merged, encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert taxonomy.category_scoring == "linear"
    assert taxonomy.categories[1].keywords == {"地铁": 2.0}
    assert "# 郑在抗疫·应急求助平台 (Zhengzhou, January 2022)" in merged


def test_merge_refuses_a_result_that_would_not_load():
    lexicon = Lexicon(categories=[Category(name="交通运输", keywords={"地铁": 1.0})])
    with pytest.raises(ConfigError, match="would not load"):
        merge_lexicon(
            lexicon, GOV_TAXONOMY.read_text(encoding="utf-8").replace("fallback: 其他", "fallback: 无"), "x"
        )


# ---------------------------------------------------------------- the command line


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _yibang(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIBANG_")}
    env["YIBANG_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("shape", ["text,category", "subject,detail,label"])
def test_learn_command_writes_a_lexicon_and_merges_it(tmp_path, shape):
    names = {"出行": "交通运输", "环境": "环境保护", "学校": "教育文体"}
    rows = synthetic_rows(2, 15)
    train = tmp_path / "train.csv"
    if shape == "text,category":
        _write_csv(
            train, ["text", "category", "urgency", "district"], [[t, names[c], "一般", ""] for t, c in rows]
        )
    else:
        _write_csv(
            train,
            ["id", "subject", "detail", "label"],
            [[str(i), t[:8], t[8:], names[c]] for i, (t, c) in enumerate(rows)],
        )
    taxonomy = tmp_path / "gov.yaml"
    taxonomy.write_text(GOV_TAXONOMY.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "lexicon.yaml"
    result = _yibang(
        [
            "learn",
            "--train",
            str(train),
            "--out",
            str(out),
            "--taxonomy",
            str(taxonomy),
            "--merge-into",
            str(taxonomy),
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"] == len(rows) and set(summary["keywords"]) == set(names.values())
    assert summary["examples"] == (2 * len(rows) if shape == "subject,detail,label" else len(rows))
    assert "round 1" in result.stderr and "merged into" in result.stderr  # progress and logs on stderr
    assert {c.name for c in parse_lexicon(out.read_text(encoding="utf-8"), "x").categories} == set(
        names.values()
    )
    merged = load_taxonomy(taxonomy)
    assert merged.categories[merged.category_names.index("教育文体")].keywords["老师"] > 0


def test_learn_refuses_labels_that_are_not_categories(tmp_path):
    train = tmp_path / "train.csv"
    _write_csv(train, ["text", "category"], [["公交车晚点", "公交"], ["学校收费", "学校"]])
    result = _yibang(
        ["learn", "--train", str(train), "--out", str(tmp_path / "x.yaml"), "--taxonomy", str(GOV_TAXONOMY)],
        tmp_path,
    )
    assert result.returncode == 2 and "公交" in result.stderr and "Traceback" not in result.stderr


def test_lexicon_merge_command(tmp_path):
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text(
        render_lexicon(
            Lexicon(
                categories=[
                    Category(name="交通运输", bias=0.2, keywords={"公交车": 3.0}),
                    Category(name="环境保护", bias=-0.2, keywords={"噪音": 3.0}),
                ]
            )
        ),
        encoding="utf-8",
    )
    taxonomy = tmp_path / "gov.yaml"
    taxonomy.write_text(GOV_TAXONOMY.read_text(encoding="utf-8"), encoding="utf-8")
    result = _yibang(["lexicon", "merge", str(lexicon), "--into", str(taxonomy)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert load_taxonomy(taxonomy).categories[4].keywords == {"噪音": 3.0}
