"""Loose matching of Vietnamese text: offices type with and without diacritics."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse whitespace."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def fold_words(text: str) -> str:
    """Like `fold`, and punctuation becomes spaces: for matching headers and names."""
    return _SPACES.sub(" ", re.sub(r"[^\w]+", " ", fold(text))).strip()
