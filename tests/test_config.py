"""Settings and taxonomy: a broken file or variable stops start-up with its name, never a traceback."""

from pathlib import Path

import pytest
import yaml

from config import ConfigError, load_settings, load_taxonomy
from config.settings import DEFAULT_TAXONOMY


def test_default_taxonomy_has_the_seed_categories_and_all_districts():
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    assert taxonomy.category_names == [
        "疫情政策", "交通出行", "寻医买药", "学生教育", "食品供应", "健康码问题", "企业服务", "防疫建议", "其他",
    ]
    assert set(taxonomy.district_names) == {
        "金水区", "二七区", "中原区", "管城回族区", "惠济区", "上街区", "航空港区", "郑东新区", "经开区",
        "高新区", "中牟县", "巩义市", "荥阳市", "新密市", "新郑市", "登封市",
    }
    assert taxonomy.promise["紧急"].resolve.total_seconds() == 3 * 3600
    assert taxonomy.promise["一般"].resolve.total_seconds() == 7 * 3600


def _broken(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_missing_text_names_the_file_and_key(tmp_path):
    path = _broken(tmp_path, lambda raw: raw["texts"].pop("ask_phone"))
    with pytest.raises(ConfigError) as err:
        load_taxonomy(path)
    assert str(path) in str(err.value)
    assert "texts.ask_phone" in str(err.value)


def test_bad_duration_names_the_category_and_key(tmp_path):
    path = _broken(tmp_path, lambda raw: raw["promise"]["紧急"].update(resolve="soon"))
    with pytest.raises(ConfigError) as err:
        load_taxonomy(path)
    assert "promise.紧急.resolve" in str(err.value)
    assert "soon" in str(err.value)


def test_department_with_unknown_category_is_refused(tmp_path):
    path = _broken(tmp_path, lambda raw: raw["departments"].append({"name": "X", "categories": ["不存在"]}))
    with pytest.raises(ConfigError) as err:
        load_taxonomy(path)
    assert "不存在" in str(err.value)


def test_not_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_taxonomy(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_bad_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("YIBANG_PORT", "eighty")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "YIBANG_PORT" in str(err.value)


def test_short_secret_key_is_refused(monkeypatch):
    monkeypatch.setenv("YIBANG_SECRET_KEY", "too-short")
    with pytest.raises(ConfigError, match="YIBANG_SECRET_KEY"):
        load_settings()
