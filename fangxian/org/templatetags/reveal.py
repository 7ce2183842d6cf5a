"""{% reveal_reasons as reasons %}: the short list of reasons a reveal asks for."""

from django import template

from fangxian.core.personal import RevealReason

register = template.Library()


@register.simple_tag
def reveal_reasons():
    return RevealReason.choices
