"""`yibang department set|list|unset` and `yibang case accept|return`, as an operator runs them."""

from __future__ import annotations

import json

from test_cli import DIALOGUE, env, run  # noqa: F401 (env is the fixture)

HEALTH = "市卫生健康委员会"
KEY = "0f3c9a2e-5b7d-4d1e-9c6a-8e2f1b4d7a90"


def test_contact_points_from_the_command_line_never_print_the_key(env):  # noqa: F811
    made = run(["department", "set", HEALTH, "--wecom-webhook",
                f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}", "--email", "wjw@zz.gov.cn"], env)
    assert made.returncode == 0, made.stderr
    assert KEY not in made.stdout + made.stderr and "key=0f3c…" in made.stdout
    assert "YIBANG_SMTP_URL" in made.stderr, "an address no e-mail can reach yet is said"
    listed = run(["department", "list", "--json"], env)
    assert KEY not in listed.stdout + listed.stderr
    entry = next(e for e in json.loads(listed.stdout) if e["department"] == HEALTH)
    assert entry["contacts"] == {"wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0f3c…",
                                 "email": "wjw@zz.gov.cn"}
    assert run(["department", "unset", HEALTH, "--channel", "email"], env).returncode == 0
    again = run(["department", "unset", HEALTH, "--channel", "email"], env)
    assert again.returncode == 1 and "no email contact point" in again.stderr
    unknown = run(["department", "set", "不存在的局", "--email", "a@b.cn"], env)
    assert unknown.returncode == 2 and "no department" in unknown.stderr

    chat = run(["console", "--user", "alice"], env, DIALOGUE)
    number = chat.stdout.split("已受理，编号 ", 1)[1].split("。", 1)[0]
    assert run(["case", "assign", number, "--department", HEALTH], env).returncode == 0
    accepted = run(["case", "accept", number], env)
    assert accepted.returncode == 0, accepted.stderr
    view = json.loads(run(["case", "show", number, "--json"], env).stdout)
    assert view["status"] == "in_progress" and view["accepted_at"] and view["accept_due"] > view["assigned_at"]
    assert view["timeline"][-1]["kind"] == "accepted" and view["timeline"][-1]["actor"].startswith("cli:")
    returned = run(["case", "return", number, "--reason", "不属于本部门"], env)
    assert returned.returncode == 0, returned.stderr
    view = json.loads(run(["case", "show", number, "--json"], env).stdout)
    assert (view["status"], view["department"], view["returns"], view["accepted_at"]) == ("received", None, 1, None)
