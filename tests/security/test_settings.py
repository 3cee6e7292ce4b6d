"""Production settings pass `check --deploy`; every response carries the Content-Security-Policy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def test_production_settings_pass_the_deployment_checks_without_a_warning():
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process; production never has it.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-0123456789",
        "DJANGO_ALLOWED_HOSTS": "parklink.example",
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parklink"
        ),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production")
    env["DJANGO_ALLOWED_HOSTS"] = "parklink.example"

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["web:home", "web:project_list", "web:login", "admin:login"])
def test_pages_carry_the_strict_content_security_policy(client, url):
    response = client.get(reverse(url))

    assert response.status_code == 200
    directives = {part.strip() for part in response["Content-Security-Policy"].split(";")}
    assert directives == {part.strip() for part in CSP.split(";")}


@pytest.mark.django_db
def test_api_docs_load_swagger_ui_from_this_site_not_a_cdn(client):
    page = client.get("/api/docs/").content.decode()

    assert "cdn.jsdelivr.net" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "<script>" not in page
