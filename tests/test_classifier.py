"""The classifier: categories, urgency rules, districts, evidence, and its figures on labelled messages."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jieba
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import Classifier, evaluate, get_classifier, read_labelled_csv
from classifier.category import CategoryScorer
from classifier.classifier import taxonomy_key
from classifier.district import haversine_km
from classifier.segmenter import Segmenter
from classifier.urgency import UrgencyDetector
from config import load_taxonomy
from config.settings import DEFAULT_TAXONOMY
from config.taxonomy import Category, CategoryThresholds, Urgency, UrgencyRule

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OWN_CASES = Path(__file__).parent / "data" / "classifier_cases.yaml"


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    # Building one costs about a second (jieba's dictionary): once per test session.
    return get_classifier(load_taxonomy(DEFAULT_TAXONOMY))


# ---------------------------------------------------------------- construction


def test_same_taxonomy_gives_the_same_instance(classifier):
    assert get_classifier(load_taxonomy(DEFAULT_TAXONOMY)) is classifier


def test_the_cache_key_follows_the_classifier_sections_only():
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    renamed = taxonomy.model_copy(update={"platform": "别的平台"})
    stricter = taxonomy.model_copy(
        update={"category_thresholds": taxonomy.category_thresholds.model_copy(update={"min_score": 9.0})}
    )
    assert taxonomy_key(renamed) == taxonomy_key(taxonomy)
    assert taxonomy_key(stricter) != taxonomy_key(taxonomy)


def test_jieba_chatter_goes_to_logging_not_the_console(classifier):
    assert jieba.log_console not in jieba.default_logger.handlers


# ---------------------------------------------------------------- category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("请问管控区的居民可以下楼做核酸吗？", "疫情政策"),
        ("现在坐高铁离开郑州需要什么手续？", "交通出行"),
        ("家里老人的降压药吃完了，附近哪个药店开着？", "寻医买药"),
        ("孩子的网课什么时候结束？学校说要延期开学。", "学生教育"),
        ("封控好几天了，家里没菜了，社区什么时候送菜？", "食品供应"),
        ("健康码莫名其妙变成黄码了，怎么转绿？", "健康码问题"),
        ("我们企业想复工复产，要去哪里申请？", "企业服务"),
        ("建议核酸采样点按楼栋分时段排队，减少聚集。", "防疫建议"),
        ("暖气不热，物业也不管，家里冷得很。", "其他"),
    ],
)
def test_each_category(classifier, text, category):
    result = classifier.classify(text).category
    assert result.name == category
    assert not result.needs_review
    assert result.matched and 0 < result.confidence <= 1


def test_no_evidence_falls_back_to_review(classifier):
    result = classifier.classify("……？？").category
    assert result.name == "其他"
    assert result.needs_review
    assert result.confidence == 0.0


@pytest.fixture(scope="module")
def keyword_segmenter() -> Segmenter:
    """A segmenter that knows the hand-written keywords of the keyword-scoring tests (a keyword-scoring
    classifier teaches jieba its keywords; the default taxonomy's learned lexicon needs no jieba)."""
    return Segmenter({"地铁", "公交", "蔬菜", "狂犬疫苗", "疫苗", "孩子"})


def test_thresholds_send_weak_or_close_calls_to_review(keyword_segmenter):
    classifier = keyword_segmenter
    scorer = CategoryScorer(
        [
            Category(name="出行", keywords={"地铁": 2.0, "公交": 1.0}),
            Category(name="吃", keywords={"蔬菜": 2.0}),
        ]
        + [Category(name="其他")],
        CategoryThresholds(min_score=1.5, min_margin=0.2),
    )
    tie = scorer.score(classifier.segment("地铁 蔬菜"))
    assert (tie.name, tie.needs_review, tie.scores) == ("其他", True, {"出行": 0.5, "吃": 0.5})
    weak = scorer.score(classifier.segment("公交"))
    assert (weak.name, weak.needs_review) == ("其他", True)
    clear = scorer.score(classifier.segment("地铁 公交 蔬菜"))
    assert (clear.name, clear.needs_review, clear.matched) == ("出行", False, {"地铁": 2.0, "公交": 1.0})


def test_where_a_word_counts_as_found(classifier):
    seg = classifier.segment("发生了什么，公交车，芍药，去买药")
    assert seg.find("公交")  # inside one longer token
    assert seg.find("买药")  # whole tokens
    assert not seg.find("生了")  # straddles 发生|了
    assert not seg.find("药")  # one character inside 芍药 or 买药
    assert not classifier.segment("转了1200元").find("120")  # a number inside another
    assert classifier.segment("打120").find("120")


@pytest.mark.parametrize(
    "text",
    [
        "我住在金水区，孩子发烧39.5度！！！小区封控出不去，能去医院吗？",
        "N95口罩\r\n哪里买？  急急急…… 120打不通, call 12345",
        "发生了什么，公交车，芍药，去买药；健康码變黃了",
        "",
    ],
)
def test_cutting_block_by_block_gives_the_tokens_of_a_whole_cut(classifier, text):
    seg = classifier.segment(text)
    whole = list(classifier._segmenter._tokenizer.tokenize(seg.text, HMM=False))
    for _, start, end in whole:
        for pos in range(start, end):
            assert seg.token_at(pos) == (start, end), (text, pos)
    assert classifier.cut(text) == [token for token, _, _ in whole]


def test_the_longer_keyword_wins_an_overlap(keyword_segmenter):
    scorer = CategoryScorer(
        [Category(name="寻医买药", keywords={"狂犬疫苗": 4.0}), Category(name="疫情政策", keywords={"疫苗": 2.0}),
         Category(name="其他")],
        CategoryThresholds(min_score=1.5),
    )
    result = scorer.score(keyword_segmenter.segment("孩子被狗咬了，哪里能打狂犬疫苗？"))
    assert result.name == "寻医买药"
    assert "狂犬疫苗" in result.matched
    assert "疫情政策" not in result.scores


def test_health_code_blocking_a_visit_is_a_health_code_question(classifier):
    text = "去医院复查，门口说我是黄码不让进，怎么转码？"
    assert classifier.classify(text).category.name == "健康码问题"


def test_traditional_characters_are_read(classifier):
    assert classifier.classify("我的健康碼變黃了").category.name == "健康码问题"


# ---------------------------------------------------------------- urgency


@pytest.mark.parametrize(
    ("text", "rule", "number"),
    [
        ("我老婆怀孕39周，刚才见红了，肚子一阵一阵疼", "临产", "120"),
        ("老人摔了一跤，头上的伤口血流不止", "大出血", "120"),
        ("我爸刚才突然晕倒了，现在昏迷不醒", "昏迷", "120"),
        ("孩子哮喘犯了，喘不上气", "呼吸困难", "120"),
        ("楼道里一股很浓的煤气味，可能燃气泄漏了", "燃气泄漏", "119"),
        ("对面楼着火了，烟很大", "火灾", "119"),
        ("我被关在家里一个月了，不想活了", "自伤", "110"),
    ],
)
def test_danger_rules_give_the_emergency_number(classifier, text, rule, number):
    result = classifier.classify(text).urgency
    assert result.urgent and result.level == "紧急"
    assert rule in result.reasons
    assert number in result.danger
    assert result.matched


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("我妈每周要透析三次，明天就该透析了，小区封了出不去", "透析"),
        ("孩子被猫抓伤了，要打狂犬疫苗", "狂犬疫苗"),
        ("胰岛素只剩今晚一针了，药店都关门", "断药"),
        ("孩子发烧39.5度，吃了退烧药也不退", "高烧"),
    ],
)
def test_health_rules_without_danger_are_urgent(classifier, text, rule):
    result = classifier.classify(text).urgency
    assert result.urgent
    assert rule in result.reasons
    assert result.danger == ()


