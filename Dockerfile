# syntax=docker/dockerfile:1
# The Scent's production image: gunicorn serving Django; WhiteNoise serves the hashed,
# compressed static files. `fly deploy` builds it; locally: `docker build -t the-scent .`
# Processes (fly.toml [processes]): the default CMD (web), `scent worker`, `scent schedule work`.

ARG PYTHON_VERSION=3.13

# ---- build: a virtualenv with the locked runtime dependencies, then the code -------------
FROM python:${PYTHON_VERSION}-slim AS build

# mysqlclient compiles against MariaDB's client library; the compiler stays in this stage.
# Debian packages are not pinned to versions on purpose: the base image tag pins the Debian
# release, and every rebuild should pick up that release's security updates (DL3008).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential pkg-config libmariadb-dev \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
RUN python -m venv /app/.venv

# Dependencies before the code: this layer is rebuilt only when the lock changes.
COPY pyproject.toml constraints.txt ./
COPY deploy/requirements.py deploy/requirements.py
RUN python deploy/requirements.py mysql > /tmp/requirements.txt \
    && /app/.venv/bin/pip install -c constraints.txt -r /tmp/requirements.txt

COPY . .
# The guide's `npm run build`: collectstatic writes hashed, compressed copies that WhiteNoise
# serves with far-future cache headers. Production settings refuse to load without a key and
# an https URL; these build-only placeholders never reach the running image's environment.
RUN APP_ENV=production \
    APP_KEY=build-only-placeholder-key-not-used-at-run-time-0123456789abcdef \
    APP_URL=https://build.invalid ALLOW_TEST_GATEWAY=true STATIC_MANIFEST=true \
    DB_CONNECTION=sqlite DB_DATABASE=:memory: CACHE_DRIVER=locmem SESSION_DRIVER=cookie \
    /app/.venv/bin/python manage.py collectstatic --noinput \
    && install -m 0755 deploy/bin/scent /app/.venv/bin/scent \
    && mkdir -p /app/storage

# ---- app: the runtime image, no compiler ---------------------------------------------------
FROM python:${PYTHON_VERSION}-slim AS app

# DL3008: unpinned for the same reason as above (security updates on every rebuild).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmariadb3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 scent \
    && useradd --system --uid 10001 --gid scent --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin scent

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    LOG_CHANNEL=stderr \
    STATIC_MANIFEST=true \
    STORAGE_PATH=/app/storage \
    PORT=8080
WORKDIR /app

# The code and the virtualenv stay owned by root (the app cannot rewrite itself);
# only storage/ (logs, sessions, local uploads, SQLite for a demo) is the app's.
COPY --from=build /app /app
COPY --from=build --chown=10001:10001 /app/storage /app/storage
USER 10001:10001

EXPOSE 8080
# No curl in a slim image: Python asks the liveness route (no database hit).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/up' % os.environ.get('PORT', '8080'), timeout=4)"]

# Exec form: the entrypoint execs gunicorn, so SIGTERM from Fly (or `docker stop`) reaches
# gunicorn's master, which stops accepting and lets in-flight requests finish within
# graceful_timeout. On Fly the VM's init is PID 1; with plain Docker use `docker run --init`.
ENTRYPOINT ["/app/deploy/docker/entrypoint.sh"]
CMD ["gunicorn", "--config", "/app/deploy/gunicorn.conf.py", "scent.wsgi"]
