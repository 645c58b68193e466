from django import template
from django.utils.safestring import SafeString

from lyceum.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value: str | None) -> SafeString:
    return render_markdown(value or "")
