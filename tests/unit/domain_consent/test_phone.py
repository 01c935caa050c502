"""Phone normalisation: every spelling to one E.164 key; impossible numbers refused, clearly."""

from __future__ import annotations

import pytest

from desktop_app.domain.model import ContactKind, ContactRef
from desktop_app.domain.phone import PhoneNumberError, is_e164, normalize_phone, normalize_ref


@pytest.mark.parametrize(
    ("raw", "region", "authoritative"),
    [
        ("15550101234", "US", True),  # WhatsApp wa_id
        ("+1 (555) 010-1234", "US", False),
        ("whatsapp:+15550101234", "US", True),  # Twilio address
        ("555.010.1234", "US", False),  # local, default region
        ("0015550101234", "GB", False),  # 00 international prefix
    ],
)
def test_spellings_of_one_number(raw: str, region: str, authoritative: bool) -> None:
    assert normalize_phone(raw, region, authoritative=authoritative).key == "+15550101234"


def test_uk_number_from_00_prefix_and_local_form() -> None:
    assert normalize_phone("0044 20 7946 0958", "US").key == "+442079460958"
    assert normalize_phone("020 7946 0958", "GB").key == "+442079460958"


def test_meta_test_numbers_are_accepted_silently_when_authoritative_with_warning_when_typed() -> None:
    delivered = normalize_phone("15550101234", "US", authoritative=True)
    typed = normalize_phone("+1 555 010 1234", "US", authoritative=False)
    assert delivered.warning is None
    assert typed.key == delivered.key and "not a valid number" in (typed.warning or "")
    assert normalize_phone("+44 20 7946 0958", "US").warning is None  # a valid London number


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("hello", "not a phone number"),
        ("555-abc-1234", "contains letters"),  # not 555-222-1234 off a telephone keypad
        ("+1 800 FLOWERS", "contains letters"),
        ("+1 555", "not a possible"),
        ("+999 1234567", "country"),
    ],
)
def test_refusals_say_why(raw: str, message: str) -> None:
    with pytest.raises(PhoneNumberError, match=message):
        normalize_phone(raw, "US")


def test_local_number_without_region_is_refused() -> None:
    with pytest.raises(PhoneNumberError, match="no default region"):
        normalize_phone("555 010 1234", None)


def test_user_ids_are_kept_and_e164_check() -> None:
    ref = normalize_ref(ContactRef(" US.99887766 ", kind=ContactKind.USER_ID), "US")
    assert (ref.key, ref.kind) == ("US.99887766", ContactKind.USER_ID)
    with pytest.raises(PhoneNumberError):
        normalize_ref(ContactRef("  ", kind=ContactKind.USER_ID), "US")
    assert is_e164("+15550101234") and not is_e164("15550101234") and not is_e164("+1555x")
