"""Fangxian settings, read from the environment.

One settings module for every mode. Bad values raise ImproperlyConfigured at start-up
instead of being silently replaced (a misspelt `FANGXIAN_DEBUG=ture` must not mean False).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FANGXIAN_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("FANGXIAN_DEBUG", False)
TESTING = envbool("FANGXIAN_TESTING", False)

# Demo mode relaxes the second factor so that the printed demo logins work at once.
# It is refused outside DEBUG (and tests), so a production deployment cannot run with it.
DEMO = envbool("FANGXIAN_DEMO", False)
if DEMO and not (DEBUG or TESTING):
    raise ImproperlyConfigured("FANGXIAN_DEMO relaxes login safety and is refused in production; unset it or set FANGXIAN_DEBUG.")

SECRET_KEY = os.environ.get("FANGXIAN_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("FANGXIAN_SECRET_KEY must be set in production.")
    # Development: one random key kept in var/ so sessions survive a restart.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = key_file.read_text().strip()
# Keys that seal ID numbers and phones in the database (fangxian.core.sealed): "id:base64key,…",
# the first seals, the others are still read. Empty: one key derived from SECRET_KEY ("k0").
SEAL_KEYS = os.environ.get("FANGXIAN_SEAL_KEYS", "")

ALLOWED_HOSTS = envlist("FANGXIAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if (DEBUG or TESTING) else [])
CSRF_TRUSTED_ORIGINS = envlist("FANGXIAN_CSRF_TRUSTED_ORIGINS", [])
# How many reverse proxies (nginx, a load balancer) stand in front of the application and
# append to X-Forwarded-For. 0: clients connect directly and the header is ignored.
FANGXIAN_PROXY_COUNT = envint("FANGXIAN_PROXY_COUNT", 0)

INSTITUTION_NAME = os.environ.get("FANGXIAN_INSTITUTION_NAME", "河西学院")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "auditlog",
    "rules.apps.AutodiscoverRulesConfig",
    "huey.contrib.djhuey",
    # Fangxian: core first, then features, then views over features.
    "fangxian.core",
    "fangxian.accounts",
    "fangxian.audit",
    "fangxian.notify",
    "fangxian.org",
    "fangxian.deadlines",
    "fangxian.reports",
    "fangxian.ledger",
    "fangxian.gates",
    "fangxian.duty",
    "fangxian.incidents",
    "fangxian.hazards",
    "fangxian.screening",
    "fangxian.care",
    "fangxian.notices",
    "fangxian.privacy",
    "fangxian.dashboard",
    "fangxian.supervision",
    "fangxian.web",
    "fangxian.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fangxian.core.middleware.RequestIdMiddleware",
    # Outside everything that may answer early (login redirects, session expiry), so that
    # every response gets the security headers.
    "fangxian.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Health checks (load balancer, monitoring) leave here, before anything validates the
    # Host header: probes come by IP address.
    "fangxian.core.middleware.HealthCheckMiddleware",
    # Bearer-token views marked @stateless (gate devices) leave the stack here.
    "fangxian.core.middleware.StatelessShortcutMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Messages before the session limits, which tell the user why they were signed out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fangxian.accounts.middleware.SessionLimitsMiddleware",
    "fangxian.accounts.middleware.LoginSafetyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fangxian.core.middleware.AuditContextMiddleware",
    # Turns a rate limit or quota refusal raised by a page into a 429 answer.
    "fangxian.accounts.middleware.RateLimitMiddleware",
    # Axes last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fangxian.urls"
WSGI_APPLICATION = "fangxian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fangxian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fangxian.web.context_processors.shell",
            ],
        },
    },
]

# Database: SQLite (WAL) in var/ unless DATABASE_URL names another one.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("FANGXIAN_CONN_MAX_AGE", 60))}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("FANGXIAN_SQLITE_PATH", str(VAR_DIR / "fangxian.sqlite3")),
            # Kept open across requests: opening one runs the PRAGMAs below, and closing the
            # last one checkpoints the WAL, which together cost more than a small request.
            "CONN_MAX_AGE": envint("FANGXIAN_CONN_MAX_AGE", 600),
            "OPTIONS": {
                # WAL lets readers and the one writer work at once; IMMEDIATE avoids the
                # "database is locked" upgrade deadlock when two requests write.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA busy_timeout=10000; PRAGMA cache_size=-64000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Monitoring (/healthz) reports a backlog of more queued jobs than this.
FANGXIAN_QUEUE_BACKLOG_ALERT = envint("FANGXIAN_QUEUE_BACKLOG_ALERT", 5000)

# Consumers: SIGTERM (what systemd sends) stops them gracefully, letting running jobs
# finish, as SIGINT does; huey's default would abandon them.
HUEY_CONSUMER = {"workers": envint("FANGXIAN_HUEY_WORKERS", 2), "worker_type": "thread", "graceful_signal": "TERM"}
# Outbox jobs handed to the queue this long ago and still not done are handed over again
# (Redis lost them, or the consumer running them was killed). Jobs run once regardless.
FANGXIAN_OUTBOX_REDELIVER_SECONDS = envint("FANGXIAN_OUTBOX_REDELIVER_SECONDS", 600)

# Jobs: huey. File-backed SQLite queue by default, Redis when REDIS_URL is set, and
# immediate (run in-process) in tests.
if TESTING:
    HUEY = {"huey_class": "huey.MemoryHuey", "name": "fangxian", "immediate": True}
elif REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "fangxian",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": HUEY_CONSUMER,
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # also with DATABASE_URL set: the queue's file lives here
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "fangxian",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": HUEY_CONSUMER,
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Campus single sign-on (fangxian/accounts/sso.py): each does nothing unless switched on
    # below; the policy backend stops local passwords of non-admins when SSO is required.
    "fangxian.accounts.sso.LdapBackend",
    "fangxian.accounts.sso.CasBackend",
    "fangxian.accounts.sso.SsoPolicyBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# CAS 2.0/3.0: the server's base URL (…/cas), the protocol version, and the attribute that
# carries the staff or student number (empty: the CAS user itself is the number).
CAS_SERVER_URL = os.environ.get("FANGXIAN_CAS_SERVER_URL", "").rstrip("/")
if CAS_SERVER_URL and not CAS_SERVER_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"FANGXIAN_CAS_SERVER_URL must start with https://, not {CAS_SERVER_URL!r}")
CAS_VERSION = os.environ.get("FANGXIAN_CAS_VERSION", "3")
if CAS_VERSION not in {"2", "3"}:
    raise ImproperlyConfigured(f"FANGXIAN_CAS_VERSION must be 2 or 3, not {CAS_VERSION!r}")
CAS_NUMBER_ATTRIBUTE = os.environ.get("FANGXIAN_CAS_NUMBER_ATTRIBUTE", "")
# A second factor asserted by the CAS server: the attribute that names how the person signed
# in there, and the values that mean a second factor was used (comma-separated, compared
# exactly), e.g. Apereo CAS's authnContextClass=mfa-gauth. Unset: privileged roles always
# enter the platform's own TOTP code after CAS.
CAS_MFA_ATTRIBUTE = os.environ.get("FANGXIAN_CAS_MFA_ATTRIBUTE", "").strip()
CAS_MFA_VALUES = tuple(v.strip() for v in os.environ.get("FANGXIAN_CAS_MFA_VALUES", "").split(",") if v.strip())
if CAS_MFA_ATTRIBUTE and not CAS_MFA_VALUES:
    raise ImproperlyConfigured("FANGXIAN_CAS_MFA_ATTRIBUTE needs FANGXIAN_CAS_MFA_VALUES: the values that mean a second factor was used")
# LDAP / Active Directory bind (django-auth-ldap): server, the DN of a user ("%(user)s" is
# the login), the attribute with the number (empty: the login), seconds to wait, StartTLS.
AUTH_LDAP_SERVER_URI = os.environ.get("FANGXIAN_LDAP_SERVER_URI", "")
AUTH_LDAP_USER_DN_TEMPLATE = os.environ.get("FANGXIAN_LDAP_USER_DN_TEMPLATE", "") or None
if AUTH_LDAP_SERVER_URI and "%(user)s" not in (AUTH_LDAP_USER_DN_TEMPLATE or ""):
    raise ImproperlyConfigured("FANGXIAN_LDAP_USER_DN_TEMPLATE must contain %(user)s, e.g. uid=%(user)s,ou=people,dc=example,dc=edu,dc=cn")
AUTH_LDAP_START_TLS = envbool("FANGXIAN_LDAP_START_TLS", False)
LDAP_NUMBER_ATTRIBUTE = os.environ.get("FANGXIAN_LDAP_NUMBER_ATTRIBUTE", "")
LDAP_TIMEOUT = envint("FANGXIAN_LDAP_TIMEOUT", 5)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "fangxian.accounts.validators.InstitutionNameValidator"},
    # No reuse of the current password nor of the last five.
    {"NAME": "fangxian.accounts.validators.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
    # Privileged roles: 14 characters of at least three kinds.
    {"NAME": "fangxian.accounts.validators.PrivilegedPasswordValidator", "OPTIONS": {"min_length": 14, "min_classes": 3}},
]
# Django's hashers, then the one for random initial passwords of accounts made in bulk
# (fangxian/accounts/initial_passwords.py explains why it may be fast).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "fangxian.accounts.hashers.InitialPasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "fangxian.accounts.hashers.InitialPasswordHasher"]

# Sessions: 30 minutes idle (the cookie is renewed on every request), 12 hours absolute
# (enforced by SessionLimitsMiddleware from the login time kept in the session).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login lockout: 5 failures within 15 minutes lock the pair (username, address) for 15
# minutes. Locking the username alone let anyone lock the office out by failing its password;
# locking the address alone would lock a whole dormitory behind one NAT address. Guesses
# spread over many usernames or many addresses are held back by the rate limits of
# fangxian.accounts.throttle (429), which spare addresses the account signed in from lately.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fangxian.accounts.views.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# RequestIdMiddleware puts the client's address (see FANGXIAN_PROXY_COUNT) in REMOTE_ADDR;
# axes reads it there too, never from a header a client can write.
AXES_CLIENT_IP_CALLABLE = "fangxian.audit.services.client_ip"
AXES_VERBOSE = False

# Rate limits and quotas (fangxian.accounts.throttle.DEFAULT_LIMITS), counted in the cache:
# FANGXIAN_RATE_LIMITS="reveal_day=300/86400,export_day=100/86400" overrides some of them.
FANGXIAN_RATE_LIMITS = {}
for _item in envlist("FANGXIAN_RATE_LIMITS", []):
    try:
        _name, _value = _item.split("=")
        _count, _seconds = (int(part) for part in _value.split("/"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"FANGXIAN_RATE_LIMITS entries must look like export_day=100/86400, not {_item!r}") from exc
    FANGXIAN_RATE_LIMITS[_name.strip()] = (_count, _seconds)

# API tokens: an access token (fx_…) lives this many minutes; the refresh token (fxr_…)
# that mints new ones lives at most this many days. Both end when the password or the second
# factor is reset.
API_ACCESS_TOKEN_MINUTES = envint("FANGXIAN_API_ACCESS_TOKEN_MINUTES", 60)
API_REFRESH_TOKEN_MAX_DAYS = envint("FANGXIAN_API_REFRESH_TOKEN_MAX_DAYS", 90)

OTP_TOTP_ISSUER = "Fangxian"
# Whether the privileged roles must use their second factor; only demo mode may relax it.
REQUIRE_TOTP = not DEMO
# Besides the prevention office and the three admins, these roles need the second factor
# (and an enrolled one before any API token works): those that see the whole school and the
# college admins.
SECOND_FACTOR_EXTRA_ROLES = ["leader", "discipline", "college_admin"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "fangxian" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Kept across releases and never cleared: the previous release's hashed files stay
# servable while its app servers still run (core.static_release).
STATIC_ROOT = Path(os.environ.get("FANGXIAN_STATIC_ROOT", VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "fangxian" / "static"]
MEDIA_ROOT = VAR_DIR / "media"
# Without collectstatic (development, tests) WhiteNoise serves straight from the finders.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
# Uploaded and generated files (photos, daily summaries) must be seen by every node:
# "database" keeps them in the database (the default on PostgreSQL: pg_dump then holds
# everything), "s3" in S3-compatible object storage (django-storages, installed apart),
# "filesystem" under MEDIA_ROOT (one machine, or a folder every node mounts).
_ON_POSTGRES = DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis"))
FILE_STORAGE = os.environ.get("FANGXIAN_FILE_STORAGE", "") or ("database" if _ON_POSTGRES and not TESTING else "filesystem")
if FILE_STORAGE == "database":
    _default_storage = {"BACKEND": "fangxian.core.storage.DatabaseStorage"}
elif FILE_STORAGE == "filesystem":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif FILE_STORAGE == "s3":
    if not os.environ.get("FANGXIAN_S3_BUCKET"):
        raise ImproperlyConfigured("FANGXIAN_FILE_STORAGE=s3 needs FANGXIAN_S3_BUCKET (and the FANGXIAN_S3_* variables of the README).")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["FANGXIAN_S3_BUCKET"],
            "endpoint_url": os.environ.get("FANGXIAN_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("FANGXIAN_S3_REGION") or None,
            "access_key": os.environ.get("FANGXIAN_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("FANGXIAN_S3_SECRET_KEY") or None,
            # Personal data: private objects, never a public URL; views stream them.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"FANGXIAN_FILE_STORAGE must be database, filesystem or s3, not {FILE_STORAGE!r}")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if (DEBUG or TESTING)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: refuse large bodies before they are read; spreadsheet limits are checked again
# before a zip is unpacked (see core.xlsx).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = envint("FANGXIAN_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)

# Security headers. HTTPS settings apply in production (behind a TLS-terminating proxy).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = envbool("FANGXIAN_HTTPS", not (DEBUG or TESTING))
if HTTPS:
    SECURE_SSL_REDIRECT = envbool("FANGXIAN_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("FANGXIAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_REDIRECT_EXEMPT = [r"^(livez|readyz|healthz)$"]

REST_FRAMEWORK = {
    # Bearer first: its WWW-Authenticate header turns refusals into 401 (programs retry
    # with a token) instead of the 403 that session authentication answers.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fangxian.api.authentication.BearerTokenAuthentication",
        "fangxian.api.authentication.SessionAuthentication",
    ],
    # Roles per method and the write check (fangxian.org.permissions): by default any
    # signed-in user reads and nobody writes; each endpoint names its role sets.
    "DEFAULT_PERMISSION_CLASSES": ["fangxian.org.permissions.RolePermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "fangxian.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"user": "6000/hour"},
    "EXCEPTION_HANDLER": "fangxian.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fangxian API",
    "DESCRIPTION": _("Fangxian campus emergency and safety platform API"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["fangxian.org.permissions.RolePermission"],  # any signed-in user reads the schema
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Fields of the same name with different choices in different apps get a name each
    # (without it the schema's enums are named by a hash: Kind68fEnum).
    "ENUM_NAME_OVERRIDES": {
        "IncidentKindEnum": "fangxian.incidents.models.Kind",
        "IncidentLevelEnum": "fangxian.incidents.models.Level",
        "IncidentStatusEnum": "fangxian.incidents.models.Incident.Status",
        "IncidentReportKindEnum": "fangxian.incidents.models.Update.Kind",
        "HazardLevelEnum": "fangxian.hazards.models.Level",
        "NoticeKindEnum": "fangxian.notices.models.Kind",
        "SupervisionAnswerKindEnum": "fangxian.supervision.models.Answer.Kind",
        "SupervisionDecisionEnum": "fangxian.supervision.models.Answer.Decision",
        "HelpKindEnum": "fangxian.care.models.HelpRequest.Kind",
        "CareKindEnum": "fangxian.care.models.CareKind",
        "TubeResultEnum": "fangxian.screening.models.Result",
    },
}

AUDITLOG_CID_GETTER = "fangxian.core.middleware.current_request_id"
AUDITLOG_INCLUDE_ALL_MODELS = False

EMAIL_BACKEND = os.environ.get("FANGXIAN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("FANGXIAN_FROM_EMAIL", "fangxian@localhost")


def envwebhooks(name: str) -> list[tuple[str, str]]:
    """Group-chat webhooks as "wecom=https://…,dingtalk=https://…"; anything else is refused."""
    hooks = []
    for item in envlist(name, []):
        channel, sep, url = item.partition("=")
        if not sep or channel.strip() not in {"wecom", "dingtalk"} or not url.strip().startswith(("https://", "http://")):
            raise ImproperlyConfigured(f"{name} entries must look like wecom=https://… or dingtalk=https://…, not {item!r}")
        hooks.append((channel.strip(), url.strip()))
    return hooks


# Notifications: in-app always; e-mail to users with an address; group webhooks when set.
NOTIFY_EMAIL = envbool("FANGXIAN_NOTIFY_EMAIL", True)
NOTIFY_WEBHOOKS = envwebhooks("FANGXIAN_WEBHOOK_URLS")
# Messages to a person in WeCom (企业微信) / DingTalk (钉钉) through the app's message API, for
# people with a user id there (fangxian/notify/messengers.py); off unless all three are set.
# Links in them are made absolute with SITE_URL (e.g. https://fangxian.example.edu.cn).
SITE_URL = os.environ.get("FANGXIAN_SITE_URL", "").rstrip("/")
WECOM_CORP_ID = os.environ.get("FANGXIAN_WECOM_CORP_ID", "")
WECOM_AGENT_ID = os.environ.get("FANGXIAN_WECOM_AGENT_ID", "")
WECOM_SECRET = os.environ.get("FANGXIAN_WECOM_SECRET", "")
WECOM_API_BASE = os.environ.get("FANGXIAN_WECOM_API_BASE", "https://qyapi.weixin.qq.com")
DINGTALK_APP_KEY = os.environ.get("FANGXIAN_DINGTALK_APP_KEY", "")
DINGTALK_APP_SECRET = os.environ.get("FANGXIAN_DINGTALK_APP_SECRET", "")
DINGTALK_AGENT_ID = os.environ.get("FANGXIAN_DINGTALK_AGENT_ID", "")
DINGTALK_API_BASE = os.environ.get("FANGXIAN_DINGTALK_API_BASE", "https://oapi.dingtalk.com")
for _name, _value in (("FANGXIAN_WECOM_AGENT_ID", WECOM_AGENT_ID), ("FANGXIAN_DINGTALK_AGENT_ID", DINGTALK_AGENT_ID)):
    if _value and not _value.isdigit():
        raise ImproperlyConfigured(f"{_name} must be a number, not {_value!r}")
# Daily reporting: reminders this many minutes before a form's deadline; the daily summary
# (每日疫情防控工作日报) is generated at this local time.
REPORTS_REMINDER_LEAD_MINUTES = envint("FANGXIAN_REPORTS_REMINDER_LEAD_MINUTES", 60)
REPORTS_SUMMARY_TIME = os.environ.get("FANGXIAN_REPORTS_SUMMARY_TIME", "11:00")
# Gates: a scan queued offline (station or device) is accepted this many minutes after it
# was made at most; older ones, and ones dated ahead of the server, are refused one by one.
GATES_OFFLINE_WINDOW_MINUTES = envint("FANGXIAN_GATES_OFFLINE_WINDOW_MINUTES", 120)
try:
    _hour, _minute = (int(part) for part in REPORTS_SUMMARY_TIME.split(":"))
    if not (0 <= _hour < 24 and 0 <= _minute < 60):
        raise ValueError(REPORTS_SUMMARY_TIME)
except ValueError as exc:
    raise ImproperlyConfigured(f"FANGXIAN_REPORTS_SUMMARY_TIME must look like 11:00, not {REPORTS_SUMMARY_TIME!r}") from exc

# Care: each canteen's daily report (食堂日报) is due by this local time; its managers are
# reminded this many minutes before, the logistics office is told at the deadline.
CARE_CANTEEN_REPORT_DUE = os.environ.get("FANGXIAN_CARE_CANTEEN_REPORT_DUE", "10:00")
CARE_CANTEEN_REMINDER_MINUTES = envint("FANGXIAN_CARE_CANTEEN_REMINDER_MINUTES", 30)
try:
    _hour, _minute = (int(part) for part in CARE_CANTEEN_REPORT_DUE.split(":"))
    if not (0 <= _hour < 24 and 0 <= _minute < 60):
        raise ValueError(CARE_CANTEEN_REPORT_DUE)
except ValueError as exc:
    raise ImproperlyConfigured(f"FANGXIAN_CARE_CANTEEN_REPORT_DUE must look like 10:00, not {CARE_CANTEEN_REPORT_DUE!r}") from exc

# Security events shipped off the host as JSON lines (fangxian/audit/shipping.py):
# "syslog" (FANGXIAN_AUDIT_SYSLOG_ADDRESS: host:port over UDP, or a socket path), "file"
# (FANGXIAN_AUDIT_LOG_FILE, rotated at midnight, FANGXIAN_AUDIT_LOG_KEEP_DAYS kept), or "" (not shipped).
from fangxian.audit.shipping import logging_config as _audit_logging  # noqa: E402

_audit_handlers, _audit_logger = _audit_logging(
    os.environ.get("FANGXIAN_AUDIT_SHIP", "").strip().lower(),
    syslog_address=os.environ.get("FANGXIAN_AUDIT_SYSLOG_ADDRESS", "/dev/log"),
    path=os.environ.get("FANGXIAN_AUDIT_LOG_FILE", str(VAR_DIR / "security-events.jsonl")),
    keep_days=envint("FANGXIAN_AUDIT_LOG_KEEP_DAYS", 200),
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "security_json": {"()": "fangxian.audit.shipping.JSONLineFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}, **_audit_handlers},
    "root": {"handlers": ["console"], "level": os.environ.get("FANGXIAN_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "huey": {"level": "WARNING" if TESTING else "INFO"},
        "fangxian.security": _audit_logger,
    },
}
