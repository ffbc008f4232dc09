"""Which channels a deployment runs, from its settings; a wrong EncodingAESKey stops start-up by name."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import SecretStr

from bot.application import configured_channels
from config import ConfigError, load_settings
from handlers.services import Services


def with_settings(services: Services, **update: object) -> Services:
    return dataclasses.replace(services, settings=services.settings.model_copy(update=update))


def test_wechat_and_the_wecom_robot_run_when_configured(services):
    assert configured_channels(services) == []
    configured = with_settings(
        services,
        wechat_token=SecretStr("token"),
        wechat_app_id="wx0123456789abcdef",
        wecom_webhook_url=SecretStr("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
    )
    channels = configured_channels(configured)
    assert [(c.name, c.citizen_facing, [r.path for r in c.routes()]) for c in channels] == [
        ("wechat", True, ["/wechat"]),
        ("wecom", False, []),
    ]
    assert [sender.channel for channel in channels for sender in channel.senders()] == [
        "wechat", "wechat-files", "wecom"]


def test_an_encoding_aes_key_of_the_wrong_length_is_named(monkeypatch):
    monkeypatch.setenv("YIBANG_WECHAT_AES_KEY", "too-short")
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None)
    assert "YIBANG_WECHAT_AES_KEY" in str(err.value) and "43" in str(err.value)
