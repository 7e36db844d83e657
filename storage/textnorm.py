"""Text from people: made safe at the edge, and matched loosely (offices type with and
without diacritics)."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Line and page breaks of every kind become "\n"; what XML 1.0 cannot hold (C0 controls but
# tab and newline, lone surrogates, U+FFFE/U+FFFF) and C1 controls are removed: one of them
# in a title made the digest's .xlsx and .docx unwritable for the whole plan.
_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Invisible characters that make two codes or names look the same but differ.
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")


def clean_text(text: str) -> str:
    """Text as people sent it, safe to store, match and write into any file: NFC, every line
    break a newline, no control or zero-width characters. Used where text enters (import,
    chat) and, defensively, where files are written."""
    text = _ZERO_WIDTH.sub("", _CONTROLS.sub("", _BREAKS.sub("\n", text)))
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse whitespace."""
    text = _ZERO_WIDTH.sub("", text)
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def fold_words(text: str) -> str:
    """Like `fold`, and punctuation becomes spaces: for matching headers and names."""
    return _SPACES.sub(" ", re.sub(r"[^\w]+", " ", fold(text))).strip()
