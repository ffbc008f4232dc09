"""The staff console's world: yibang's web app with its /staff/ routes, driven through Starlette's test
client (no browser), and console accounts made as `yibang staff add` / `staff password` make them."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from bot.staff_console import Console
from bot.webapp import create_web_app
from handlers.console.accounts import add_account, set_password

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_account(services, username: str, role: str = "handler", *, name: str | None = None,
                 department: str | None = None, password: str = PASSWORD) -> str:
    add_account(services, username, role, name, department)
    set_password(services, username, password)
    return username


class Browser:
    """A staff member's browser without the browser: cookies kept, forms read for their token."""

    def __init__(self, client: TestClient):
        self.client = client
        self.page = ""

    def get(self, path: str, **kwargs):
        answer = self.client.get(path, **kwargs)
        self.page = answer.text
        return answer

    def csrf(self) -> str:
        found = _CSRF.search(self.page)
        assert found, "no form with a token on this page"
        return found.group(1)

    def post(self, path: str, data: dict[str, str] | None = None, *, token: bool = True, **kwargs):
        form = dict(data or {})
        if token:
            form.setdefault("csrf", self.csrf())
        answer = self.client.post(path, data=form, **kwargs)
        self.page = answer.text
        return answer

    def log_in(self, username: str, password: str = PASSWORD):
        self.get("/staff/login")
        return self.post("/staff/login", {"username": username, "password": password, "next": "/staff/"})


@pytest.fixture
def console_app(services):
    return create_web_app(services, Console(services).routes())


@pytest.fixture
def browser(console_app):
    with TestClient(console_app, base_url="http://testserver") as client:
        yield Browser(client)


@pytest.fixture
def another_browser(console_app):
    with TestClient(console_app, base_url="http://testserver") as client:
        yield Browser(client)
