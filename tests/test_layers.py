"""The house rules, checked on the source: imports point one way, channels stay thin, and nothing waits
on the network inside a database transaction."""

from __future__ import annotations

import ast
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest
from support.world import NetworkInTransaction

from handlers.delivery.access_tokens import refresh_token
from storage.database import in_transaction

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "classifier", "storage", "config")
# The platforms' and the web's libraries: only bot/ speaks to them.
PLATFORM_LIBRARIES = ("telegram", "wechatpy", "starlette", "uvicorn", "typer", "apscheduler", "matplotlib",
                      "openpyxl")
CHANNELS = ("bot/telegram", "bot/wechat", "bot/wecom", "bot/open311", "bot/console.py", "bot/staff_console")


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else [ROOT / package]


def imports(path: Path) -> set[str]:
    """Every module an import statement in the file names, at any depth (lazy and TYPE_CHECKING ones too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in sorted(imports(path))
        if any(name == top or name.startswith(f"{top}.") for top in forbidden)
    ]


def all_of(*packages: str) -> list[Path]:
    return [path for package in packages for path in modules(package)]


def test_config_imports_nothing_of_ours_but_itself():
    assert offending(all_of("config"), ("bot", "handlers", "classifier", "storage")) == []


def test_classifier_and_storage_know_nothing_above_them():
    assert offending(all_of("classifier"), ("bot", "handlers", "storage")) == []
    assert offending(all_of("storage"), ("bot", "handlers", "classifier")) == []


def test_handlers_never_import_bot_nor_a_platform_library():
    assert offending(all_of("handlers"), ("bot", *PLATFORM_LIBRARIES)) == []


def test_bot_never_imports_storage():
    """Channels parse, call one handler, render and send; what needs the database is a handler."""
    assert offending(all_of("bot"), ("storage",)) == []


def test_no_channel_imports_another():
    for channel in CHANNELS:
        others = tuple(other.removesuffix(".py").replace("/", ".") for other in CHANNELS if other != channel)
        assert offending(modules(channel), others) == [], channel


def test_nothing_in_bot_opens_a_transaction():
    opened = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in all_of("bot")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in ("transaction", "reading")
    ]
    assert opened == []


# ---------------------------------------------------------------- no network inside a transaction


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    server = HTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_a_network_call_inside_a_transaction_fails_the_test(services, loopback_server, no_network_in_transactions):
    assert httpx.get(loopback_server).status_code == 200  # outside: allowed
    with pytest.raises(NetworkInTransaction), services.db.transaction():
        httpx.get(loopback_server)
    with pytest.raises(NetworkInTransaction), services.db.reading():
        socket.create_connection(("127.0.0.1", int(loopback_server.rsplit(":", 1)[1].strip("/"))))
    assert len(no_network_in_transactions) == 2
    no_network_in_transactions.clear()  # seen; the guard would otherwise fail this test at its end
    assert not in_transaction()


def test_the_access_token_is_fetched_outside_any_transaction(services, loopback_server):
    fetched_inside: list[bool] = []

    def fetch() -> tuple[str, int]:
        fetched_inside.append(in_transaction())
        httpx.get(loopback_server)  # as the real fetch does: the guard would catch it inside one
        return "TOKEN-1", 7200

    assert refresh_token(services, "wx_access_token", fetch) == "TOKEN-1"
    assert fetched_inside == [False]


# ---------------------------------------------------------------- words people read


HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_every_sentence_people_read_comes_from_the_taxonomy():
    """No Chinese in the code's strings (docstrings aside): a city changes its words in the taxonomy file."""
    hard_coded = []
    for path in all_of("bot", "handlers"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        hard_coded += [
            f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and HAN.search(node.value)
        ]
    assert hard_coded == []