def test_negation_cancels_a_symptom(classifier):
    result = classifier.classify("孩子没有发烧，也没有高烧，就是有点咳嗽，想买点药").urgency
    assert not result.urgent
    assert "高烧" not in result.reasons
    assert "高烧" in classifier.classify("孩子高烧，一直咳嗽").urgency.reasons


def test_negation_does_not_cancel_a_missed_treatment(classifier):
    # 不能透析 is the emergency, not its absence.
    assert "透析" in classifier.classify("小区封了，我爸不能透析了").urgency.reasons


def test_insistence_alone_is_not_urgent(classifier):
    result = classifier.classify("急急急！！！我的快递什么时候能送到？").urgency
    assert not result.urgent
    assert result.level == "一般"
    assert result.reasons == ("连声催促",)


def test_insistence_adds_to_a_weak_reason(classifier):
    weak = "家里老人的降压药快吃完了"
    assert not classifier.classify(weak).urgency.by_rules
    # the rules say urgent; with the learned score disagreeing, staff confirm it (待确认紧急)
    insisting = classifier.classify(weak + "，急急急！！！").urgency
    assert insisting.by_rules and insisting.flagged


def test_a_supporting_rule_never_decides_whatever_its_weight(classifier):
    detector = UrgencyDetector(
        Urgency(rules=[UrgencyRule(name="催", pattern="急{3,}", weight=5.0, supporting=True)])
    )
    assert not detector.detect(classifier.segment("急急急")).urgent


