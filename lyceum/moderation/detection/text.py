"""Text normalisation shared by the rules and the classifier.

Spammers dodge keyword filters with full-width characters (``１３８``, ``ＶＸ``), keycap emoji
(``1️⃣3️⃣8️⃣``), circled digits (``①``), Chinese numerals (``一三八零零一三八零零零``), and spaces,
dashes, dots or emoji between the characters. ``fold`` undoes the character tricks (NFKC,
lower case, keycaps, Chinese numeral runs); the rules then allow separators between
characters in their own patterns.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 20_000  # longer input is cut: no post is that long, and the regexes stay linear

_KEYCAP = re.compile("[\ufe0f\u20e3]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CN_DIGITS = {
    "零": "0", "〇": "0", "洞": "0", "一": "1", "壹": "1", "幺": "1", "二": "2", "贰": "2", "两": "2",
    "三": "3", "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5", "六": "6", "陆": "6",
    "七": "7", "柒": "7", "拐": "7", "八": "8", "捌": "8", "九": "9", "玖": "9", "勾": "9",
}  # fmt: skip
# Seven or more Chinese numerals in a row (a phone or QQ number spelled out), separators allowed.
_NUMERALS = "".join(_CN_DIGITS)
_CN_RUN = re.compile(f"[{_NUMERALS}](?:[\\s\\-_.·,，、]{{0,2}}[{_NUMERALS}]){{6,}}")
_TAGS = re.compile(r"<[^>]{0,200}>")
_NON_WORD = re.compile(r"[\W_]+")


def _digits(match: re.Match[str]) -> str:
    return "".join(_CN_DIGITS.get(ch, "") for ch in match.group(0))


def fold(text: str) -> str:
    """Lower-cased NFKC text with keycaps, zero-width characters and spelled-out numbers undone."""
    text = (text or "")[:MAX_CHARS]
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", _KEYCAP.sub("", text))
    text = _CN_RUN.sub(_digits, text)
    return text.lower()


def strip_tags(text: str) -> str:
    return _TAGS.sub(" ", text)


def fingerprint(text: str) -> str:
    """Case-, width-, whitespace- and punctuation-insensitive form (for "the same post twice")."""
    return _NON_WORD.sub("", strip_tags(fold(text)))


def for_classifier(text: str) -> str:
    """What the classifier reads: folded, tags dropped, whitespace squeezed, every digit a 0
    (so "13800138000" and "13912345678" look alike, and a lesson number is just a short number)."""
    text = strip_tags(fold(text))
    text = re.sub(r"\d", "0", text)
    return re.sub(r"\s+", " ", text).strip()
