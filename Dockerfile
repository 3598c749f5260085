# socialrx: one image for the web app (gunicorn), the Celery worker and Celery beat.
# The NHS.UK front-end and the other npm packages are installed at build time, never committed.

# --- front-end packages ----------------------------------------------------------------------
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- the app ---------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=socialrx.settings.production \
    PYTHONPATH=/app \
    MEDIA_ROOT=/app/media

WORKDIR /app
RUN useradd --create-home --uid 1000 socialrx

# Dependencies only, from pyproject.toml, before the code is copied (so a code change does not
# reinstall them): install the project with empty packages, then remove the project itself.
# The app runs from /app (PYTHONPATH), where settings find templates and static files.
COPY pyproject.toml ./
RUN mkdir -p socialrx referrals assets champions outcomes \
    && touch socialrx/__init__.py referrals/__init__.py assets/__init__.py \
       champions/__init__.py outcomes/__init__.py \
    && pip install . \
    && pip uninstall -y socialrx \
    && rm -rf build *.egg-info

COPY --from=frontend /app/node_modules ./node_modules
COPY . .

# Static files are collected with the production settings (hashed, compressed names served by
# WhiteNoise). The build needs no real secrets: these placeholders exist only in this step.
RUN SECRET_KEY=collectstatic-only PATIENT_KEY_PEPPER=collectstatic-only \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R socialrx:socialrx /app/media

USER socialrx
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gunicorn", "socialrx.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
