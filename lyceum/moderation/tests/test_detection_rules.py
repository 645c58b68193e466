"""The spam/ad rules: Chinese and English, obfuscated and plain, and no false alarms."""

from __future__ import annotations

import pytest
from django.test import override_settings

from lyceum.moderation.detection import rules
from lyceum.moderation.detection.text import fingerprint, fold


def fired(signals: list[dict]) -> set[str]:
    return {s["rule"] for s in signals}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("有问题打电话 13800138000", "phone_mobile"),
        ("电话 138-0013-8000 随时联系", "phone_mobile"),
        ("call １３８ ００１３ ８０００ now", "phone_mobile"),  # full-width
        ("1️⃣3️⃣8️⃣0️⃣0️⃣1️⃣3️⃣8️⃣0️⃣0️⃣0️⃣", "phone_mobile"),  # keycap emoji
        ("联系 一三八零零一三八零零零", "phone_mobile"),  # Chinese numerals
        ("壹叁捌 零零壹叁 捌零零零 找我", "phone_mobile"),
        ("1 3 8 🔥 0 0 1 3 🔥 8 0 0 0", "phone_mobile"),  # emoji separators
        ("+86 139 1234 5678", "phone_mobile"),
        ("办证请拨 010-12345678", "phone_landline"),
        ("客服热线 400-888-1234", "phone_landline"),
        ("call +1 (415) 555-2671 today", "phone_international"),
        ("WhatsApp me at +44 7911 123456", "phone_international"),
    ],
)
def test_phone_numbers_are_found(text, rule):
    assert rule in fired(rules.phone(text))


@pytest.mark.parametrize(
    "text",
    [
        "see lesson 3 at 10:30",
        "lesson 3, 15 minutes in, the example changes",
        "这门课 ¥199，很值",
        "2024-01-15 13:45 上课",
        "成绩 85, 90, 78, 92, 88, 95",
        "ISBN 978-7-111-54742-6",
        "Python 3.12.1 and numpy 1.26.4",
        "scores 13.5 and 12.3",
        "order 20240115123456789",
        "第1课到第8课，共12小时",
    ],
)
def test_ordinary_numbers_are_not_phones(text):
    assert rules.phone(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "加微信 abc123",
        "V信 xyz888",
        "v信：xyz888 免费领",
        "加V：kaoyan666",
        "加我vx: study2024 送资料",
        "ＶＸ：ｓｔｕｄｙ２０２４",  # full-width
        "微 信 ：kaoyan_666",  # spaces between the characters
        "微💬信 kaoyan_666",  # emoji between the characters
        "威信 job2024",
        "薇信号 gwy_tiku",
        "扣扣 1234 5678 9",
        "QQ群：123456789",
        "qq 2837465910",
        "wx: wxid_abc123",
        "add me on wechat: lilyedu",
        "my wechat id is lily_edu2024",
        "telegram @cryptoking88",
        "Contact our support on Telegram: coursesdeal",
        "whatsapp +1 415 555 2671",
    ],
)
def test_contact_ids_are_found(text):
    assert "contact_id" in fired(rules.contact(text))


def test_an_official_account_name_is_found():
    assert "contact_account" in fired(rules.contact("关注公众号【考研资料库】回复 1 领取"))


@pytest.mark.parametrize(
    "text",
    [
        "课程可以用微信支付吗？",
        "微信群里讨论一下第三课",
        "公众号文章写得很好",
        "QQ音乐里有这首歌",
        "I saw it on telegram yesterday",
        "Can I pay with WeChat Pay?",
        "wx.Button(parent, label='OK')",
        "the qq plot in lesson 6 shows the residuals",
        "用 vx 变量保存速度，vy 保存纵向速度",
    ],
)
def test_ordinary_mentions_are_not_contact_ids(text):
    assert rules.contact(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "看这个 t.cn/A6abcd",
        "领取 http://bit.ly/3xyz",
        "https://tinyurl.com/freeiphone",
        "戳 url.cn/5xYZabc",
        "s.id/abc",
    ],
)
def test_short_links_are_flagged_from_anyone(text):
    assert fired(rules.links(text, newcomer=False)) == {"short_link"}


