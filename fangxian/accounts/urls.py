from django.urls import path

from . import admin_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("2fa/", views.totp_verify, name="totp_verify"),
    path("2fa/setup/", views.totp_setup, name="totp_setup"),
    path("2fa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/", views.security, name="security"),
    path("security/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("security/sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("users/", admin_views.user_list, name="admin_users"),
    path("users/<int:pk>/", admin_views.user_detail, name="admin_user"),
    path("users/<int:pk>/roles/<str:role>/revoke/", admin_views.user_revoke, name="admin_user_revoke"),
    path("users/<int:pk>/toggle-active/", admin_views.user_toggle_active, name="admin_user_toggle_active"),
    path("users/<int:pk>/reset-2fa/", admin_views.user_reset_totp, name="admin_user_reset_totp"),
    path("users/<int:pk>/initial-password/", admin_views.user_initial_password, name="admin_user_initial_password"),
    path("approvals/", admin_views.approval_list, name="approvals"),
    path("approvals/<int:pk>/decide/", admin_views.approval_decide, name="approval_decide"),
    path("exports/", admin_views.export_approvals, name="export_approvals"),
    path("exports/<int:pk>/decide/", admin_views.export_decide, name="export_decide"),
]

# Accounts from people (bulk provisioning, slips, one account, editing): a module of its own.
from .urls_provision import urlpatterns as provision_urlpatterns  # noqa: E402

urlpatterns += provision_urlpatterns
