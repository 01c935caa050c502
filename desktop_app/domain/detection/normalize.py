"""Tokenises a message into normalised words that remember where they sit in the original text."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import regex  # type: ignore[import-untyped]  # the regex package ships no type stubs

# Letters with their combining marks, in any script (Devanagari, Bengali and Thai vowel signs stay
# inside their word), digits and the underscore; not the emoji variation selectors (also marks).
_WORD = r"[[\p{L}\p{M}\p{N}_]--[\uFE00-\uFE0F]]+"
_TOKEN_RE = regex.compile(
    rf"({_WORD}(?:['’]{_WORD})*)"
    r"|([\U0001F300-\U0001FAFF\u2600-\u27BF])"
    r"|([.!?;,…¿¡،؟。:()\[\]\"“”«»]+|\s[-–—]\s)",
    flags=regex.V1,
)
# English contraction tails that stay glued to their word ("don't" -> "dont").
_GLUED_TAILS = frozenset({"t", "s", "m", "ll", "re", "ve", "d"})
_QUESTION_MARKS = frozenset("?¿؟")
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
# Kinds of piece in a chunk: a word, part of a word split at an apostrophe, an emoji, punctuation.
_WORD, _PIECE, _EMOJI, _MARK = "word", "piece", "emoji", "mark"
Piece = tuple[str, str, int, int]  # kind, normalised text (or the mark), start, end within the chunk
# Chunk ("STOP!!", "don't") -> its pieces: a vocabulary table of words with their punctuation, bounded.
_CHUNKS: dict[str, tuple[Piece, ...]] = {}
_CHUNKS_LIMIT = 65536
_NO_CLAUSES: frozenset[int] = frozenset()


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


@lru_cache(maxsize=65536)
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


def _split_apostrophes(raw: str, start: int) -> list[tuple[str, int, int]]:
    """Keep "don't"/"I'll" whole, split elisions such as "m'envoyer" or "dell'autobus"."""
    parts = re.split(r"['’]", raw)
    if len(parts) == 1:
        return [(raw, start, start + len(raw))]
    pieces: list[tuple[str, int, int]] = []
    piece_start, piece_end = start, start + len(parts[0])
    for tail in parts[1:]:
        tail_start = piece_end + 1
        if normalize_word(tail) in _GLUED_TAILS:
            piece_end = tail_start + len(tail)
            continue
        pieces.append((raw[piece_start - start : piece_end - start], piece_start, piece_end))
        piece_start, piece_end = tail_start, tail_start + len(tail)
    pieces.append((raw[piece_start - start : piece_end - start], piece_start, piece_end))
    return pieces


def _elided_pieces(word: str) -> list[tuple[str, int, int]]:
    """Normalised pieces of a word with apostrophes, with offsets inside the word."""
    return [(normalize_word(piece), start, end) for piece, start, end in _split_apostrophes(word, 0) if piece]


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
    """The tokens and marks inside one whitespace-free chunk ("STOP!!", "don't"), offsets relative to it."""
    pieces = _CHUNKS.get(chunk)
    if pieces is not None:
        return pieces
    found: list[Piece] = []
    for match in _TOKEN_RE.finditer(chunk):
        start, end = match.span()
        word = match[1]
        if word is None:
            emoji = match[2]
            found.append((_EMOJI, emoji, start, end) if emoji is not None else (_MARK, match[3], start, end))
        elif "'" in word or "’" in word:
            found.extend(
                (_PIECE, norm, start + offset, start + stop) for norm, offset, stop in _elided_pieces(word)
            )
        else:
            found.append((_WORD, normalize_word(word), start, end))
    pieces = tuple(found)
    if len(_CHUNKS) < _CHUNKS_LIMIT:
        _CHUNKS[chunk] = pieces
    return pieces


def tokenize(text: str) -> Tokenized:
    """Split a message into normalised tokens grouped in clauses; punctuation only separates."""
    tokens: list[Token] = []
    append = tokens.append
    questions: set[int] = set()
    soft: set[int] = set()
    clause = 0
    clause_has_words = False
    single_letters = 0
    new_token = tuple.__new__  # skips NamedTuple's Python-level constructor on the hot path
    # No token spans whitespace except a dash between spaces (" - "), so the message is read chunk by
    # chunk with each chunk's tokens remembered; str.split and the regex's \s agree on whitespace.
    find = text.find
    known = _CHUNKS.get
    length = len(text)
    position = 0
    used_space = -1  # the space after the last " - " mark belongs to it
    for chunk in text.split():
        start = find(chunk, position)
        position = start + len(chunk)
        if chunk in _DASHES:
            if start == 0 or start - 1 == used_space or position == length:
                continue
            used_space = position
            pieces: tuple[Piece, ...] = ((_MARK, text[start - 1 : position + 1], -1, 2),)
        else:
            pieces = known(chunk) or _chunk_pieces(chunk)
        for kind, value, offset, stop in pieces:
            if kind is _MARK:
                if "?" in value or "؟" in value:
                    questions.add(clause)
                if clause_has_words:
                    clause += 1
                    clause_has_words = False
                    if value in _SOFT_BREAKS:
                        soft.add(clause)
                if "¿" in value:
                    questions.add(clause)
                continue
            clause_has_words = True
            if kind is _WORD and stop - offset == 1:
                single_letters += 1
            append(new_token(Token, (value, start + offset, start + stop, clause, kind is _EMOJI)))
    if single_letters > 2 and _SPELLED_RE.search(text):
        tokens = _merge_spelled_letters(tokens, text)
    clause_count = (tokens[-1].clause + 1) if tokens else 0
    return Tokenized(
        tuple(tokens),
        frozenset(questions) if questions else _NO_CLAUSES,
        clause_count,
        frozenset(soft) if soft else _NO_CLAUSES,
    )
