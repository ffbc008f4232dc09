"""Identifiers typed into free text: each form found, checked and masked to what tells two apart."""

from __future__ import annotations

import pytest

from storage.encryption import redact_identifiers
from storage.identifiers import find_identifiers, luhn, mask_identifiers, valid_id_card

ID_NUMBER = "410105198001011239"
CARD = "6222021234567890128"  # passes the Luhn check


def test_checks():
    assert valid_id_card(ID_NUMBER) and not valid_id_card("410105198001011238")
    assert valid_id_card("11010519491231002X")
    assert luhn(CARD) and not luhn("6222021234567890127")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13912345678", "电话139****5678"),
        ("+86 139-1234-5678", "139****5678"),
        ("86 13912345678", "139****5678"),
        ("００８６１３９１２３４５６７８", "139****5678"),
        ("１３９１２３４５６７８", "139****5678"),
        ("139.1234.5678", "139****5678"),
        ("139，1234，5678", "139****5678"),
        ("139 1234 5678", "139****5678"),
        ("13912345678，13812345678", "139****5678，138****5678"),
        (f"身份证{ID_NUMBER}", "身份证410***********1239"),
        ("身份证11010519491231002x", "身份证110***********002X"),
        (f"卡号{CARD}", "卡号****0128"),
        ("卡号6222 0212 3456 7890 128", "卡号****0128"),
        ("座机0371-65123456", "座机0371-****3456"),
        ("（0371）6512 3456", "0371-****3456"),
        ("010-12345678", "010-****5678"),
    ],
)
def test_every_form_is_masked(text, masked):
    assert mask_identifiers(text) == masked
    assert redact_identifiers(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "订单号123456789012345678",  # 18 digits, no check digit
        "转了1200元",
        "编号ZZ-20220110-0001",
        "1391234567890",  # 13 digits: no mobile inside a longer number
        "6222021234567890127",  # fails the Luhn check
        "体温39.5度，血糖21.3",
    ],
)
def test_what_is_not_an_identifier_stays(text):
    assert mask_identifiers(text) == text


def test_found_in_order_with_kinds_and_values():
    found = find_identifiers(f"卡{CARD}，电话+86 139-1234-5678，证{ID_NUMBER}")
    assert [(i.kind, i.value) for i in found] == [
        ("bank_card", CARD), ("mobile", "13912345678"), ("id_card", ID_NUMBER)
    ]
