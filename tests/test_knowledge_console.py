"""The knowledge base in the staff console: every staff member sees the entries and how they are used;
supervisors add, change and delete entries (each change an audit line) and export the live base back to
YAML; the dialogue answers from the changed base at once."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from sqlalchemy import select
from support.console_world import make_account

from config.knowledge import KnowledgeBase, load_knowledge_base
from config.settings import DEFAULT_KNOWLEDGE_BASE
from handlers.cases.actions import HANDLER, SUPERVISOR
from storage.models import KnowledgeChange

FOLLOW_UP = "这解答了您的问题吗？"


@pytest.fixture
def services(services):
    return dataclasses.replace(services, knowledge=load_knowledge_base(DEFAULT_KNOWLEDGE_BASE))


def audit(services) -> list[tuple[str, str, str]]:
    with services.db.reading() as session:
        return [(c.actor, c.action, c.entry) for c in session.scalars(select(KnowledgeChange).order_by(KnowledgeChange.id))]


def test_a_supervisor_adds_an_entry_that_the_dialogue_answers_at_once(services, browser, citizen):
    make_account(services, "wang", SUPERVISOR, name="王主任")
    browser.log_in("wang")
    question = "方舱医院在哪里？"
    assert FOLLOW_UP not in citizen.says(question)
    citizen.says("取消")

    browser.get("/staff/knowledge/new")
    saved = browser.post("/staff/knowledge/new", {
        "id": "fangcang-hospital", "questions": "方舱医院在哪里\n方舱在哪", "answer": "本市方舱医院设在……（测试答复）",
        "source": "市指挥部", "updated": "2022-01-15"})
    assert saved.status_code == 200 and "已保存：fangcang-hospital" in saved.text
    assert "王主任（web:wang）新增「fangcang-hospital」" in saved.text

    answer = citizen.says(question)
    assert "本市方舱医院设在" in answer and "来源：市指挥部；更新：2022-01-15" in answer and FOLLOW_UP in answer
    assert audit(services) == [("web:wang", "added", "fangcang-hospital")]


def test_changing_and_deleting_an_entry_are_audited_and_take_effect(services, browser, citizen):
    make_account(services, "wang", SUPERVISOR, name="王主任")
    browser.log_in("wang")
    page = browser.get("/staff/knowledge/entries/health-code-red")
    assert page.status_code == 200 and "健康码变红码怎么办" in page.text
    changed = browser.post("/staff/knowledge/entries/health-code-red", {
        "questions": "健康码变红码怎么办\n红码多久能转绿", "answer": "红码请联系社区（已更新的测试答复）。",
        "source": "", "updated": ""})
    assert "已保存" in changed.text and "修改「health-code-red」" in changed.text
    assert "已更新的测试答复" in citizen.says("红码多久能转绿？")
    citizen.says("1")

    deleted = browser.post("/staff/knowledge/entries/health-code-red/delete")
    assert "已删除：health-code-red" in deleted.text
    assert "已更新的测试答复" not in citizen.says("红码多久能转绿？")
    assert [action for _, action, _ in audit(services)] == ["edited", "deleted"]
    assert browser.get("/staff/knowledge/entries/health-code-red").status_code == 404


def test_a_malformed_entry_is_refused_with_the_reason_and_nothing_changes(services, browser):
    make_account(services, "wang", SUPERVISOR)
    browser.log_in("wang")
    browser.get("/staff/knowledge/new")
    refused = browser.post("/staff/knowledge/new", {"id": "Bad Id", "questions": "", "answer": "", "source": "",
                                                    "updated": "not a date"})
    assert refused.status_code == 400 and "未保存：" in refused.text and "is not an id" in refused.text
    browser.get("/staff/knowledge/new")
    taken = browser.post("/staff/knowledge/new", {"id": "health-code-red", "questions": "红码", "answer": "x"})
    assert taken.status_code == 400 and "is in use" in taken.text
    assert audit(services) == []


def test_export_gives_back_a_file_that_loads_with_the_changes(services, browser, tmp_path):
    make_account(services, "wang", SUPERVISOR)
    browser.log_in("wang")
    browser.get("/staff/knowledge/entries/fever-clinic")
    browser.post("/staff/knowledge/entries/fever-clinic/delete")
    exported = browser.get("/staff/knowledge/export.yaml")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    path = tmp_path / "exported.yaml"
    path.write_text(exported.text, encoding="utf-8")
    base = load_knowledge_base(path)
    assert isinstance(base, KnowledgeBase) and base.entry("fever-clinic") is None
    assert len(base.entries) == len(services.knowledge.entries) - 1
    assert base.synonyms == services.knowledge.synonyms
    assert yaml.safe_load(exported.text)["entries"][0]["id"] == services.knowledge.entries[0].id


def test_a_handler_sees_the_base_and_its_use_but_cannot_change_it(services, browser, citizen):
    citizen.says("红码多久能转绿？")
    citizen.says("1")
    citizen.says("郑州明天天气咋样？")
    make_account(services, "li", HANDLER, name="李")
    browser.log_in("li")
    page = browser.get("/staff/knowledge")
    assert "答复 1 次，已解决 1，转登记 0" in page.text
    assert "郑州明天天气咋样？（1 条" in page.text
    assert "新增条目" not in page.text and "导出 YAML" not in page.text
    assert "删除此条目" not in browser.get("/staff/knowledge/entries/health-code-red").text
    csrf = browser.csrf()
    refused = browser.client.post("/staff/knowledge/entries/health-code-red/delete", data={"csrf": csrf})
    assert refused.status_code == 403 and "只有主管可以修改知识库" in refused.text
    assert browser.get("/staff/knowledge/export.yaml").status_code == 403
    assert audit(services) == []


def test_the_pages_need_a_login(browser):
    assert browser.get("/staff/knowledge").url.path == "/staff/login"
