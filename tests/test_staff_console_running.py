"""`yibang run` serves the staff console once someone can log in to it, beside Telegram's polling."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
from support.telegram_stand_in import TOKEN

YIBANG = [sys.executable, "-m", "bot"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_yibang_run_serves_the_console_when_an_account_exists(tmp_path, bot_api):
    bot_api.reset()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIBANG_")}
    env.update(YIBANG_DATA_DIR=str(tmp_path / "data"), YIBANG_TELEGRAM_TOKEN=TOKEN,
               YIBANG_TELEGRAM_API_URL=bot_api.url, YIBANG_PORT=str(port), YIBANG_SECRET_KEY="run-test-" + "k" * 32)
    for args, stdin in ((["staff", "add", "web:wang", "--role", "supervisor"], ""),
                        (["staff", "password", "web:wang"], "correct horse battery\n")):
        assert subprocess.run(YIBANG + args, env=env, input=stdin, capture_output=True, text=True,
                              timeout=120).returncode == 0
    process = subprocess.Popen(YIBANG + ["run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        page = None
        deadline = time.monotonic() + 90
        while page is None and time.monotonic() < deadline and process.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/staff/login", timeout=5)
            except httpx.TransportError:
                time.sleep(0.5)
        assert page is not None and page.status_code == 200 and "用户名" in page.text
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    # uvicorn shuts down cleanly, then ends with the signal it was sent (as any `yibang serve` does)
    assert process.returncode in (0, -signal.SIGTERM), stderr
    assert "Traceback" not in stderr and "Application shutdown complete" in stderr
