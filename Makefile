# PAM: `make run` starts it, `make test` runs every test. Both install what is missing first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install browser lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)
	@$(BIN)/python -m travel.geo

# Debian's Chromium for the browser test (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser test…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# A local first look: DEBUG on, PostgreSQL and Redis used when they answer, the demo user seeded,
# and with Redis one Celery worker running the monitors with an embedded beat (so exactly one beat).
run: install
	@eval "$$($(BIN)/python scripts/dev_env.py)"; \
	export DJANGO_DEBUG=$${DJANGO_DEBUG:-1}; \
	DATABASE_URL=$${DATABASE_OWNER_URL:-$$DATABASE_URL} $(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py seed_demo && \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	if [ -n "$$REDIS_URL" ]; then processes="web worker"; else \
		echo "No Redis: the proactive monitors (Celery) do not run; start Redis for alerts."; processes=web; fi && \
	echo "PAM is starting on http://$(HOST):$(PORT)/" && \
	PAM_HOST=$(HOST) PAM_PORT=$(PORT) exec $(BIN)/honcho start $$processes

# The tests connect as the owner role (they create their database), never as a superuser, so row
# level security holds in every test (scripts/db_roles.py, docs/security.md).
# Two workers, a test file each at a time: most tests wait on sockets and servers, not the CPU.
TEST_WORKERS ?= 2
test: install browser
	$(BIN)/python scripts/db_roles.py
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
