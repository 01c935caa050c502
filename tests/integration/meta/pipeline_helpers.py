"""Shared builders for the pipeline tests: a real book file, the real detector, fresh fixture copies."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from desktop_app.providers.meta_cloud.signature import sign

APP_SECRET = "test_app_secret_not_real_0000"


def fresh_body(meta_fixtures: Path, name: str, *, seconds_ago: int = 60, **replace: Any) -> bytes:
    """A fixture with its message/status timestamps moved to just now, so the 24-hour window is open."""
    body = json.loads((meta_fixtures / name).read_text(encoding="utf-8"))
    stamp = int(time.time()) - seconds_ago
    for entry in body["entry"]:
        for change in entry["changes"]:
            value = change["value"]
            for key in ("messages", "statuses"):
                for item in value.get(key, []):
                    item["timestamp"] = str(stamp)
                    for field, new in replace.items():
                        item[field] = new
            for item in value.get("user_preferences", []):
                item["timestamp"] = stamp
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def signed(body: bytes) -> tuple[bytes, str]:
    return body, sign(body, APP_SECRET)
