"""How numbers, requests and decisions read to the owner (plain text, no Qt)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from desktop_app.domain.records import DetectionRecord

SHORT_GAP = 4  # characters of filler allowed between two trigger words before they read as one phrase


@lru_cache(maxsize=65_536)
def display_number(contact_key: str) -> str:
    """ "+15550101234" -> "+1 555-010-1234"; user ids are shown as they are."""
    if not contact_key.startswith("+"):
        return contact_key
    try:
        number = phonenumbers.parse(contact_key, None)
    except phonenumbers.NumberParseException:
        return contact_key
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def merge_spans(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Join trigger spans separated only by spaces or one short word ("stop [the] promo messages")."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged:
            gap = text[merged[-1][1] : start]
            if len(gap.strip()) <= SHORT_GAP and not any(mark in gap for mark in ".,;:!?\n"):
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
                continue
        merged.append((start, end))
    return tuple(merged)


def trigger_text(detection: DetectionRecord) -> str:
    """The words that triggered a detection, as the owner should read them."""
    text = detection.message_text or ""
    if not detection.spans:
        return text
    return " … ".join(text[a:b] for a, b in merge_spans(text, detection.spans))


def who(detection: DetectionRecord | None) -> str:
    """The customer behind a request: their name, else their number."""
    if detection is None:
        return "the customer"
    return detection.contact_name or display_number(detection.contact_key)


def what_they_asked(detection: DetectionRecord) -> str:
    if detection.kind.value == "opt_in":
        return "wants messages again"
    if detection.scope == "marketing":
        return "opted out of promotions"
    return "opted out of all messages"
