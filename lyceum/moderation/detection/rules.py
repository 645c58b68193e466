"""Hand-written spam/ad rules. Each returns signals ``{"rule", "match", "weight"}``.

Text rules (``phone``, ``contact``, ``links``) read the post only. The two behaviour rules
(``repeated``, ``burst``) keep a short-lived record in the Django cache (Redis in production,
so every worker sees it; the per-process local-memory cache of the embedded runtime is enough
for one server): ``remember()`` stores, per author, the fingerprint of each post with the
places (``where``) it went to for 24 hours, and the times of their last posts. The cache was
chosen over reading the community tables because the rule must work for every kind of text
(profiles and reviews too) and the callers name places (``where``) in their own way.

Weights are the rule's own confidence that the post is spam; ``detection.score`` combines them.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from .text import fingerprint, fold

Signal = dict[str, Any]

W_PHONE_MOBILE = 0.85
W_PHONE_OTHER = 0.7
W_CONTACT = 0.85
W_CONTACT_LINK = 0.8
W_ACCOUNT_NAME = 0.6  # 公众号【...】
W_SHORT_LINK = 0.7
W_EXTERNAL_LINK_NEW = 0.5
W_REPEATED = 0.6
W_BURST = 0.4

REPEAT_SECONDS = 24 * 3600
REPEAT_MIN_CHARS = 12  # "thanks!" and "+1" are said everywhere

SHORT_HOSTS = frozenset(
    {
        "t.cn", "url.cn", "dwz.cn", "suo.im", "suo.nz", "bit.ly", "tinyurl.com", "goo.gl", "is.gd",
        "ow.ly", "t.co", "rebrand.ly", "cutt.ly", "s.id", "v.gd", "buff.ly", "shorturl.at", "tiny.cc",
        "rb.gy", "t.ly", "dlj.bz", "w.url.cn", "u.nu", "reurl.cc", "0rz.tw", "xhslink.com", "b23.tv",
    }
)  # fmt: skip
CONTACT_HOSTS = frozenset({"t.me", "telegram.me", "wa.me", "u.wechat.com", "qm.qq.com", "jq.qq.com"})

# Separators between the digits of a number: spaces, dashes, dots, emoji... (not a newline).
_DIGIT_GAP = re.compile(r"(?<=\d)(?:(?!\n)[\W_]){1,3}(?=\d)")
_MOBILE = re.compile(r"(?<![\d+])(?:\+?86)?(1[3-9]\d{9})(?!\d)")
_LANDLINE = re.compile(r"(?<![\d+])(0(?:10|2\d|[3-9]\d{2})\d{7,8}|[48]00\d{7})(?!\d)")
_INTERNATIONAL = re.compile(r"\+(?!86)([1-9]\d{7,14})(?!\d)")

_SEP = r"[\W_]{0,2}"  # tolerated between the characters of a Chinese keyword: 微 信, 微-信, 微💬信


def _spread(word: str) -> str:
    return _SEP.join(re.escape(ch) for ch in word)


_CJK_KEYWORDS = [
    "微信号",
    "微信",
    "威信",
    "薇信",
    "徽信",
    "维信",
    "v信",
    "加微",
    "加v",
    "扣扣",
    "qq群",
    "qq号",
    "企鹅号",
]
_ASCII_KEYWORDS = ["vx", "wx", "qq", "vchat"]
_CONTACT_ZH = re.compile(
    r"(?<![a-z0-9])(?P<kw>"
    + "|".join([_spread(k) for k in _CJK_KEYWORDS] + _ASCII_KEYWORDS)
    + ")"
    + r"(?P<gap>(?:[^\w.()\[\]{}/\\\n]|号|號|码|是|为|為|搜索?|id|:){0,6}?)"
    + r"(?P<id>[a-z0-9][a-z0-9_\-]{4,29})(?![a-z0-9_])"
)
_CONTACT_EN = re.compile(
    r"(?<![a-z])(?P<kw>wechat|we chat|weixin|telegram|whatsapp|whats app|skype|kakaotalk|line id|viber)"
    r"(?P<gap>[\s:=\-@#>+]*(?:(?:id|is|number|no|account|handle)\b[\s:=\-@#>+]*){0,2})"
    r"(?P<id>[a-z0-9][a-z0-9_\-.]{3,29}[a-z0-9])(?![a-z0-9_])"
)
_ACCOUNT_NAME = re.compile(r"公众号[\s:]*(?:[【「“\"《『\[]([\w\-]{2,20})[】」”\"》』\]]|:\s*([\w\-]{2,20}))")

_DOT_WORD = re.compile(r"(?<=[a-z0-9])\s*(?:点|\[dot\]|\(dot\)|\{dot\}| dot )\s*(?=[a-z]{2,10}(?![a-z]))")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]{}，。、！？】」）]+")
_BARE_HOST = re.compile(
    r"(?<![\w@./-])((?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+"
    r"(?:(?:com|cn|net|org|top|xyz|vip|club|shop|site|online|cc|io|tk|link|tv)(?=/|\s|$|[^\w(.])"
    # two-letter names read like code (self.id) unless a path follows
    r"|(?:me|ly|co|gl|gd|im|id|bz|at|nz|tw|us)(?=/)))"
)


# --- numbers ------------------------------------------------------------------------------------


def _collapsed(text: str) -> str:
    return _DIGIT_GAP.sub("", fold(text))


def phone(text: str) -> list[Signal]:
    """Mainland mobiles (``1[3-9]`` + 9 digits, with or without +86), landlines with an area code
    and 400/800 numbers, and international numbers written with ``+``; digits may be full-width,
    keycaps, Chinese numerals or split by spaces, dashes, dots or emoji."""
    collapsed = _collapsed(text)
    signals: list[Signal] = []
    seen: set[str] = set()
    for pattern, rule, weight in (
        (_MOBILE, "phone_mobile", W_PHONE_MOBILE),
        (_LANDLINE, "phone_landline", W_PHONE_OTHER),
        (_INTERNATIONAL, "phone_international", W_PHONE_OTHER),
    ):
        for match in pattern.finditer(collapsed):
            number = match.group(1)
            if any(number in s or s in number for s in seen):
                continue
            seen.add(number)
            signals.append({"rule": rule, "match": match.group(0), "weight": weight})
    return signals


# --- contact details (traffic diversion, 引流) -----------------------------------------------------


def contact(text: str) -> list[Signal]:
    """WeChat / QQ / Telegram / WhatsApp... followed closely by an id or a number."""
    collapsed = _collapsed(text)
    signals: list[Signal] = []
    for match in _CONTACT_ZH.finditer(collapsed):
        signals.append({"rule": "contact_id", "match": match.group(0).strip(), "weight": W_CONTACT})
    for match in _CONTACT_EN.finditer(collapsed):
        ident, gap = match.group("id"), match.group("gap")
        explicit = any(c in gap for c in ":@=#+") or re.search(r"\b(?:id|number|no|account|handle)\b", gap)
        if explicit or re.search(r"[\d_]", ident):
            signals.append({"rule": "contact_id", "match": match.group(0).strip(), "weight": W_CONTACT})
    for match in _ACCOUNT_NAME.finditer(collapsed):
        signals.append({"rule": "contact_account", "match": match.group(0).strip(), "weight": W_ACCOUNT_NAME})
    return signals[:5]


# --- links --------------------------------------------------------------------------------------


def hosts_in(text: str) -> list[str]:
    """Every host a post links to (``https://...``, ``www....`` and bare ``name.com/...``), in order."""
    folded = _DOT_WORD.sub(".", fold(text))
    hosts: list[str] = []
    for match in _URL.finditer(folded):
        raw = match.group(0)
        host = urlsplit(raw if "://" in raw else "http://" + raw).hostname or ""
        if host and host not in hosts:
            hosts.append(host)
    rest = _URL.sub(" ", folded)
    for match in _BARE_HOST.finditer(rest):
        host = match.group(1)
        if host not in hosts:
            hosts.append(host)
    return hosts


def own_hosts() -> set[str]:
    site = urlsplit(getattr(settings, "LYCEUM_SITE_URL", "")).hostname or ""
    hosts = {h.lstrip(".").lower() for h in settings.ALLOWED_HOSTS if h and h != "*"}
    hosts.discard("")
    if site:
        hosts.add(site.lower())
    return hosts


def _is_own(host: str, own: Iterable[str]) -> bool:
    return any(host == h or host.endswith("." + h) for h in own)


def external_hosts(text: str) -> list[str]:
    own = own_hosts()
    return [h for h in hosts_in(text) if not _is_own(h, own)]


def links(text: str, *, newcomer: bool) -> list[Signal]:
    """Shortened links from anyone, contact links (t.me, wa.me...) from anyone, and any link
    outside our own hosts from a newcomer (a young account or trust level 0)."""
    signals: list[Signal] = []
    others: list[str] = []
    for host in external_hosts(text):
        if host in SHORT_HOSTS:
            signals.append({"rule": "short_link", "match": host, "weight": W_SHORT_LINK})
        elif host in CONTACT_HOSTS:
            signals.append({"rule": "contact_link", "match": host, "weight": W_CONTACT_LINK})
        else:
            others.append(host)
    if newcomer and (others or signals):
        hosts = others or [s["match"] for s in signals]
        signals.append(
            {"rule": "external_link_new_account", "match": " ".join(hosts[:3]), "weight": W_EXTERNAL_LINK_NEW}
        )
    return signals


# --- behaviour: the same post in several places, bursts ------------------------------------------


def _repeat_key(author_id: int, text: str) -> str:
    digest = hashlib.sha256(fingerprint(text).encode()).hexdigest()[:24]
    return f"moderation:repeat:{author_id}:{digest}"


def _burst_key(author_id: int) -> str:
    return f"moderation:burst:{author_id}"


def repeated(*, author_id: int, text: str, where: str, now: float | None = None) -> list[Signal]:
    """The same normalised text posted by the author in another place in the last 24 hours."""
    if len(fingerprint(text)) < REPEAT_MIN_CHARS:
        return []
    now = now or time.time()
    places: dict[str, float] = cache.get(_repeat_key(author_id, text)) or {}
    elsewhere = sorted(p for p, at in places.items() if p != where and now - at < REPEAT_SECONDS)
    if not elsewhere:
        return []
    return [{"rule": "repeated_post", "match": ", ".join(elsewhere[:3])[:120], "weight": W_REPEATED}]


def burst(*, author_id: int, now: float | None = None) -> list[Signal]:
    """More than ``LYCEUM_SPAM_BURST_POSTS`` posts (this one included) within
    ``LYCEUM_SPAM_BURST_MINUTES`` minutes."""
    now = now or time.time()
    window = settings.LYCEUM_SPAM_BURST_MINUTES * 60
    recent = [t for t in cache.get(_burst_key(author_id)) or [] if now - t < window]
    if len(recent) + 1 <= settings.LYCEUM_SPAM_BURST_POSTS:
        return []
    return [
        {
            "rule": "posting_burst",
            "match": f"{len(recent) + 1} posts in {settings.LYCEUM_SPAM_BURST_MINUTES} min",
            "weight": W_BURST,
        }
    ]


def remember(*, author_id: int, text: str, where: str, new_post: bool, now: float | None = None) -> None:
    """Record a screened post for ``repeated`` and (when it is a new post, not an edit) ``burst``."""
    now = now or time.time()
    if len(fingerprint(text)) >= REPEAT_MIN_CHARS:
        key = _repeat_key(author_id, text)
        places = {p: at for p, at in (cache.get(key) or {}).items() if now - at < REPEAT_SECONDS}
        places[where] = now
        cache.set(key, dict(sorted(places.items(), key=lambda kv: -kv[1])[:20]), timeout=REPEAT_SECONDS)
    if new_post:
        window = settings.LYCEUM_SPAM_BURST_MINUTES * 60
        recent = [t for t in cache.get(_burst_key(author_id)) or [] if now - t < window]
        recent.append(now)
        cache.set(_burst_key(author_id), recent[-100:], timeout=window + 60)


def text_signals(text: str, *, newcomer: bool) -> list[Signal]:
    return phone(text) + contact(text) + links(text, newcomer=newcomer)
