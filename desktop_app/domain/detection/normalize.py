"""Tokenises a message into normalised words that remember where they sit in the original text."""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

import regex  # type: ignore[import-untyped]  # the regex package ships no type stubs

# Letters with their combining marks, in any script (Devanagari, Bengali and Thai vowel signs stay
# inside their word), digits and the underscore; not the emoji variation selectors (also marks).
_WORD_PATTERN = r"[[\p{L}\p{M}\p{N}_]--[\uFE00-\uFE0F]]+"
_TOKEN_RE = regex.compile(
    rf"({_WORD_PATTERN}(?:['’]{_WORD_PATTERN})*)"
    r"|([\U0001F300-\U0001FAFF\u2600-\u27BF])"
    r"|([.!?;,…¿¡،؟。:()\[\]\"“”«»]+|\s[-–—]\s)",
    flags=regex.V1,
)
# English contraction tails that stay glued to their word ("don't" -> "dont").
_GLUED_TAILS = frozenset({"t", "s", "m", "ll", "re", "ve", "d"})
_SOFT_BREAKS = frozenset({",", "،", " - ", " – ", " — "})
_SPELLED_RE = re.compile(r"(?<!\w)\w[ .-]+\w[ .-]+\w(?!\w)")
_LATIN_FOLDS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ŀ": "l"})
_ARABIC_FOLDS = str.maketrans(
    {"إ": "ا", "أ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ؤ": "و", "ئ": "ي", "ة": "ه", "ـ": ""}
)
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
_STRETCH_RE = re.compile(r"(.)\1{2,}")
_SQUEEZE_RE = re.compile(r"(.)\1+")
_DASHES = frozenset("-–—")
_NO_CLAUSES: frozenset[int] = frozenset()

# What a piece of a chunk is.
_WORD = "word"  # a whole word
_PART = "part"  # part of a word split at an apostrophe ("m'envoyer" -> "m", "envoyer")
_EMOJI = "emoji"
_MARK = "mark"  # punctuation, which only separates clauses


class Piece(NamedTuple):
    """A word, emoji or run of punctuation inside one whitespace-free chunk ("STOP!!", "don't")."""

    kind: str  # _WORD, _PART, _EMOJI or _MARK
    text: str  # the normalised word, the emoji or the punctuation itself
    start: int  # character offsets within the chunk
    end: int


# The one cache of this module: chunk ("STOP!!", "don't") -> its pieces. Messages reuse a small
# vocabulary, and a chunk read from here skips the token regex and Unicode normalisation, the costliest
# part of tokenising; without it the detector falls well below its speed gate. Bounded: once full,
# new chunks are read afresh every time.
_CHUNKS: dict[str, tuple[Piece, ...]] = {}
_CHUNKS_LIMIT = 65536


class Token(NamedTuple):
    """One word (or a meaningful emoji) of a message."""

    norm: str
    start: int  # character offsets in the original text
    end: int
    clause: int  # index of the clause (split at . ! ? , ; and friends)
    emoji: bool = False


class Tokenized(NamedTuple):
    tokens: tuple[Token, ...]
    questions: frozenset[int]  # clauses that end with (or open with) a question mark
    clause_count: int
    soft: frozenset[int] = frozenset()  # clauses that follow only a comma ("hören Sie auf, mir zu schreiben")


def _folded_mark(char: str) -> bool:
    """Accents that matching ignores: Latin/Cyrillic diacritics ("é" -> "e", "й" -> "и") and Arabic
    short-vowel marks. Other scripts' marks are part of the letter (Devanagari, Bengali, Thai)."""
    return "\u0300" <= char <= "\u036f" or "\u064b" <= char <= "\u065f" or char == "\u0670"


def normalize_word(raw: str) -> str:
    """Case-, accent- and stretch-folded form of one word, the key every lexicon lookup uses."""
    text = unicodedata.normalize("NFKC", raw).casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not _folded_mark(ch))
        text = unicodedata.normalize("NFC", text).translate(_LATIN_FOLDS).translate(_ARABIC_FOLDS)
        if "\u0600" <= text[:1] <= "\u06ff":
            for prefix in _ARABIC_PREFIXES:
                if text.startswith(prefix) and len(text) - len(prefix) >= 3:
                    text = text[len(prefix) :]
                    break
    text = text.replace("'", "").replace("’", "")
    return _STRETCH_RE.sub(r"\1", text)


def squeeze(text: str) -> str:
    """Collapse every run of a repeated letter: "stopp" and "stooop" both become "stop"."""
    return _SQUEEZE_RE.sub(r"\1", text)


