"""PAM settings: every value comes from the environment (see DESIGN.md, "Configuration").

With no DATABASE_URL the app uses SQLite and with no REDIS_URL an in-memory channel layer
and a local-memory cache: a first look on a laptop only. Production, CI and the tests set both.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean variable ("1/true/yes/on" or "0/false/no/off").

    Raises ImproperlyConfigured naming the variable on any other value.
    """
    value = os.environ.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def _env_number(name: str, default, cast, kind: str):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return cast(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {kind}, got {value!r}") from None


def env_int(name: str, default: int) -> int:
    """Read an integer variable; raises ImproperlyConfigured naming it on a bad value."""
    return _env_number(name, default, int, "an integer")


def env_float(name: str, default: float) -> float:
    """Read a number variable; raises ImproperlyConfigured naming it on a bad value."""
    return _env_number(name, default, float, "a number")


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated list; blank items are dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_rate(name: str, default: str) -> str:
    """Read a throttle rate like "600/min" (DRF's number/period, period s, m, h or d).

    Raises ImproperlyConfigured naming the variable on any other value.
    """
    value = os.environ.get(name, "").strip() or default
    number, _, period = value.partition("/")
    if not number.isdigit() or period[:1] not in {"s", "m", "h", "d"}:
        raise ImproperlyConfigured(f"{name} must be a rate like 600/min or 20/hour, got {value!r}")
    return value


DEBUG = env_bool("DJANGO_DEBUG", False)

# Required to serve with DEBUG off (pam_project/asgi.py refuses to start without it); management
# commands that sign nothing (migrate, makemigrations) run without it.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"
if not SECRET_KEY:
    # Django refuses an empty key to anything that reads it, and simplejwt reads it at start-up (the
    # token blacklist's admin imports it). A random key lets those commands run; nothing signed with
    # it outlives the process, and asgi.py still refuses to serve without DJANGO_SECRET_KEY.
    SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "assistant",
    "finance",
    "travel",
    "social",
]