def test_combination_rule_needs_both_words(classifier):
    both = classifier.classify("隔壁独居的老人摔倒了，起不来").urgency
    assert both.urgent and "独居老人生病" in both.reasons
    assert not classifier.classify("隔壁是独居的老人，想问能不能帮他团购").urgency.urgent


def test_a_past_illness_is_not_an_emergency(classifier):
    text = "我父亲前年脑梗以后一直卧床，目前身体稳定，想请人上门做核酸"
    assert not classifier.classify(text).urgency.urgent
    assert classifier.classify("我爸刚才突然中风了，说话不清楚").urgency.urgent


def test_a_word_split_across_tokens_does_not_fire(classifier):
    # 生了 is a labour word; inside 发生了 it is not one.
    assert not classifier.classify("我们小区发生了什么事？为什么封了").urgency.urgent


def test_medicine_for_weeks_is_not_urgent(classifier):
    assert not classifier.classify("降压药还剩半个月的量，附近药店开门吗").urgency.urgent


# ---------------------------------------------------------------- district


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("金水区", "金水区"),
        ("金水", "金水区"),
        ("我在金水", "金水区"),
        ("金水區", "金水区"),
        ("鄭東新區", "郑东新区"),
        ("住在管城", "管城回族区"),
        ("港区", "航空港区"),
        ("我们是巩义的", "巩义市"),
        ("我是上街的", "上街区"),
        ("郑州市中原区", "中原区"),
    ],
)
def test_find_district_by_name_alias_and_traditional(classifier, text, district):
    assert classifier.find_district(text) == district


@pytest.mark.parametrize(
    "text",
    [
        "明天要去新郑机场坐飞机",
        "中原银行的网点还营业吗",
        "我们是一家高新技术企业",
        "封着不能上街买菜",
        "郑州东站还有车吗",
        "",
    ],
)
def test_false_friends_name_no_district(classifier, text):
    assert classifier.find_district(text) is None


def test_two_districts_prefer_where_the_writer_lives(classifier):
    result = classifier.classify("我住在二七区，每天要去金水区上班，路上查得严吗？").district
    assert result.name == "二七区"
    assert result.evidence == "二七区"
    assert classifier.find_district("女儿在郑东新区上学，我家在惠济区") == "惠济区"
    assert classifier.find_district("在二七区上班，家住河南省郑州市中牟县") == "中牟县"
    # no marker either way: the first named
    assert classifier.find_district("金水区和二七区的核酸点哪里人少") == "金水区"


def test_a_place_suggests_a_district_but_a_name_wins(classifier):
    assert classifier.classify("我住在花园路附近，小区封了").district.name == "金水区"
    assert classifier.classify("二七区的，在花园路上班").district.name == "二七区"


def test_district_evidence_is_quoted_as_written(classifier):
    assert classifier.classify("我家在金水區，健康码变黄了").district.evidence == "金水區"


def test_district_by_coordinates(classifier):
    assert classifier.district_at(34.40, 113.74) == "新郑市"
    assert classifier.district_at(34.508, 112.936) == "登封市"  # Shaolin temple
    assert classifier.district_at(39.90, 116.40) is None  # Beijing: out of range
    assert classifier.district_at(math.nan, 113.7) is None
    assert haversine_km((34.75, 113.62), (34.75, 113.62)) == 0.0
    assert 100 < haversine_km((34.75, 113.62), (34.80, 114.93)) < 130  # Zhengzhou - Kaifeng


# ---------------------------------------------------------------- evidence


def test_evidence_is_complete_and_json_ready(classifier):
    result = classifier.classify("我住在金水区，孩子发烧39度，小区封控出不去，能去医院吗？")
    evidence = result.evidence()
    json.dumps(evidence, ensure_ascii=False)
    assert evidence["category"]["name"] == "寻医买药"
    assert "医院" in evidence["category"]["matched"]
    assert evidence["urgency"]["urgent"] and "高烧" in evidence["urgency"]["reasons"]
    assert evidence["urgency"]["matched"]
    assert evidence["district"] == {"name": "金水区", "evidence": "金水区"}


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_classified(classifier, text):
    result = classifier.classify(text)
    assert result.category.name in classifier_categories()
    # one of the three levels, and the flags agree with it
    urgency = result.urgency
    assert urgency.level in ("紧急", "一般", "待确认紧急")
    assert urgency.urgent == (urgency.level == "紧急")
    assert urgency.possible == (urgency.level == "待确认紧急")
    assert result.district.name is None or result.district.evidence


