"""Signature check against the fixture signatures computed over the exact file bytes."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app.providers.meta_cloud.signature import sign, verify_signature

SECRET = "test_app_secret_not_real_0000"


def test_every_fixture_signature_matches(meta_fixtures: Path) -> None:
    table = json.loads((meta_fixtures / "signatures.json").read_text(encoding="utf-8"))
    assert table["app_secret_for_tests"] == SECRET
    assert len(table["signatures"]) == 21
    for name, header in table["signatures"].items():
        body = (meta_fixtures / name).read_bytes()
        assert sign(body, SECRET) == header, name
        assert verify_signature(body, header, SECRET), name


def test_reserialised_body_fails(meta_fixtures: Path) -> None:
    table = json.loads((meta_fixtures / "signatures.json").read_text(encoding="utf-8"))
    raw = (meta_fixtures / "text-baja-es.json").read_bytes()
    reserialised = json.dumps(json.loads(raw)).encode()
    assert not verify_signature(reserialised, table["signatures"]["text-baja-es.json"], SECRET)


def test_wrong_secret_missing_or_malformed_header() -> None:
    body = b'{"object":"whatsapp_business_account"}'
    good = sign(body, SECRET)
    assert verify_signature(body, good, SECRET)
    assert not verify_signature(body, good, "another_secret")
    assert not verify_signature(body + b" ", good, SECRET)
    assert not verify_signature(body, None, SECRET)
    assert not verify_signature(body, "", SECRET)
    assert not verify_signature(body, good.removeprefix("sha256="), SECRET)
    assert not verify_signature(body, "sha1=" + good[7:], SECRET)
    assert not verify_signature(body, "sha256=ünicode", SECRET)
    assert not verify_signature(body, good, "")
