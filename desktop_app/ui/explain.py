"""Plain-language wording for verdicts, scopes, sources and consent states (no rule ids for the owner)."""

from __future__ import annotations

from desktop_app.domain.records import DetectionRecord
from desktop_app.services.wording import trigger_text

LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "nl": "Dutch",
    "hi": "Hindi",
    "ar": "Arabic",
    "id": "Indonesian",
    "tr": "Turkish",
    "ru": "Russian",
    "pl": "Polish",
    "sw": "Swahili",
}
SOURCES = {
    "keyword": "sent a stop word",
    "phrase": "asked in a sentence",
    "button": "tapped a button",
    "meta_preference": "used WhatsApp's own Stop option",
    "send_error_131050": "WhatsApp refused a message",
    "twilio_error_21610": "Twilio refused a message",
    "manual": "changed by you",
    "import": "imported",
    "reversal": "a decision reversed",
    "number_change": "carried over from an old number",
    "preferences_page": "chose on the preferences page",
}
CATEGORY_NAMES = {"all": "All messages", "marketing": "Marketing", "order_updates": "Order updates"}


def category_name(category: str) -> str:
    return CATEGORY_NAMES.get(category, category.replace("_", " ").capitalize())


def scope_words(scope: str | None) -> str:
    if scope in (None, "all"):
        return "every message from the shop"
    if scope == "marketing":
        return "promotions and offers only (order updates can continue)"
    return f"{category_name(scope).lower()} only"


def language_name(code: str | None) -> str:
    if not code:
        return "unknown language"
    base, _, script = code.partition("-")
    name = LANGUAGES.get(base, code)
    return f"{name} (Latin letters)" if script == "Latn" and name != code else name


def source_words(source: str | None) -> str:
    return SOURCES.get(source or "", source or "unknown")


def verdict_headline(detection: DetectionRecord) -> str:
    what = "Opt-in request" if detection.kind.value == "opt_in" else "Opt-out request"
    scope = (
        "everything" if detection.scope in (None, "all") else f"{category_name(detection.scope).lower()} only"
    )
    return f"⚠ {what} · {scope}"


def verdict_sentence(detection: DetectionRecord) -> str:
    """One sentence a person understands; the detector's own explanation when it gave one."""
    if detection.explanation.startswith("They ") and detection.contact_name:
        return f"{detection.contact_name} {detection.explanation[5:]}"
    if detection.explanation:
        return detection.explanation
    name = detection.contact_name or "The customer"
    if detection.kind.value == "opt_in":
        return f"{name} asked to receive messages again."
    if detection.scope == "marketing":
        return f"{name} asked to stop promotional messages. Order updates can continue."
    return f"{name} asked to stop receiving messages from the shop."


def rule_words(detection: DetectionRecord) -> str:
    source = detection.source.value if detection.source is not None else detection.rule.split(":", 1)[0]
    if source == "button":
        return "the customer tapped a Stop button"
    opt_in = detection.kind.value == "opt_in"
    if source == "keyword":
        word = "start word" if opt_in else "stop word"
        return with_article(f"{language_name(detection.language)} {word}")
    if source == "phrase":
        asking = "asking to receive messages again" if opt_in else "asking to stop"
        return with_article(f"{language_name(detection.language)} sentence {asking}")
    return source_words(source)


def with_article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def trigger_words(detection: DetectionRecord) -> str:
    return trigger_text(detection)


def verdict_details(detection: DetectionRecord) -> str:
    return f"“{trigger_words(detection)}” · {rule_words(detection)} · confidence {detection.confidence:.0%}"


def state_symbol(state: str) -> str:
    return {"opted_out": "⊘", "opted_in": "✓"}.get(state, "—")


def state_words(state: str) -> str:
    return {"opted_out": "Opted out", "opted_in": "Opted in"}.get(state, "No choice recorded")
