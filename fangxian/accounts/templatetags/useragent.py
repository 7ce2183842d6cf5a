from django import template

from fangxian.accounts.useragent import describe_user_agent

register = template.Library()


@register.filter
def device(ua):
    """The readable description of a User-Agent header (the raw one goes in a title)."""
    return describe_user_agent(ua)
