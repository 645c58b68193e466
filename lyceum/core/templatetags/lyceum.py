from django import template
from django.utils.safestring import SafeString

from lyceum.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value: str | None) -> SafeString:
    return render_markdown(value or "")


@register.filter(name="durationformat")
def durationformat(seconds: int | None) -> str:
    """``75`` -> ``1:15``; ``3725`` -> ``1:02:05``."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter(name="get_item")
def get_item(mapping: dict | None, key: str) -> object:
    return (mapping or {}).get(key)
