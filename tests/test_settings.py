"""Settings come from the environment. They are evaluated at import, so each case runs Django in a
subprocess with a controlled environment and reads the settings back as JSON."""

import json
import os
import stat
import subprocess
import sys

import pytest
from django.db import connection

from tests.servers import ROOT

CLEARED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SECRET_KEY_FILE", "BASE_URL",
           "ALLOWED_HOSTS", "EMAIL_URL", "DEBUG", "HOST", "PORT", "CELERY_BROKER_URL")
READ_BACK = """
import django, json
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "EMBEDDED": s.EMBEDDED, "ENGINE": db["ENGINE"], "NAME": str(db["NAME"]),
    "OPTIONS": {k: v for k, v in db.get("OPTIONS", {}).items()},
    "CONN_MAX_AGE": db.get("CONN_MAX_AGE"), "SECRET_KEY": s.SECRET_KEY, "DEBUG": s.DEBUG,
    "BASE_URL": s.BASE_URL, "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "CACHE": s.CACHES["default"]["BACKEND"], "LAYER": s.CHANNEL_LAYERS["default"]["BACKEND"],
    "BROKER": s.CELERY_BROKER_URL, "EMAIL_HOST": s.EMAIL_HOST, "EMAIL_PORT": s.EMAIL_PORT,
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
}, default=str))
"""
SCALE_OUT = {"DATABASE_URL": "postgres://u:p@db.example:5432/et",
             "REDIS_URL": "redis://cache.example:6379/0", "SECRET_KEY": "s" * 50}


def load_settings(data_dir, **overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(DJANGO_SETTINGS_MODULE="errortrack.settings", ERRORTRACK_DATA_DIR=str(data_dir))
    env.update(overrides)
    return subprocess.run([sys.executable, "-c", READ_BACK], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def settings_for(data_dir, **overrides: str) -> dict:
    proc = load_settings(data_dir, **overrides)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_defaults_are_embedded_mode_on_sqlite(tmp_path):
    s = settings_for(tmp_path)
    assert s["EMBEDDED"] is True and s["DEBUG"] is False
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["NAME"] == str(tmp_path / "errortrack.sqlite3")
    assert "journal_mode=WAL" in s["OPTIONS"]["init_command"]
    assert "busy_timeout=5000" in s["OPTIONS"]["init_command"]
    assert s["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert s["CACHE"].endswith("LocMemCache") and s["LAYER"].endswith("InMemoryChannelLayer")
    assert s["BASE_URL"] == "http://127.0.0.1:8000"
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_the_generated_secret_key_is_kept_private_and_stable(tmp_path):
    first, second = settings_for(tmp_path), settings_for(tmp_path)
    key_file = tmp_path / "secret_key"
    assert first["SECRET_KEY"] == second["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert settings_for(tmp_path / "other")["SECRET_KEY"] != first["SECRET_KEY"]


def test_secrets_can_come_from_files(tmp_path):
    secret = tmp_path / "key.txt"
    secret.write_text("from-a-file-" + "k" * 40)
    assert settings_for(tmp_path, SECRET_KEY_FILE=str(secret))["SECRET_KEY"] == secret.read_text()


def test_redis_without_postgres_is_refused_with_a_clear_message(tmp_path):
    proc = load_settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert proc.returncode != 0
    assert "PostgreSQL DATABASE_URL" in proc.stderr


def test_scale_out_requires_a_secret_key(tmp_path):
    env = {k: v for k, v in SCALE_OUT.items() if k != "SECRET_KEY"}
    proc = load_settings(tmp_path, **env)
    assert proc.returncode != 0
    assert "SECRET_KEY" in proc.stderr
    assert not (tmp_path / "secret_key").exists()


def test_scale_out_uses_postgres_pool_redis_cache_layer_and_broker(tmp_path):
    s = settings_for(tmp_path, **SCALE_OUT)
    assert s["EMBEDDED"] is False
    assert s["ENGINE"] == "django.db.backends.postgresql" and s["NAME"] == "et"
    assert s["CONN_MAX_AGE"] == 0
    assert s["OPTIONS"]["pool"]["max_size"] == 10 and s["OPTIONS"]["pool"]["timeout"] == 10.0
    assert s["CACHE"].endswith("RedisCache") and s["LAYER"].endswith("RedisChannelLayer")
    assert s["BROKER"] == SCALE_OUT["REDIS_URL"]


def test_hosts_follow_base_url_unless_given(tmp_path):
    s = settings_for(tmp_path, BASE_URL="https://errors.example.com/")
    assert s["BASE_URL"] == "https://errors.example.com"
    assert "errors.example.com" in s["ALLOWED_HOSTS"]
    s = settings_for(tmp_path, ALLOWED_HOSTS="a.example, b.example")
    assert s["ALLOWED_HOSTS"] == ["a.example", "b.example"]


def test_the_default_base_url_follows_host_and_port(tmp_path):
    assert settings_for(tmp_path, PORT="9123")["BASE_URL"] == "http://127.0.0.1:9123"
    assert settings_for(tmp_path, HOST="0.0.0.0")["BASE_URL"] == "http://localhost:8000"


@pytest.mark.parametrize("base_url", ["errors.example.com", "ftp://x.example", "http://"])
def test_a_base_url_that_is_no_http_url_is_refused(tmp_path, base_url):
    proc = load_settings(tmp_path, BASE_URL=base_url)
    assert proc.returncode != 0
    assert "BASE_URL" in proc.stderr


def test_email_url_configures_smtp(tmp_path):
    s = settings_for(tmp_path, EMAIL_URL="smtp://u:p@mail.example.com:2525")
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"]) == ("mail.example.com", 2525)
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.django_db
def test_sqlite_connections_really_use_wal():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
