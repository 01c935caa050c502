"""Keyword and phrase data per language, loaded once from `resources/lexicon/*.json`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from desktop_app.domain.detection.languages import LanguageFacts, Languages
from desktop_app.domain.detection.normalize import tokenize

OPT_OUT = "opt_out"
OPT_IN = "opt_in"
KEYWORD_LISTS = (OPT_OUT, OPT_IN)
FAMILY = "stop_family"

# Word classes the sentence rules combine; each language file fills the ones it needs.
CONCEPTS: frozenset[str] = frozenset(
    {
        "filler",  # politeness and address words allowed around a bare keyword
        "weak_opt_out",  # bare words that are opt-outs but too ambiguous to apply unattended
        "stop_verb",
        "send_verb",  # needs a message noun or "me" to mean messages
        "message_verb",  # implies messages by itself ("texting", "escribirme")
        "receive_verb",
        "want_verb",
        "negation",  # placed before the verb
        "negation_after",  # placed after the verb (Hindi "mat", "nahi")
        "neg_send",  # verb with the negation built in (Turkish "atmayın")
        "neg_want",
        "more",  # "any more", "anymore", "más", "lagi"
        "again",
        "resume_verb",
        "start_verb",
        "subscribe_verb",
        "unsubscribe_verb",
        "remove_verb",
        "remove_self",  # remove verb fused with "me" ("take me off", "sáquenme")
        "add_verb",
        "add_back",  # "add me back", "opt me back in"
        "self",  # me, mich, mij
        "self_number",  # my number, my contact
        "consent_noun",  # consent, Einwilligung, toestemming, zgoda: what a legal withdrawal names
        "withdraw_verb",  # withdraw, revoke, widerrufe, trek ... in, wycofuję (with consent_noun, any order)
        "list_noun",
        "message_noun",
        "marketing_noun",
        "service_noun",  # order, booking, membership: cancelling these is not an opt-out
        "all_marker",  # "all", "everything", "including reminders": scope stays "all"
        "vague_object",  # "stuff", "this", "anything"
        "question_mechanics",  # "how do I", "if I reply": asks how opting out works
        "too_many",
        "enough",
        "why",
        "frequency",  # "every day" (needs annoyance too)
        "constant",  # "constantly", "ständig" (a complaint by itself)
        "annoyance",
        "angry",  # angry emoji and words
        "laugh",
        "denial",  # "wrong number", "never signed up", "this is spam"
        "who_gave",  # "who gave you" (+ my number)
        "block",
        "not_interested",
        "reject",  # "useless", "no longer relevant"
        "channel_move",  # "by email instead"
        "yes",
        "positive",  # "love", "keep them coming": wants the messages
        "insist",  # "I said", "how many times": repeating an earlier stop request
        "past_negation",  # "didn't", "haven't": a complaint about a missing message, not about too many
        "past_marker",  # "habe ... bekommen": reports a message that did not arrive
        "specific",  # "the message", "esa oferta": one particular message, not a category of messages
        "contrast",  # "but": what follows is a separate request ("...but keep my order updates")
        "trap",  # idioms and places whose words must not trigger ("bus stop", "stop by")
        "stop_family",  # every form of a stop-family word ("aufhören", "Abmeldung", "désinscription")
        "aside",  # words that add no meaning around a bare keyword ("I already asked", "for the 3rd time")
        "mistake",  # "by mistake", "aus Versehen": the customer corrects an earlier message
        "keep_on",  # "keep me on", "sigan enviando": wants the messages to continue
        "other_channel",  # "emails", "Instagram": a channel or service other than these WhatsApp messages
        "only",  # "only", "solo", "nur": a scope limit phrased positively ("only order updates")
        "past_request",  # "unsubscribed", "abgemeldet": reports an earlier request rather than making one
        "refusal_after",  # "promo jangan", "promoção não", "offers nahi": a refusal after the thing refused
        "some_number",  # "the number", "ce numéro", "it": a number that may not be the writer's (review)
        "come_back",  # "I want to come back", "wieder rein", "quero voltar": a rejoin, with a stop context
        "hypothetical",  # "if I ever", "si algún día", "wenn ich mal": a request imagined, not made
        "until",  # "until January", "hasta enero", "bis Januar": a pause, not a request forever (review)
        "polite_ask",  # "can you", "pouvez-vous", "mnaweza": a question that asks for something
        "update_noun",  # receipts, reminders, order status: the messages a scope limit keeps
        "moved_on",  # "I switched to another gym", "ya no voy": a former customer (review)
        "late_hour",  # "at midnight", "23h", "usiku": with messages, a complaint about their timing (review)
    }
)


def _clean_list(values: object, where: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{where}: expected a list of strings")
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


@dataclass(frozen=True)
class Lexicon:
    """Per-language word lists (`entries[lang][list_name]`) and the platform's button labels."""

    entries: Mapping[str, Mapping[str, tuple[str, ...]]]
    buttons: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    facts: Mapping[str, LanguageFacts] = field(default_factory=dict)  # each file's `facts`

    @classmethod
    def from_files(cls, folder: Path) -> Lexicon:
        entries: dict[str, dict[str, tuple[str, ...]]] = {}
        buttons: dict[str, dict[str, tuple[str, ...]]] = {}
        facts: dict[str, LanguageFacts] = {}
        files = sorted(folder.glob("*.json"))
        if not files:
            raise FileNotFoundError(f"no lexicon files in {folder}")
        for path in files:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ValueError(f"lexicon file {path.name} cannot be read: {exc}") from exc
            if "buttons" in data:
                for action, groups in data["buttons"].items():
                    buttons[action] = {
                        name: _clean_list(values, f"{path.name}: buttons.{action}.{name}")
                        for name, values in groups.items()
                    }
                continue
            code = data.get("language") or "*"
            entries[code] = cls._parse_language(data, path.name)
            if code != "*":
                facts[code] = LanguageFacts.parse(code, data.get("facts"), path.name)
        return cls(_freeze(entries), _freeze(buttons), MappingProxyType(facts))

    @staticmethod
    def _parse_language(data: dict[str, object], name: str) -> dict[str, tuple[str, ...]]:
        lists: dict[str, tuple[str, ...]] = {}
        for key in KEYWORD_LISTS:
            lists[key] = _clean_list(data.get(key, []), f"{name}: {key}")
        concepts = data.get("concepts", {})
        if not isinstance(concepts, dict):
            raise ValueError(f"{name}: 'concepts' must be an object")
        for concept, values in concepts.items():
            if concept not in CONCEPTS:
                raise ValueError(f"{name}: unknown word class {concept!r}")
            lists[concept] = _clean_list(values, f"{name}: {concept}")
        return lists

    @classmethod
    def load_default(cls) -> Lexicon:
        """The lexicon shipped in `resources/lexicon/` (the only I/O the detector ever does)."""
        from desktop_app.domain.resources import resource_path

        return cls.from_files(resource_path("lexicon"))

    def with_overrides(
        self,
        additions: Mapping[str, Mapping[str, list[str]]] | None = None,
        removals: Mapping[str, Mapping[str, list[str]]] | None = None,
    ) -> Lexicon:
        """A new lexicon with the owner's extra keywords added and unwanted ones removed."""
        entries = {lang: dict(lists) for lang, lists in self.entries.items()}
        for lang, lists in (additions or {}).items():
            target = entries.setdefault(lang, {key: () for key in KEYWORD_LISTS})
            for key, words in lists.items():
                self._check_key(key)
                target[key] = tuple(dict.fromkeys([*target.get(key, ()), *_clean_list(list(words), key)]))
        for lang, lists in (removals or {}).items():
            if lang not in entries:
                continue
            for key, words in lists.items():
                self._check_key(key)
                unwanted = {_folded(w) for w in words}
                entries[lang][key] = tuple(
                    w for w in entries[lang].get(key, ()) if _folded(w) not in unwanted
                )
                if key == OPT_OUT:
                    # A removed keyword stops counting in every form too ("alto", "cancel*").
                    entries[lang][FAMILY] = tuple(
                        w for w in entries[lang].get(FAMILY, ()) if not _family_covers(w, unwanted)
                    )
        return Lexicon(_freeze(entries), self.buttons, self.facts)

    @staticmethod
    def _check_key(key: str) -> None:
        if key not in KEYWORD_LISTS:
            raise ValueError(f"keyword list must be 'opt_out' or 'opt_in', not {key!r}")

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in self.entries if lang != "*")

    @cached_property
    def language_facts(self) -> Languages:
        """Priority, script and word order of every language (a language without facts ranks last)."""
        return Languages(self.facts.get(lang) or LanguageFacts(lang) for lang in self.languages)

    def words(self, lang: str, list_name: str) -> tuple[str, ...]:
        return self.entries.get(lang, {}).get(list_name, ())


def _family_covers(entry: str, words: set[str]) -> bool:
    if entry.endswith("*"):
        prefix = _folded(entry[:-1])
        return bool(prefix) and any(word.startswith(prefix) for word in words)
    return _folded(entry) in words


def _folded(entry: str) -> str:
    """The form matching uses, so removing "arret" also removes "Arrêt"."""
    return " ".join(token.norm for token in tokenize(entry).tokens)


def _freeze(
    entries: dict[str, dict[str, tuple[str, ...]]],
) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    return MappingProxyType({lang: MappingProxyType(dict(lists)) for lang, lists in entries.items()})