MIDDLEWARE = [
    # First: every response, a refusal by a later middleware included, carries X-Request-ID.
    "pam_project.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pam_project.rls.ScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a refused sign-in into the lockout page (pam_project/login_throttle.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pam_project.urls"
ASGI_APPLICATION = "pam_project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- PostgreSQL (psycopg 3 with Django's connection pool) or the embedded SQLite default ---
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    try:
        _database = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # Django's PostgreSQL backend passing each transaction's row level security scope.
        _database["ENGINE"] = "pam_project.db"
        _database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("PAM_DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("PAM_DB_POOL_MAX_SIZE", 10),
            "timeout": env_float("PAM_DB_POOL_TIMEOUT", 10.0),
            # psycopg_pool retries a failed connection with a doubling delay for this long (its
            # default, 300 s, lets the delay grow past a minute: PAM would stay down that long
            # after PostgreSQL is back). Then the next request tries at once.
            "reconnect_timeout": env_float("PAM_DB_POOL_RECONNECT_TIMEOUT", 5.0),
        }
        # With the pool, Django passes psycopg_pool's check (an empty query when a connection is
        # taken) only with health checks on; without it, the connections a PostgreSQL restart cut
        # stay in the pool and fail the next turns after it is back (tests/degradation/).
        _database["CONN_HEALTH_CHECKS"] = True
        # Parameters bound by the server, and a statement prepared on its second run on a
        # connection: the chat turn and the context run the same few statements again and again,
        # which PostgreSQL then plans once per pooled connection instead of on every run (a context
        # miss: 30 → 25 ms p50, docs/performance.md). Row level security's current_setting() is
        # read at execution, so one prepared plan serves every user.
        _database["OPTIONS"]["server_side_binding"] = True
        _database["OPTIONS"]["prepare_threshold"] = 2
else:
    _database = {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
DATABASES = {"default": _database}
# The role the app connects as (DATABASE_URL's user in production): granted the rows' verbs on
# every table after each migrate, never their owner (pam_project/rls.py, docs/security.md).
PAM_DATABASE_APP_ROLE = os.environ.get("PAM_DATABASE_APP_ROLE", "pam_app")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and channel layer, or the in-process defaults ---
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # Short timeouts: PAM keeps chatting from the database when Redis is slow or down.
                "SOCKET_CONNECT_TIMEOUT": env_float("PAM_REDIS_CONNECT_TIMEOUT", 0.5),
                "SOCKET_TIMEOUT": env_float("PAM_REDIS_TIMEOUT", 0.5),
                "IGNORE_EXCEPTIONS": True,
                # After a failure Redis is skipped for PAM_REDIS_BREAKER_SECONDS instead of every
                # call waiting out the timeout (pam_project/redis_breaker.py).
                "CONNECTION_POOL_CLASS": "pam_project.redis_breaker.ConnectionPool",
                # One redis-py client per pool, not one per socket, and pickles read without an
                # integer parse first (pam_project/redis_clients.py).
                "CLIENT_CLASS": "pam_project.redis_clients.DefaultClient",
                "CONNECTION_FACTORY": "pam_project.redis_clients.ConnectionFactory",
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # channels-redis's layer that keeps sockets open through a Redis outage and rejoins
            # their groups after it (pam_project/channel_layer.py).
            "BACKEND": "pam_project.channel_layer.RedisChannelLayer",
            # redis-py 8 defaults socket_timeout to 5 s, which cuts channels-redis's 5 s blocking
            # pop short and kills every idle socket (django/channels_redis#422): allow longer.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 2}]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Off: the only errors the cache ignores are Redis failing, and the breaker logs each of those
# once instead of a traceback on every call while Redis is away.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
# Seconds Redis is not tried after a call to it failed (cache, rate limits); Redis back from an
# outage is used again within this time (issue 7 asks for 5 s).
PAM_REDIS_BREAKER_SECONDS = env_float("PAM_REDIS_BREAKER_SECONDS", 2.0)
# Worker threads a process runs the chat path's database calls in (pam_project/worker_threads.py);
# at most the pool's PAM_DB_POOL_MAX_SIZE connections are in use at once.
PAM_DB_THREADS = env_int("PAM_DB_THREADS", 6)

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses sign-ins after too many failures (pam_project/login_throttle.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PAM_LOGIN_FAILURE_LIMIT = env_int("PAM_LOGIN_FAILURE_LIMIT", 10)  # per username, and per client IP
PAM_LOGIN_LOCKOUT_MINUTES = env_int("PAM_LOGIN_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = PAM_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=PAM_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # two tallies, either one locks
AXES_USERNAME_CALLABLE = "pam_project.login_throttle.attempted_username"
AXES_CLIENT_IP_CALLABLE = "pam_project.login_throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "pam_project.login_throttle.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # failures are kept (the tallies); successful sign-ins are not logged
# Not reset on success: axes would clear the IP's tally too, so guessing at others' accounts
# between sign-ins to one's own would never be locked out.
AXES_RESET_ON_SUCCESS = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "pam_project.storage.CompressedManifestModulesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True

# One JSON object a line (python-json-logger) by default; "text" for a terminal. Each line carries
# the request's, turn's or task's id (pam_project/observability.py).
PAM_LOG_FORMAT = os.environ.get("PAM_LOG_FORMAT", "").strip().lower() or "json"
if PAM_LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"PAM_LOG_FORMAT must be json or text, got {PAM_LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "pam_project.observability.JsonFormatter"},
        "text": {"()": "pam_project.observability.TextFormatter"},
    },
    # Card numbers, emails, phone numbers, tokens and keys are masked on every handler
    # (pam_project/log_masking.py); a new handler must list "mask_secrets" too.
    "filters": {
        "mask_secrets": {"()": "pam_project.log_masking.MaskSecretsFilter"},
        "request_id": {"()": "pam_project.observability.RequestIdFilter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": PAM_LOG_FORMAT,
                             "filters": ["request_id", "mask_secrets"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("PAM_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's default handlers on these loggers (unmasked console, admin emails):
        # their records reach the masked console handler instead.
        "django": {"level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django_redis": {"level": "ERROR"},
        # axes says every sign-in at INFO; its warnings (failures, lockouts) mask the username and IP.
        "axes": {"level": "WARNING"},
        # httpx2 logs every request URL at INFO: place names and coordinates users asked about.
        "httpx2": {"level": "WARNING"},
    },
}

# --- PAM ---
ANTHROPIC_API_KEY = os.environ.get("ANTHROPIC_API_KEY", "")
ANTHROPIC_BASE_URL = os.environ.get("ANTHROPIC_BASE_URL", "") or None
# Claude Sonnet 5.5 is the current Sonnet (claude-sonnet-4-5 retires 2026-11-30).
PAM_MODEL = os.environ.get("PAM_MODEL", "claude-sonnet-5-5")
PAM_FALLBACK_MODELS = env_list("PAM_FALLBACK_MODELS", "claude-sonnet-5")
PAM_MAX_TOKENS = env_int("PAM_MAX_TOKENS", 2048)
PAM_LLM_CONNECT_TIMEOUT = env_float("PAM_LLM_CONNECT_TIMEOUT", 5.0)
PAM_LLM_READ_TIMEOUT = env_float("PAM_LLM_READ_TIMEOUT", 30.0)
PAM_LLM_TOTAL_TIMEOUT = env_float("PAM_LLM_TOTAL_TIMEOUT", 90.0)
PAM_BREAKER_FAILURES = env_int("PAM_BREAKER_FAILURES", 3)
PAM_BREAKER_RESET_SECONDS = env_float("PAM_BREAKER_RESET_SECONDS", 60.0)
# Abuse limits (assistant/ratelimit.py): token buckets in Redis, in-process while Redis is down.
PAM_CHAT_MESSAGES_PER_MINUTE = env_int("PAM_CHAT_MESSAGES_PER_MINUTE", 20)  # new chat messages per user
PAM_WS_FRAMES_PER_MINUTE = env_int("PAM_WS_FRAMES_PER_MINUTE", 120)  # any socket frames per user
# Socket connections per client IP: many RVers share one campground Wi-Fi address.
PAM_WS_CONNECTIONS_PER_MINUTE = env_int("PAM_WS_CONNECTIONS_PER_MINUTE", 60)
PAM_WS_AUTH_TIMEOUT_SECONDS = env_float("PAM_WS_AUTH_TIMEOUT_SECONDS", 10.0)  # for a program's first `auth` frame
# One running turn per user: the lock lapses this long after its last renewal (every third of it).
PAM_TURN_LOCK_SECONDS = env_float("PAM_TURN_LOCK_SECONDS", 30.0)
PAM_UNDO_SECONDS = env_int("PAM_UNDO_SECONDS", 600)  # how long a write tool call can be undone (issue 6)
# Maintenance counts as "due soon" within this many miles or days of its due point.
PAM_MAINTENANCE_DUE_SOON_MILES = env_int("PAM_MAINTENANCE_DUE_SOON_MILES", 500)
PAM_MAINTENANCE_DUE_SOON_DAYS = env_int("PAM_MAINTENANCE_DUE_SOON_DAYS", 14)
# Price per gallon for estimates before the user has logged a fill-up (US average, late 2026).
PAM_DEFAULT_FUEL_PRICE = env_float("PAM_DEFAULT_FUEL_PRICE", 3.50)
PAM_MAP_TILE_URL = os.environ.get("PAM_MAP_TILE_URL", "")  # map tiles, {z}/{x}/{y}; "" draws stops on a plain map
OPEN_METEO_URL = os.environ.get("OPEN_METEO_URL", "https://api.open-meteo.com")
# /metrics for a Prometheus scraper ("Authorization: Bearer <token>"); empty: staff sessions only.
PAM_METRICS_TOKEN = os.environ.get("PAM_METRICS_TOKEN", "").strip()
# Seconds each readiness check (/health/ready/) waits for Redis and the Celery broker.
PAM_HEALTH_TIMEOUT = env_float("PAM_HEALTH_TIMEOUT", 1.0)

# --- Proactive monitors: Celery on Redis, schedules in the database (django-celery-beat) ---
# Without Redis there is no broker: the app still runs, the monitors do not (`make run` says so).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_IGNORE_RESULT = True  # monitors record their runs in assistant.MonitorRun
CELERY_TASK_SOFT_TIME_LIMIT = env_int("PAM_MONITOR_SOFT_TIME_LIMIT", 240)  # seconds: the task is told to stop
CELERY_TASK_TIME_LIMIT = env_int("PAM_MONITOR_TIME_LIMIT", 300)  # seconds: the worker process is replaced
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long monitor runs should not hold queued runs hostage
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
DJANGO_CELERY_BEAT_TZ_AWARE = True
# Thresholds (DESIGN.md, "Proactive monitors"). A budget's own alert_threshold_percent (80 by
# default) overrides the budget "high" line per user.
PAM_FUEL_LOW_PERCENT = env_float("PAM_FUEL_LOW_PERCENT", 20.0)  # estimated tank below this: high
PAM_FUEL_CRITICAL_PERCENT = env_float("PAM_FUEL_CRITICAL_PERCENT", 10.0)  # below this: urgent
PAM_BUDGET_URGENT_PERCENT = env_float("PAM_BUDGET_URGENT_PERCENT", 95.0)  # of the month's budget: urgent
PAM_WEATHER_LOOKAHEAD_DAYS = env_int("PAM_WEATHER_LOOKAHEAD_DAYS", 7)  # trips starting within this many days
PAM_WEATHER_CLEAR_WINDOW_DAYS = env_int("PAM_WEATHER_CLEAR_WINDOW_DAYS", 3)  # clear days in a row worth a note
PAM_MONITOR_CHUNK_SIZE = env_int("PAM_MONITOR_CHUNK_SIZE", 5000)  # users per batch of a monitor's queries

# --- REST API (/api/v1/): JWT for programs, the session (with CSRF) for the web app's own pages ---
REST_FRAMEWORK = {
    # JWT first: its WWW-Authenticate header makes a missing or bad credential a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pam_project.api_support.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    # The API speaks JSON only (the pages send JSON too): form and multipart bodies, where every
    # value is a string, are refused with a 415 instead of being read loosely.
    "DEFAULT_PARSER_CLASSES": ["pam_project.api_support.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",  # APIClient in the tests sends JSON, as the API reads only that
    "DEFAULT_FILTER_BACKENDS": [
        "pam_project.api_support.FilterBackend",
        "pam_project.api_support.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "pam_project.api_support.PagePagination",
    "DEFAULT_THROTTLE_CLASSES": [
        "pam_project.api_support.AnonRateThrottle",
        "pam_project.api_support.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("PAM_API_ANON_RATE", "60/min"),
        "user": env_rate("PAM_API_USER_RATE", "600/min"),
        "auth_token": env_rate("PAM_API_TOKEN_RATE", "20/min"),
    },
    # Proxies in front of PAM that append to X-Forwarded-For; 0 trusts only the socket's address.
    "NUM_PROXIES": env_int("PAM_API_NUM_PROXIES", 0),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": datetime.timedelta(minutes=env_int("PAM_JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": datetime.timedelta(days=env_int("PAM_JWT_REFRESH_DAYS", 7)),
    # Each refresh returns a new refresh token and blacklists the old one, so a stolen refresh
    # token stops working once its owner has used it.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "PAM API",
    "DESCRIPTION": "The signed-in PAM user's expenses, income, budgets and reports; vehicles, fill-ups, "
    "maintenance, trips and saved places; and calendar. Money is a string with two places (\"45.20\") in the "
    "user's currency; dates are ISO 8601 in the user's timezone; distances in miles, fuel in US gallons.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # Separate request and response components, so read-only fields (id, created_at) are not inputs.
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind": name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "IncomeKindEnum": "finance.models.IncomeKind",
        "TripStopKindEnum": "travel.models.StopKind",
        "SavedPlaceKindEnum": "travel.models.SavedPlace.Kind",
        "CalendarEventKindEnum": "assistant.models.CalendarEvent.Kind",
        "ExpenseCategoryEnum": "finance.models.Category",
        "AlertCategoryEnum": "assistant.models.Alert.Category",
    },
    # Swagger UI's files come from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Travel ---
# Geocoding, routing and weather (travel/geo.py, travel/routing.py, travel/weather.py).
# A Nominatim-compatible geocoder (".../search?format=jsonv2&q=") and an OSRM-compatible router
# ("/route/v1/driving/..."): empty means the offline gazetteer and the road-factor estimate.
PAM_GEOCODER_URL = os.environ.get("PAM_GEOCODER_URL", "").strip()
PAM_GEOCODER_TIMEOUT = env_float("PAM_GEOCODER_TIMEOUT", 3.0)
PAM_ROUTER_URL = os.environ.get("PAM_ROUTER_URL", "").strip()
PAM_ROUTER_TIMEOUT = env_float("PAM_ROUTER_TIMEOUT", 5.0)
# Where the gazetteer's compact index is cached; empty means $XDG_CACHE_HOME/pam (~/.cache/pam).
PAM_GEO_CACHE_DIR = os.environ.get("PAM_GEO_CACHE_DIR", "").strip()
# Road miles ≈ great-circle miles × this circuity factor: Ballou, Rahe & Sunderland (2002),
# "Selected country circuity factors for road and rail network analysis", J. Business Logistics
# 23(2), give ~1.20 for the US; shorter, rural and mountain trips run higher, hence 1.25.
PAM_ROAD_DISTANCE_FACTOR = env_float("PAM_ROAD_DISTANCE_FACTOR", 1.25)
# An RV's pace: 50 mph average with stops, 6 hours a day (≈ 300 miles, near the RV community's
# "330 rule": stop by 330 miles or 3:30 pm).
PAM_RV_AVERAGE_MPH = env_float("PAM_RV_AVERAGE_MPH", 50.0)
PAM_RV_MAX_DRIVING_HOURS_PER_DAY = env_float("PAM_RV_MAX_DRIVING_HOURS_PER_DAY", 6.0)
PAM_WEATHER_TIMEOUT = env_float("PAM_WEATHER_TIMEOUT", 5.0)
PAM_WEATHER_CACHE_SECONDS = env_int("PAM_WEATHER_CACHE_SECONDS", 1800)
# Severe for a high-profile vehicle: the NWS issues a Wind Advisory for sustained winds of about
# 30-39 mph or gusts of about 45-57 mph (criteria vary by office; NWS Directive 10-515).
PAM_WEATHER_SEVERE_GUST_MPH = env_float("PAM_WEATHER_SEVERE_GUST_MPH", 45.0)
PAM_WEATHER_SEVERE_WIND_MPH = env_float("PAM_WEATHER_SEVERE_WIND_MPH", 30.0)
for _name in (
    "PAM_GEOCODER_TIMEOUT",
    "PAM_ROUTER_TIMEOUT",
    "PAM_RV_AVERAGE_MPH",
    "PAM_RV_MAX_DRIVING_HOURS_PER_DAY",
    "PAM_WEATHER_TIMEOUT",
    "PAM_WEATHER_SEVERE_GUST_MPH",
    "PAM_WEATHER_SEVERE_WIND_MPH",
    "PAM_FUEL_LOW_PERCENT",
    "PAM_FUEL_CRITICAL_PERCENT",
    "PAM_BUDGET_URGENT_PERCENT",
    "PAM_WEATHER_LOOKAHEAD_DAYS",
    "PAM_WEATHER_CLEAR_WINDOW_DAYS",
    "PAM_MONITOR_CHUNK_SIZE",
    "PAM_CHAT_MESSAGES_PER_MINUTE",
    "PAM_WS_FRAMES_PER_MINUTE",
    "PAM_WS_CONNECTIONS_PER_MINUTE",
    "PAM_WS_AUTH_TIMEOUT_SECONDS",
    "PAM_TURN_LOCK_SECONDS",
    "PAM_REDIS_BREAKER_SECONDS",
    "PAM_LOGIN_FAILURE_LIMIT",
    "PAM_LOGIN_LOCKOUT_MINUTES",
    "PAM_HEALTH_TIMEOUT",
    "PAM_DB_THREADS",
):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be greater than 0, got {globals()[_name]!r}")
if PAM_FUEL_CRITICAL_PERCENT > PAM_FUEL_LOW_PERCENT:
    raise ImproperlyConfigured("PAM_FUEL_CRITICAL_PERCENT must not be above PAM_FUEL_LOW_PERCENT")
if PAM_ROAD_DISTANCE_FACTOR < 1:
    raise ImproperlyConfigured(f"PAM_ROAD_DISTANCE_FACTOR must be at least 1, got {PAM_ROAD_DISTANCE_FACTOR!r}")
if PAM_RV_MAX_DRIVING_HOURS_PER_DAY > 24:
    raise ImproperlyConfigured("PAM_RV_MAX_DRIVING_HOURS_PER_DAY must be 24 or less")
if PAM_WEATHER_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("PAM_WEATHER_CACHE_SECONDS must be 0 or more")
