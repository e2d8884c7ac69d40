"""Text normalisation: what a reader sees, minus layout whitespace.

The normalised text of a notice is what makes a version, so it must not move
when only markup moves: indentation (two ASCII spaces, ``&nbsp;``, U+3000),
re-flowed source lines, a template switch. Two rules do that:

- every run of whitespace (any Unicode space, NBSP, U+3000 included) becomes
  one space, zero-width characters vanish, each line is stripped, empty lines
  go, lines are joined with ``"\\n"`` (a paragraph break is kept, a blank line
  is not);
- inside a line a space survives only between two ASCII letters/digits
  ("Hong Kong", "2024-09-26 11:00"): Chinese text has no word spaces, so a space next to
  a Chinese character or any punctuation is layout (a source line break, an
  indent), not content.

Full-width digits and punctuation are left as printed in stored text;
``to_ascii`` folds them for the date and number parsers only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")  # str patterns: \s covers NBSP, U+3000, U+2000-U+200A, …
_LAYOUT_SPACE = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")

# Full-width forms U+FF01-U+FF5E map one to one onto ASCII; U+3000 onto a space.
# Dashes and wave dashes become "-"/"~" so one pattern reads every separator.
# Every mapping is one character to one character, so offsets into the folded
# text are offsets into the original.
_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_ASCII.update({0x3000: 0x20, 0x00A0: 0x20})
_ASCII.update(dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), ord("-")))
_ASCII.update({ord("\u301c"): ord("~"), ord("\u223c"): ord("~")})


_FOLD = {chr(k): chr(v) for k, v in _ASCII.items()}
# A regex finding the few foldable characters beats str.translate with a dict,
# which looks up every character of mostly-Chinese text.
_FOLDABLE = re.compile("[" + re.escape("".join(_FOLD)) + "]")


def to_ascii(text: str) -> str:
    """Fold full-width digits, letters and punctuation (and dashes) to ASCII.

    Same length as ``text``: a match offset in the result is valid in ``text``.
    """
    return _FOLDABLE.sub(lambda m: _FOLD[m.group()], text)


def normalize_line(text: str) -> str:
    """One line as a reader sees it: no layout whitespace, no invisible characters."""
    text = _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()
    if " " in text:
        text = _LAYOUT_SPACE.sub("", text)
    return text


def normalize_lines(lines: Iterable[str]) -> list[str]:
    """Normalise each line and drop the empty ones."""
    out = []
    for line in lines:
        line = normalize_line(line)
        if line:
            out.append(line)
    return out


_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_NUMBER = "〇零一二三四五六七八九十百两"


def cn_number(word: str) -> int | None:
    """Read a number written in ASCII digits or Chinese numerals (三十, 十五, 二〇二四).

    Digit-by-digit strings (二〇二四) read as positional; 十/百 as multipliers.
    Returns None for anything else.
    """
    if word.isdigit():
        return int(word)
    if not word or any(ch not in CN_NUMBER for ch in word):
        return None
    if "十" not in word and "百" not in word:
        return int("".join(str(_CN_DIGITS[ch]) for ch in word))
    total, digit = 0, 0
    for ch in word:
        if ch == "百":
            total += (digit or 1) * 100
            digit = 0
        elif ch == "十":
            total += (digit or 1) * 10
            digit = 0
        else:
            digit = _CN_DIGITS[ch]
    return total + digit