def _split_apostrophes(word: str) -> list[Piece]:
    """Keep "don't"/"I'll" whole, split elisions such as "m'envoyer" or "dell'autobus".

    The parts keep the text as written, with offsets inside the word."""
    parts = re.split(r"['’]", word)
    pieces: list[Piece] = []
    start, end = 0, len(parts[0])
    for tail in parts[1:]:
        tail_start = end + 1
        if normalize_word(tail) in _GLUED_TAILS:
            end = tail_start + len(tail)
            continue
        pieces.append(Piece(_PART, word[start:end], start, end))
        start, end = tail_start, tail_start + len(tail)
    pieces.append(Piece(_PART, word[start:end], start, end))
    return pieces


def _merge_spelled_letters(tokens: list[Token], text: str) -> list[Token]:
    """Join "s t o p" / "S.T.O.P" (three or more single letters in a row) into one word."""
    merged: list[Token] = []
    i = 0
    while i < len(tokens):
        j = i
        while (
            j < len(tokens)
            and len(tokens[j].norm) == 1
            and tokens[j].norm.isalpha()
            and (j == i or text[tokens[j - 1].end : tokens[j].start].strip(" .-") == "")
        ):
            j += 1
        if j - i >= 3:
            word = "".join(t.norm for t in tokens[i:j])
            merged.append(Token(word, tokens[i].start, tokens[j - 1].end, tokens[i].clause))
            i = j
        else:
            merged.append(tokens[i])
            i += 1
    return merged


def _chunk_pieces(chunk: str) -> tuple[Piece, ...]:
    """The words, emoji and marks inside one whitespace-free chunk ("STOP!!", "don't")."""
    pieces = _CHUNKS.get(chunk)
    if pieces is not None:
        return pieces
    found: list[Piece] = []
    for match in _TOKEN_RE.finditer(chunk):
        start, end = match.span()
        word, emoji, mark = match.groups()
        if emoji is not None:
            found.append(Piece(_EMOJI, emoji, start, end))
        elif mark is not None:
            found.append(Piece(_MARK, mark, start, end))
        elif "'" in word or "’" in word:
            for part in _split_apostrophes(word):
                if part.text:
                    norm = normalize_word(part.text)
                    found.append(Piece(_PART, norm, start + part.start, start + part.end))
        else:
            found.append(Piece(_WORD, normalize_word(word), start, end))
    pieces = tuple(found)
    if len(_CHUNKS) < _CHUNKS_LIMIT:
        _CHUNKS[chunk] = pieces
    return pieces


def tokenize(text: str) -> Tokenized:
    """Split a message into normalised tokens grouped in clauses; punctuation only separates."""
    tokens: list[Token] = []
    questions: set[int] = set()
    soft: set[int] = set()
    clause = 0
    clause_has_words = False
    single_letters = 0
    # No token spans whitespace except a dash between spaces (" - "), so the message is read chunk by
    # chunk; str.split and the regex's \s agree on whitespace.
    position = 0
    used_space = -1  # the space after the last " - " mark belongs to it
    for chunk in text.split():
        chunk_start = text.find(chunk, position)
        position = chunk_start + len(chunk)
        if chunk in _DASHES:
            if chunk_start == 0 or chunk_start - 1 == used_space or position == len(text):
                continue
            used_space = position
            pieces: tuple[Piece, ...] = (Piece(_MARK, text[chunk_start - 1 : position + 1], -1, 2),)
        else:  # _chunk_pieces, with its table lookup inlined: this runs for every chunk
            pieces = _CHUNKS.get(chunk) or _chunk_pieces(chunk)
        for piece in pieces:
            kind = piece.kind
            if kind == _MARK:
                mark = piece.text
                if "?" in mark or "؟" in mark:
                    questions.add(clause)
                if clause_has_words:
                    clause += 1
                    clause_has_words = False
                    if mark in _SOFT_BREAKS:
                        soft.add(clause)
                if "¿" in mark:  # an opening question mark belongs to the clause it opens
                    questions.add(clause)
                continue
            clause_has_words = True
            start, end = chunk_start + piece.start, chunk_start + piece.end
            if kind == _WORD and end - start == 1:
                single_letters += 1
            tokens.append(Token(piece.text, start, end, clause, kind == _EMOJI))
    if single_letters > 2 and _SPELLED_RE.search(text):
        tokens = _merge_spelled_letters(tokens, text)
    clause_count = (tokens[-1].clause + 1) if tokens else 0
    return Tokenized(
        tuple(tokens),
        frozenset(questions) if questions else _NO_CLAUSES,
        clause_count,
        frozenset(soft) if soft else _NO_CLAUSES,
    )
