from django.conf import settings

from fangxian.accounts.roles import roles_of

from .models import SiteConfig
from .nav import groups_for

PERSONAL = "personal"  # the group drawn in the user's own menu (top right), not in the bar


def shell(request):
    """What every page's frame needs: the navigation for this user, the site name, demo mode."""
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else frozenset()
    config = SiteConfig.current()
    signed_in = bool(user is not None and user.is_authenticated)
    menu = groups_for(roles) if signed_in else []
    current = getattr(getattr(request, "resolver_match", None), "view_name", None)
    return {
        "nav_groups": [
            {"group": group, "items": items, "active": any(i.url_name == current for i in items)}
            for group, items in menu
            if group.key != PERSONAL
        ],
        "nav_personal": next((items for group, items in menu if group.key == PERSONAL), []),
        "user_roles": roles,
        "site_config": config,
        "demo_mode": settings.DEMO,
    }