def test_contact_links_are_flagged_from_anyone():
    assert fired(rules.links("join t.me/cheapcourses", newcomer=False)) == {"contact_link"}


@pytest.mark.parametrize(
    "text",
    [
        "https://docs.python.org/3/library/re.html 很有用",
        "see docs.djangoproject.com/en/5.2/ for details",
        "去 www点example点com 看看",
        "读 example[dot]com 的文章",
    ],
)
def test_external_links_flagged_for_newcomers_only(text):
    assert fired(rules.links(text, newcomer=True)) == {"external_link_new_account"}
    assert rules.links(text, newcomer=False) == []


@override_settings(ALLOWED_HOSTS=["lyceum.example.org"], LYCEUM_SITE_URL="https://learn.example.org")
def test_our_own_hosts_are_not_external():
    text = "https://learn.example.org/courses/python/ and https://www.lyceum.example.org/community/"
    assert rules.external_hosts(text) == []
    assert rules.links(text, newcomer=True) == []


@pytest.mark.parametrize("text", ["os.path.join and self.id", "logging.info('x')", "np.random.seed(0)", "¥199"])
def test_code_is_not_a_link(text):
    assert rules.hosts_in(text) == []


def test_the_same_text_in_another_place_within_a_day():
    text = "全套考研资料免费领，名师网课视频加真题解析"
    assert rules.repeated(author_id=1, text=text, where="space:a") == []
    rules.remember(author_id=1, text=text, where="space:a", new_post=True)
    # the same place again (an edit, a double click) is not a repeat
    assert rules.repeated(author_id=1, text=text, where="space:a") == []
    # case, width, spacing and punctuation do not matter
    signals = rules.repeated(author_id=1, text="全套考研资料 免费领！名师网课视频加真题解析。", where="space:b")
    assert fired(signals) == {"repeated_post"}
    assert signals[0]["match"] == "space:a"
    # another author saying the same is not a repeat of theirs
    assert rules.repeated(author_id=2, text=text, where="space:b") == []


def test_a_repeat_older_than_a_day_does_not_count():
    text = "Free course PDFs for everyone, message me today"
    rules.remember(author_id=1, text=text, where="a", new_post=True, now=1_000_000.0)
    assert rules.repeated(author_id=1, text=text, where="b", now=1_000_000.0 + 3600) != []
    assert rules.repeated(author_id=1, text=text, where="b", now=1_000_000.0 + 25 * 3600) == []


def test_short_replies_may_repeat():
    rules.remember(author_id=1, text="Thanks!", where="a", new_post=True)
    rules.remember(author_id=1, text="谢谢老师", where="a", new_post=True)
    assert rules.repeated(author_id=1, text="thanks", where="b") == []
    assert rules.repeated(author_id=1, text="谢谢老师！", where="b") == []


@override_settings(LYCEUM_SPAM_BURST_POSTS=3, LYCEUM_SPAM_BURST_MINUTES=10)
def test_a_burst_of_posts():
    for i in range(3):
        assert rules.burst(author_id=7, now=1000.0 + i) == []
        rules.remember(author_id=7, text=f"post number {i}", where="x", new_post=True, now=1000.0 + i)
    assert fired(rules.burst(author_id=7, now=1010.0)) == {"posting_burst"}
    assert rules.burst(author_id=7, now=1000.0 + 11 * 60) == []  # the window moved on
    assert rules.burst(author_id=8, now=1010.0) == []


@override_settings(LYCEUM_SPAM_BURST_POSTS=1)
def test_edits_do_not_count_towards_a_burst():
    rules.remember(author_id=7, text="an edit", where="x", new_post=False)
    assert rules.burst(author_id=7) == []


def test_signals_have_rule_match_and_weight():
    for signal in rules.text_signals("加微信 abc123 或者 13800138000 t.cn/abc", newcomer=True):
        assert set(signal) == {"rule", "match", "weight"}
        assert 0 < signal["weight"] <= 1
        assert signal["match"]


def test_folding_and_fingerprints():
    assert fold("ＡＢＣ１２３") == "abc123"
    assert fingerprint("Hello,   WORLD!!") == fingerprint("hello world")
    assert fingerprint("<b>x</b>") == "x"
