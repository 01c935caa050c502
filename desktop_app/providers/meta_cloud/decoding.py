"""Webhook bytes -> JSON values that can always be stored: over-deep parts set aside, broken text repaired."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_DEPTH = 64  # Meta's envelopes nest about 10 deep; json and our own code recurse per level
REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates (pairs are joined by json)
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_CLOSER = {"[": "]", "{": "}"}
_MAX_INT_DIGITS = 4000  # below Python's int-from-text limit (4300)


class NotJsonError(ValueError):
    """The bytes are not JSON at all."""


@dataclass(frozen=True, slots=True)
class DecodedBody:
    value: Any
    set_aside: list[str] = field(default_factory=list)  # JSON text of substructures nested too deep
    text: str = ""  # the whole body as storable text
    repaired: int = 0  # characters replaced by U+FFFD: lone surrogates, NUL, bytes that are not UTF-8


def decode_body(body: bytes, max_depth: int = MAX_DEPTH) -> DecodedBody:
    """Parse JSON bytes without ever recursing past max_depth; every string comes back storable."""
    text, bad_bytes = _as_text(body)
    cut_text, set_aside = cut_deep(text, max_depth)
    try:
        value = json.loads(cut_text, parse_int=_int_or_digits, parse_constant=str, strict=False)
    except RecursionError as exc:  # only when the brackets do not pair up, so it was never JSON
        raise NotJsonError("brackets do not pair up") from exc
    except ValueError as exc:
        raise NotJsonError(str(exc)) from exc
    cleaner = Cleaner(max_depth)
    cleaned = cleaner.value(value)
    parts = [cleaner.text(part) for part in set_aside]
    return DecodedBody(cleaned, parts, clean_text(text), cleaner.replaced + bad_bytes)


class Cleaner:
    """Replaces NUL and lone surrogates by U+FFFD in every string and key, and cuts at max_depth."""

    def __init__(self, max_depth: int = MAX_DEPTH) -> None:
        self.max_depth = max_depth
        self.replaced = 0

    def text(self, text: str) -> str:
        repaired, count = _UNSTORABLE.subn(REPLACEMENT, text)
        self.replaced += count
        return repaired

    def value(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list | dict) and depth >= self.max_depth:
            return _marker(self.max_depth)
        if isinstance(value, list):
            return [self.value(item, depth + 1) for item in value]
        if isinstance(value, dict):
            return {self.text(str(key)): self.value(item, depth + 1) for key, item in value.items()}
        return value


def clean(value: Any, max_depth: int = MAX_DEPTH) -> Any:
    """The same JSON value with NUL and lone surrogates replaced by U+FFFD, cut at max_depth."""
    return Cleaner(max_depth).value(value)


def clean_text(text: str) -> str:
    return _UNSTORABLE.sub(REPLACEMENT, text)


def cut_deep(text: str, max_depth: int) -> tuple[str, list[str]]:
    """Replace every array/object that starts deeper than max_depth by a marker string.

    Returns the new text and the texts that were cut out. Strings are skipped whole, so brackets
    inside them never count. When brackets do not pair up the text is returned unchanged (json then
    reports the error itself).
    """
    if text.count("[") + text.count("{") <= max_depth:
        return text, []
    stack: list[str] = []
    pieces: list[str] = []
    set_aside: list[str] = []
    copied_up_to = 0
    cut_from = -1
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token in _CLOSER:
            stack.append(token)
            if len(stack) == max_depth + 1:
                cut_from = match.start()
            continue
        if not stack or _CLOSER[stack.pop()] != token:
            return text, []
        if len(stack) == max_depth and cut_from >= 0:
            fragment = text[cut_from : match.end()]
            pieces.extend((text[copied_up_to:cut_from], json.dumps(_marker(max_depth, len(fragment)))))
            set_aside.append(fragment)
            copied_up_to, cut_from = match.end(), -1
    if not set_aside:
        return text, []
    pieces.append(text[copied_up_to:])
    return "".join(pieces), set_aside


def _marker(max_depth: int, size: int | None = None) -> str:
    what = f", {size} characters" if size is not None else ""
    return f"[set aside: nested deeper than {max_depth} levels{what}]"


def _as_text(body: bytes) -> tuple[str, int]:
    """UTF-8 (or the UTF-16/32 JSON allows) with undecodable bytes replaced; and how many were."""
    encoding = json.detect_encoding(body)
    try:
        text, bad_bytes = body.decode(encoding), 0
    except UnicodeDecodeError:
        strict_length = len(body.decode(encoding, errors="ignore"))
        text = body.decode(encoding, errors="replace")
        bad_bytes = max(len(text) - strict_length, 1)
    return text.removeprefix("\ufeff"), bad_bytes


def _int_or_digits(digits: str) -> int | str:
    """Integers beyond Python's conversion limit stay text instead of failing the whole body."""
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else digits
