"""The tests' support, as plugins: the world every test stands on, and each platform's world."""

pytest_plugins = ["support.world", "support.telegram_world", "support.wechat_world", "support.console_world",
                  "support.console_browser"]
