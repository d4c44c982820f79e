"""Coverdesk settings, read from the environment (docs/deployment.md lists every variable).

COVERDESK_ENV=production demands SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS and the data keys from
the environment; any other value (default: development) generates local secrets into var/.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from coverdesk.config.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    secret_from_file,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("COVERDESK_VAR_DIR", str(Path.cwd() / "var"))).resolve()

COVERDESK_ENV = env_str("COVERDESK_ENV", "development")
if COVERDESK_ENV not in {"development", "production"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"Environment variable COVERDESK_ENV={COVERDESK_ENV!r} must be development or production."
    )
PRODUCTION = COVERDESK_ENV == "production"
COVERDESK_DEMO = env_bool("COVERDESK_DEMO", False)

DEBUG = env_bool("DEBUG", False)
if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Environment variable ALLOWED_HOSTS is required in production.")
    DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), var_dir=VAR_DIR)}
else:
    SECRET_KEY = env_str("SECRET_KEY", "") or secret_from_file(VAR_DIR / "secret_key")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    DATABASES = {
        "default": database_from_url(
            env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'coverdesk.sqlite3'}"), var_dir=VAR_DIR
        )
    }
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "ninja",
    "coverdesk.core",
    "coverdesk.accounts",
    "coverdesk.audit",
    "coverdesk.notifications",
    "coverdesk.sla",
    "coverdesk.parties",
    "coverdesk.catalog",
    "coverdesk.policies",
    "coverdesk.claims",
    "coverdesk.servicedesk",
    "coverdesk.web",
    "coverdesk.api",
    "coverdesk.config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "coverdesk.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coverdesk.config.urls"
WSGI_APPLICATION = "coverdesk.config.wsgi.application"
ASGI_APPLICATION = "coverdesk.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coverdesk.web.context_processors.navigation",
            ],
        },
    }
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Lockout: AXES_FAILURE_LIMIT failed logins for one username from one address lock it for an hour.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/accounts/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True  # idle sessions expire; active ones stay alive
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads it from the page's meta tag, not the cookie

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "files"  # outside the web root; served only through permission checks
WHITENOISE_USE_FINDERS = not PRODUCTION

# Personal data encryption (AES-GCM) and blind index keys: COVERDESK_DATA_KEYS is
# "keyid:base64key,keyid:base64key" (the first encrypts, all decrypt);
# COVERDESK_INDEX_KEY is base64.
# Outside production they default to a key file generated in var/.
COVERDESK_DATA_KEYS = env_str("COVERDESK_DATA_KEYS", "" if not PRODUCTION else None)
COVERDESK_INDEX_KEY = env_str("COVERDESK_INDEX_KEY", "" if not PRODUCTION else None)
COVERDESK_KEY_FILE = VAR_DIR / "data-keys.json"

# Mail: the console in development and the demo, SMTP in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # filebased backend only
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Coverdesk <noreply@coverdesk.invalid>")
COVERDESK_SMS_ADAPTER = env_str(
    "COVERDESK_SMS_ADAPTER", "coverdesk.notifications.channels.LoggingSmsAdapter"
)

# Worker
COVERDESK_WORKER_IDLE_SECONDS = env_int("COVERDESK_WORKER_IDLE_SECONDS", 2)
COVERDESK_OUTBOX_BATCH = env_int("COVERDESK_OUTBOX_BATCH", 50)
COVERDESK_OUTBOX_MAX_ATTEMPTS = env_int("COVERDESK_OUTBOX_MAX_ATTEMPTS", 8)
COVERDESK_SLA_SWEEP_SECONDS = env_int("COVERDESK_SLA_SWEEP_SECONDS", 30)
COVERDESK_SLA_REPLAN_SECONDS = env_int("COVERDESK_SLA_REPLAN_SECONDS", 300)
COVERDESK_SLA_EVALUATION_SECONDS = env_int("COVERDESK_SLA_EVALUATION_SECONDS", 3600)

# Security headers; TLS terminates at the reverse proxy (docs/deployment.md).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200
