"""One plain sentence per verdict, written for a shop owner rather than an engineer."""

from __future__ import annotations

from desktop_app.domain.model import MARKETING, VerdictKind

_OPT_OUT_MARKETING = "They asked to stop promotional messages. Order updates can continue."
_OPT_OUT_ALL = "They asked to stop all messages from the shop."
_BY_FAMILY = {
    "too_many_messages": "They complained about the messages; treat it as a request to stop, or review it.",
    "no_consent": "They say they never agreed to hear from the shop; that withdraws consent.",
    "rejects_messages": "They said they don't want these messages; treat it as a request to stop.",
    "repeated_request": "They repeated an earlier request to stop the messages.",
    "threatens_block": "They threatened to block the shop over the messages; treat it as a request to stop.",
    "only_some": "They asked for only some messages (order updates): stop the promotions; please check.",
    "asks_how_to_leave": "They asked how to stop these messages; treat it as a request to stop or review.",
    "complaint": "This reads like a complaint about our messages; please check.",
    "pause": "They asked to pause the messages for a while; that withdraws consent until they opt in.",
    "former_customer": "They say they are no longer a customer, so likely want no messages; please check.",
    "not_interested": "They said they are not interested; please check whether they want the messages.",
    "withdraw_consent": "They withdrew their consent to the shop's messages.",
}


def explain(
    kind: VerdictKind, scope: str | None, family: str, keyword: str | None = None, question: bool = False
) -> str:
    """The sentence shown next to a detection, e.g. 'They replied STOP: stop all messages.'"""
    if kind is VerdictKind.NONE:
        return "No request to stop or start messages was found."
    marketing = scope == MARKETING
    if kind is VerdictKind.OPT_IN:
        if family == "rejoin":
            return "They want to come back after an earlier request to stop; please check."
        if family == "correction":
            return "They say their earlier request to stop was a mistake and want the messages; please check."
        what = "promotional messages" if marketing else "messages"
        if family == "button":
            return f'They tapped "{keyword}": send them {what} again.'
        if keyword:
            return f"They replied {_shout(keyword)}: they want {what} again."
        return f"They asked to receive {what} again."
    if family == "button":
        return f'They tapped "{keyword}": stop promotional messages. Order updates can continue.'
    if keyword and family == "leading":
        shouted = _shout(keyword)
        return f"They wrote {shouted}, then words the rules can't read: likely stop everything; please check."
    if keyword:
        what = "stop promotional messages" if marketing else "stop all messages"
        prefix = "They asked" if question else "They replied"
        return f"{prefix} {_shout(keyword)}{'?' if question else ''}: {what}."
    if family in _BY_FAMILY:
        return _BY_FAMILY[family]
    sentence = _OPT_OUT_MARKETING if marketing else _OPT_OUT_ALL
    return sentence if not question else sentence.replace("They asked", "They asked (as a question)")


def _shout(keyword: str) -> str:
    """STOP for a single word, "keine Nachrichten mehr" (quoted) for a phrase."""
    return keyword.upper() if " " not in keyword else f'"{keyword}"'
