import pytest

from lyceum.core.markdown import render_markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        "<svg onload=alert(1)>",
    ],
)
def test_user_markdown_cannot_inject_script(source):
    html = render_markdown(source)

    lowered = html.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "onerror" not in lowered and "onload" not in lowered
    assert "<iframe" not in lowered and "style=" not in lowered


def test_markdown_renders_common_formatting_and_safe_links():
    html = render_markdown("**bold** and [docs](https://example.com)\n\n- one\n- two")

    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer ugc">docs</a>' in html
    assert "<li>one</li>" in html


def test_empty_markdown_is_empty():
    assert render_markdown("") == ""
