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
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
