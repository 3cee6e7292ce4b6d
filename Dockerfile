FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY core ./core
COPY enterprises ./enterprises
COPY projects ./projects
COPY matchmaking ./matchmaking
COPY deals ./deals
COPY notifications ./notifications
COPY web ./web
RUN pip install .
COPY . .
RUN DJANGO_SETTINGS_MODULE=config.settings.local python manage.py compilemessages --ignore=.venv \
    && DJANGO_SETTINGS_MODULE=config.settings.local python manage.py collectstatic --noinput
RUN useradd --create-home parklink && chown -R parklink /app
USER parklink
EXPOSE 8000
# gthread workers, one process per core with 4 threads each (config/gunicorn.py; GUNICORN_*).
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application", "--access-logfile", "-"]
