# Kith web image: Django + Wagtail served by gunicorn on port 8000.
# Used by docker-compose.yml (web + PostgreSQL + Elasticsearch).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that this layer is reused
# until the dependency list changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself. The source also stays in /app and the app runs from
# there (manage.py and gunicorn put /app first on sys.path), because the
# project-level templates/ directory is not part of the installed package.
COPY . .
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info

# Static files are collected at build time (WhiteNoise serves them). The
# development defaults are enough for collectstatic: no secret or database.
RUN python manage.py collectstatic --noinput

# Run as an unprivileged user; it owns only the media directory.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home kith \
    && mkdir -p "$MEDIA_ROOT" \
    && chown kith:kith "$MEDIA_ROOT"
USER kith

EXPOSE 8000
# WEB_CONCURRENCY (read by gunicorn) sets the number of worker processes.
CMD ["gunicorn", "kith.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-"]
