from django.urls import path

from . import views_provision as views

urlpatterns = [
    path("users/provision/", views.provision_start, name="provision"),
    path("users/provision/<int:pk>/", views.provision_batch, name="provision_batch"),
    path("users/provision/<int:pk>/slips.xlsx", views.provision_slips_xlsx, name="provision_slips_xlsx"),
    path("users/provision/<int:pk>/slips/", views.provision_slips_print, name="provision_slips_print"),
    path("users/provision/<int:pk>/destroy/", views.provision_slips_wipe, name="provision_slips_wipe"),
    path("users/new/", views.user_create, name="admin_user_create"),
    path("users/<int:pk>/edit/", views.user_edit, name="admin_user_edit"),
]

# Campus single sign-on (views_sso).
from . import views_sso  # noqa: E402

urlpatterns += [
    path("cas/", views_sso.cas_login, name="cas_login"),
    path("users/sso/", views_sso.sso_settings, name="sso_settings"),
]

# WeCom / DingTalk binding (views_messaging).
from . import views_messaging  # noqa: E402

urlpatterns += [path("security/messaging/", views_messaging.messaging, name="messaging")]

# Forgotten passwords (views_reset).
from . import views_reset  # noqa: E402

urlpatterns += [
    path("password/reset/", views_reset.password_reset, name="password_reset"),
    path("password/reset/<uidb64>/<token>/", views_reset.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("users/<int:pk>/unit-reset/", views_reset.unit_reset, name="unit_reset"),
]
