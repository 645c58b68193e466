"""Keywords and phrases of free-text feedback, and what the unhappy reviews talk about.

Pure functions, no database. A *document* is one review or one free-text survey answer.

- Text is NFKC-normalised and lower-cased; punctuation and line breaks end a phrase.
- Runs of Chinese characters are segmented by jieba (precise mode); consecutive
  one-character words are joined (``太`` + ``少`` → ``太少``), so "练习太少" yields the
  words 练习, 太少 and the phrase 练习太少. Other scripts are split into words
  (apostrophes and inner hyphens kept: ``don't``, ``re-record``).
- Stop words (short curated English and Chinese lists, plus words every course review uses,
  like "course" and 课程) are dropped and also end a phrase, so "the audio quality is bad"
  gives audio, quality, bad and the phrase "audio quality" — never "quality bad".
- Terms are the words (two or more characters, not only digits) and the bigrams of adjacent
  kept words inside a phrase (Chinese bigrams are written without a space).
- Counts are *documents mentioning the term* (a review saying "slow, slow" counts once).
- A review is **negative when its rating is 2 or lower** (1–2 of 5; 3 is neutral and 4–5 are
  positive, as in METRICS.md's USAT). Survey answers carry no rating and are never negative.
  ``negative_share`` = negative reviews mentioning the term / all negative reviews.
- A word is left out of the result when a phrase containing it is listed with the same
  count and the same negative count (it adds nothing the phrase does not say).
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

jieba.setLogLevel(logging.WARNING)

NEGATIVE_MAX_RATING = 2
EXAMPLES = 2
EXAMPLE_CHARS = 200

STOP_WORDS_EN = frozenset(
    """
    a about above after again all also am an and any are aren't as at be because been before being
    below between both but by can can't could couldn't did didn't do does doesn't doing don't down
    during each else even ever every few for from further get got had hadn't has hasn't have haven't
    having he her here hers herself him himself his how however i i'd i'll i'm i've if in into is
    isn't it it's its itself just let's me more most much my myself no nor not now of off on once
    one only or other our ours ourselves out over own quite really same she should shouldn't so some
    such than that that's the their theirs them themselves then there there's these they they're
    this those through to too under until up us very was wasn't we we're were weren't what when
    where which while who whom why will with won't would wouldn't you you're your yours yourself
    still lot lots bit thing things way well though overall maybe like want make makes made turn keeps had please
    course courses class lesson lessons
    """.split()  # noqa: SIM905 - a word list reads better as text
)
STOP_WORDS_ZH = frozenset(
    """
    的 了 着 过 是 在 和 与 及 或 也 都 就 还 又 很 挺 非常 比较 特别 真的 真 最 更 太过
    我 你 他 她 它 我们 你们 他们 大家 自己 这 那 这个 那个 这些 那些 这里 那里 这样 那样 这门 这门课
    一个 一些 一点 有点 有些 有 没有 没 不是 就是 但是 但 而且 然后 所以 因为 如果 虽然 可以 可能
    会 能 要 想 让 把 被 给 对 从 向 到 吧 呢 啊 吗 呀 哦 嗯 哈 哈哈 啦 嘛 之 其 中 上 下 里
    课程 课 门 节 一下 东西 感觉 觉得 总体 整体 还是 已经 其实 而 等 等等 希望 一带而过
    """.split()  # noqa: SIM905 - a word list reads better as text
)
STOP_WORDS = STOP_WORDS_EN | STOP_WORDS_ZH

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(rf"^[{_HAN}]+$")
# A phrase: a stretch of text between punctuation marks or line breaks.
_PHRASE_BREAK = re.compile(rf"[^\w\s'{_HAN}-]+|(?<!\w)-|-(?!\w)|\n+|_+")
_RUN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W_{_HAN}]+(?:['-][^\W_{_HAN}]+)*)")


def _is_han(token: str) -> bool:
    return bool(_HAN_RE.match(token))


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _raw_words(phrase: str) -> list[str]:
    words: list[str] = []
    for match in _RUN.finditer(phrase):
        if match.group("han"):
            words.extend(w for w in jieba.lcut(match.group("han"), HMM=True) if w.strip())
        else:
            words.append(match.group("word"))
    return words


def _is_break(word: str) -> bool:
    """Stop words, single Latin letters and bare numbers end a run of words."""
    if word in STOP_WORDS:
        return True
    if _is_han(word):
        return False
    return len(word) < 2 or word.isdigit()


def phrases(text: str) -> list[list[str]]:
    """Runs of kept words: the input of unigrams and bigrams. One-character Chinese words that
    follow each other are joined first (太 + 少 → 太少)."""
    runs: list[list[str]] = []
    for chunk in _PHRASE_BREAK.split(_normalise(text)):
        run: list[str] = []
        for word in _raw_words(chunk):
            if _is_break(word):
                if run:
                    runs.append(run)
                run = []
                continue
            if len(word) == 1 and _is_han(word) and run and len(run[-1]) == 1 and _is_han(run[-1]):
                run[-1] += word
                continue
            run.append(word)
        if run:
            runs.append(run)
    return runs


def _keeps_as_word(word: str) -> bool:
    return len(word) >= 2


def _join(left: str, right: str) -> str:
    return left + right if _is_han(left) and _is_han(right) else f"{left} {right}"


def terms(text: str) -> set[str]:
    """The distinct words and two-word phrases of one document."""
    found: set[str] = set()
    for run in phrases(text):
        found.update(w for w in run if _keeps_as_word(w))
        found.update(_join(a, b) for a, b in itertools.pairwise(run))
    return found


def tokens(text: str) -> list[str]:
    """The kept words of a text in order (for display and tests)."""
    return [w for run in phrases(text) for w in run if _keeps_as_word(w)]


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class Document:
    text: str
    rating: int | None = None  # None: a survey answer

    @property
    def is_negative(self) -> bool:
        return self.rating is not None and self.rating <= NEGATIVE_MAX_RATING


@dataclass(frozen=True)
class Term:
    term: str
    count: int  # documents mentioning it
    negative_count: int  # negative reviews mentioning it
    negative_share: float | None  # negative_count / all negative reviews (None without any)
    examples: tuple[str, ...] = ()  # the first distinct negative reviews mentioning it (at most EXAMPLES)

    @property
    def negative_percent(self) -> int | None:
        return None if self.negative_share is None else round(self.negative_share * 100)


@dataclass(frozen=True)
class Analysis:
    documents: int
    reviews: int
    negative_reviews: int
    terms: list[Term]  # most mentioned first
    complaints: list[Term]  # most mentioned by negative reviews first (negative_count > 0)

    @property
    def negative_share(self) -> float | None:
        return self.negative_reviews / self.reviews if self.reviews else None

    @property
    def negative_percent(self) -> int | None:
        share = self.negative_share
        return None if share is None else round(share * 100)


def analyse(documents: Iterable[Document], *, limit: int = 20, min_count: int = 2) -> Analysis:
    """Top terms (mentioned by at least ``min_count`` documents) and the negative share of each."""
    docs = list(documents)
    counts: Counter[str] = Counter()
    negative: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    phrase_parts: dict[str, tuple[str, str]] = {}
    for doc in docs:
        found: set[str] = set()
        for run in phrases(doc.text):
            found.update(w for w in run if _keeps_as_word(w))
            for a, b in itertools.pairwise(run):
                joined = _join(a, b)
                found.add(joined)
                phrase_parts[joined] = (a, b)
        counts.update(found)
        if doc.is_negative:
            negative.update(found)
            quote = _quote(doc.text)
            for t in found:
                seen = examples.setdefault(t, [])
                if len(seen) < EXAMPLES and quote not in seen:
                    seen.append(quote)
    reviews = sum(1 for d in docs if d.rating is not None)
    negative_reviews = sum(1 for d in docs if d.is_negative)

    kept = {t for t, c in counts.items() if c >= min_count}
    # Drop a word that a listed phrase containing it already says (same counts).
    for phrase, parts in phrase_parts.items():
        if phrase not in kept:
            continue
        for part in parts:
            if part in kept and counts[part] == counts[phrase] and negative[part] == negative[phrase]:
                kept.discard(part)

    def term(t: str) -> Term:
        share = negative[t] / negative_reviews if negative_reviews else None
        return Term(
            term=t,
            count=counts[t],
            negative_count=negative[t],
            negative_share=share,
            examples=tuple(examples.get(t, ())),
        )

    by_count = sorted(kept, key=lambda t: (-counts[t], -negative[t], t))
    complaints = sorted((t for t in kept if negative[t]), key=lambda t: (-negative[t], -counts[t], t))
    return Analysis(
        documents=len(docs),
        reviews=reviews,
        negative_reviews=negative_reviews,
        terms=[term(t) for t in by_count[:limit]],
        complaints=[term(t) for t in complaints[:limit]],
    )
