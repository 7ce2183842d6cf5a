from django import template

from fangxian.accounts.sso import cas_enabled

register = template.Library()


@register.inclusion_tag("accounts/sso/_login_link.html", takes_context=True)
def sso_login_link(context):
    """The CAS button on the login page, when CAS is switched on."""
    return {"cas": cas_enabled(), "next": context.get("next", "")}
