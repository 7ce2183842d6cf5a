from django.conf import settings

from fangxian.accounts.roles import roles_of

from .models import SiteConfig
from .nav import items_for


def shell(request):
    """What every page's frame needs: the navigation for this user, the site name, demo mode."""
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else frozenset()
    config = SiteConfig.current()
    return {
        "nav_items": items_for(roles) if roles or (user and user.is_authenticated) else [],
        "user_roles": roles,
        "site_config": config,
        "demo_mode": settings.DEMO,
    }
