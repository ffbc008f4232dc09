"""What the tests stand on, loaded through `pytest_plugins` in tests/conftest.py:

- `world`: the database (SQLite, and PostgreSQL when YIBANG_TEST_DATABASE_URL is set), the services on a
  frozen clock, and the guard that fails any test making a network call inside a transaction;
- `citizens`: one citizen helper, whatever the channel: the form's usual answers, filing a case by
  reading each answer, and the case number read from "已受理，编号 …";
- `telegram_world` and `wechat_world`: each platform's world (the `telegram` and `wechat` fixtures):
  yibang's real web app and channel on an event loop in a thread of its own, a stand-in for the
  platform's API (`telegram_stand_in`, `wechat_stand_in`), and citizens and staff as the platform's
  clients are;
- `console_world`: the staff console's web app through Starlette's test client (`browser`), and console
  accounts made as `yibang staff add` and `staff password` make them;
- `serving`: an ASGI app served by uvicorn on a free loopback port;
- `scheduler_process`: `yibang scheduler` as a process whose senders record each delivery.
"""