def classifier_categories() -> list[str]:
    return load_taxonomy(DEFAULT_TAXONOMY).category_names


# ---------------------------------------------------------------- evaluation


def test_evaluate_on_a_hand_made_set(classifier):
    rows = [
        # right category, urgent and found; district right
        {
            "text": "我在金水区，怀孕38周见红了",
            "category": "寻医买药",
            "urgency": "紧急",
            "district": "金水区",
        },
        # right category, not urgent; no district label
        {"text": "地铁还开吗", "category": "交通出行", "urgency": "一般", "district": ""},
        # wrong category on purpose; urgent missed
        {"text": "地铁还开吗", "category": "食品供应", "urgency": "紧急", "district": "二七区"},
        # a false alarm: labelled 一般 but detected urgent
        {"text": "孩子被狗咬伤了", "category": "寻医买药", "urgency": "一般", "district": ""},
    ]
    metrics = evaluate(classifier, rows)
    assert metrics["n"] == 4
    assert metrics["category_accuracy"] == 0.75
    assert metrics["per_category"]["寻医买药"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert metrics["per_category"]["交通出行"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": 0.6667,
        "support": 1,
    }
    assert metrics["per_category"]["食品供应"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert metrics["category_macro_f1"] == round((1.0 + 2 / 3 + 0.0) / 3, 4)
    assert metrics["urgent_precision"] == 0.5
    assert metrics["urgent_recall"] == 0.5
    assert metrics["district_accuracy"] == 0.5
    json.dumps(metrics, ensure_ascii=False)


def test_evaluate_accepts_gov_message_rows(classifier):
    rows = [
        {"id": "1", "subject": "小区暖气不热", "detail": "物业不管", "label": "城乡建设"},
        {"id": "2", "subject": "", "detail": "孩子学校的网课太多", "label": "教育文体"},
    ]
    metrics = evaluate(classifier, rows)
    assert metrics["n"] == 2
    assert metrics["category_accuracy"] == 0.0  # the labels are another taxonomy's
    assert metrics["urgent_precision"] is None and metrics["urgent_recall"] is None
    assert metrics["district_accuracy"] is None
    assert set(metrics["per_category"]) == {"城乡建设", "教育文体", "其他", "学生教育"}


def test_macro_f1_counts_the_fallback_as_a_wrong_answer_not_as_a_category(classifier):
    rows = [
        {"text": "地铁还开吗", "category": "交通出行"},
        {"text": "……？？", "category": "交通出行"},  # the classifier says 其他: wrong
        {"text": "家里没菜了，超市也关门了", "category": "食品供应"},
    ]
    metrics = evaluate(classifier, rows)
    assert metrics["needs_review"] == 1
    assert metrics["per_category"]["其他"]["support"] == 0
    assert metrics["category_macro_f1"] == round((2 * 1.0 * 0.5 / 1.5 + 1.0) / 2, 4)


def test_read_labelled_csv_drops_the_byte_order_mark(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("text,category,urgency,district\n地铁还开吗,交通出行,一般,\n", encoding="utf-8-sig")
    assert read_labelled_csv(path) == [
        {"text": "地铁还开吗", "category": "交通出行", "urgency": "一般", "district": ""}
    ]


# ---------------------------------------------------------------- figures on labelled sets


def _assert_targets(metrics: dict) -> None:
    assert metrics["category_accuracy"] >= 0.90, metrics
    assert metrics["urgent_recall"] >= 0.95, metrics
    assert metrics["urgent_precision"] >= 0.70, metrics
    assert metrics["district_accuracy"] >= 0.95, metrics


def test_own_cases_meet_the_targets(classifier):
    cases = yaml.safe_load(OWN_CASES.read_text(encoding="utf-8"))
    assert len(cases) >= 40
    _assert_targets(evaluate(classifier, cases))
    for case in cases:
        if "danger" in case:
            assert list(classifier.classify(case["text"]).urgency.danger) == case["danger"], case["text"]


@pytest.mark.skipif(not (SHARED_DATA / "zhengzhou-dev.csv").exists(), reason="shared data not present")
def test_development_set_meets_the_targets(classifier):
    _assert_targets(evaluate(classifier, read_labelled_csv(SHARED_DATA / "zhengzhou-dev.csv")))
