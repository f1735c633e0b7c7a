"""A database built by an older errortrack upgrades cleanly with the current code.

Databases record migration names, not module paths, but migration files import code by path
(`errortrack.fields.*`, `errortrack.models._hex32`). So moving modules around can break the
upgrade of an existing installation while every test on a fresh database still passes. This test
exports the tree of a pinned older commit, builds a database with it (migrate, bootstrap, one
event through its digest), then migrates that same database with the current tree, checks for
model drift, and reads the data back through the current models.

Each step is a `manage.py` subprocess run in its tree, with that tree on PYTHONPATH and the venv's
editable-install finder removed: that finder resolves any `errortrack.*` module the tree lacks from
the checkout it was installed from, which would hide a module the move lost. The scripts assert
that every loaded errortrack, health and alerts module came from the tree they meant.

Runs in both passes: SQLite in tmp_path (embedded), or a scratch database on the PostgreSQL
server of DATABASE_URL (scale-out), dropped afterwards.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import environ
import pytest

from tests.databases import database_url_for
from tests.servers import ROOT

# The last commit before the house-layout move (actions.py became a package, ingest/consume.py
# moved to digest/consume.py, health/crons.py became a package, ...). Pinned: the point is a
# database built by the code *before* the move, whatever the current tree looks like.
OLD_COMMIT = "428a2a1a6d65f78007bb28574b80100253a9b726"

COMMAND_TIMEOUT_SECONDS = 60
APPS = ("errortrack", "health", "alerts")
# `python -c TREE_ONLY manage.py ARGS`: manage.py without the editable install's import hooks
# (setuptools' __editable__ finder on sys.meta_path, its placeholder on sys.path).
TREE_ONLY = (
    "import runpy, sys; "
    "sys.meta_path[:] = [f for f in sys.meta_path "
    "if not getattr(f, '__module__', '').startswith('__editable__')]; "
    "sys.path[:] = [p for p in sys.path if not p.startswith('__editable__')]; "
    "sys.argv = sys.argv[1:]; runpy.run_path('manage.py', run_name='__main__')")
# Ends both scripts: the files of every loaded module of the three apps.
LOADED_FILES = f"""
import sys
loaded = sorted(m.__file__ for n, m in list(sys.modules.items())
                if n.split(".")[0] in {APPS!r} and getattr(m, "__file__", None))
"""
ORG = PROJECT = "upg"
EVENT_ID = "0123456789abcdef0123456789abcdef"
EXCEPTION_TYPE = "UpgradeCheckError"

# Run by the OLD tree: one event into the inbox, then the old consume job digests it. This names
# the old module paths on purpose; they are frozen with OLD_COMMIT.
OLD_STORE_EVENT = f"""
import json, orjson
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from errortrack.ingest.consume import consume_inbox
from errortrack.models import Event, InboxItem, Issue, Project

project = Project.objects.get(organization__slug={ORG!r}, slug={PROJECT!r})
payload = {{"platform": "python", "level": "error", "exception": {{"values": [
    {{"type": {EXCEPTION_TYPE!r}, "value": "before the move", "stacktrace": {{"frames": [
        {{"module": "shop.views", "function": "checkout", "lineno": 42, "in_app": True}}]}}}}]}}}}
InboxItem.objects.create(project=project, item_type="event", event_id={EVENT_ID!r},
                         headers={{}}, payload=orjson.dumps(payload))
stored = consume_inbox(timezone.now())
{LOADED_FILES}
print(json.dumps({{
    "modules": loaded,
    "vendor": connection.vendor,
    "stored": stored,
    "inbox_left": InboxItem.objects.count(),
    "events": Event.objects.count(),
    "issues": Issue.objects.count(),
    "applied_migrations": MigrationRecorder.Migration.objects.count(),
}}))
"""

# Run by the CURRENT tree after its migrate: the old data, read through the current models.
CURRENT_READ_BACK = f"""
import json
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from errortrack.models import Event, InboxItem, Issue, Organization, Project, ProjectKey

executor = MigrationExecutor(connection)
project = Project.objects.get(organization__slug={ORG!r}, slug={PROJECT!r})
key = ProjectKey.objects.get(project=project, is_active=True)
event = Event.objects.get(project=project, event_id={EVENT_ID!r})
{LOADED_FILES}
print(json.dumps({{
    "modules": loaded,
    "vendor": connection.vendor,
    "pending_migrations": len(executor.migration_plan(executor.loader.graph.leaf_nodes())),
    "applied_migrations": MigrationRecorder.Migration.objects.count(),
    "users": get_user_model().objects.filter(username="admin", is_superuser=True).count(),
    "organizations": Organization.objects.count(),
    "projects": Project.objects.count(),
    "project_id": project.pk,
    "keys": ProjectKey.objects.count(),
    "public_key": key.public_key,
    "events": Event.objects.count(),
    "issues": Issue.objects.count(),
    "inbox": InboxItem.objects.count(),
    "event_issue_title": event.issue.title if event.issue else None,
    "event_exception_type": event.data["exception"]["values"][0]["type"],
}}))
"""


def run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None,
        input_bytes: bytes | None = None, text: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env, input=input_bytes, check=False,
                          capture_output=True, text=text, timeout=COMMAND_TIMEOUT_SECONDS)


def checked(proc: subprocess.CompletedProcess, what: str) -> subprocess.CompletedProcess:
    if proc.returncode != 0:
        pytest.fail(f"{what} failed (exit {proc.returncode})\n"
                    f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}")
    return proc


def export_old_tree(dest: Path) -> Path:
    """`git archive OLD_COMMIT | tar -x`: the old tree, without the current checkout's files.

    Fails (never skips) without git or without the commit: CI runs on a full clone, and a skip
    here would silently drop the only upgrade check."""
    git = shutil.which("git")
    if git is None:
        pytest.fail("the upgrade test needs git, to export the tree of OLD_COMMIT; none on PATH")
    found = run([git, "-C", str(ROOT), "cat-file", "-e", f"{OLD_COMMIT}^{{commit}}"], cwd=ROOT)
    if found.returncode != 0:
        pytest.fail(f"commit {OLD_COMMIT} (OLD_COMMIT) is not in the repository at {ROOT}: the "
                    f"upgrade test needs a full git clone, not a shallow clone or a tarball.\n"
                    f"{found.stderr}")
    archive = checked(run([git, "-C", str(ROOT), "archive", OLD_COMMIT], cwd=ROOT, text=False),
                      f"git archive {OLD_COMMIT}")
    dest.mkdir()
    checked(run(["tar", "-x", "-C", str(dest)], cwd=dest, input_bytes=archive.stdout, text=False),
            "tar -x of the old tree")
    assert (dest / "manage.py").is_file() and (dest / "errortrack" / "migrations").is_dir()
    return dest


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for this test alone, as a DATABASE_URL."""
    configured = os.environ.get("DATABASE_URL", "")
    server = environ.Env.db_url_config(configured) if configured else {}
    if server.get("ENGINE") != "django.db.backends.postgresql":
        yield database_url_for({"ENGINE": "django.db.backends.sqlite3",
                                "NAME": str(tmp_path / "upgrade.sqlite3")})
        return
    import psycopg
    from psycopg import sql

    name = f"errortrack_upgrade_{secrets.token_hex(4)}"
    with psycopg.connect(database_url_for(server), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url_for({**server, "NAME": name})
    finally:
        with psycopg.connect(database_url_for(server), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                         .format(sql.Identifier(name)))


def manage_env(tree: Path, database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "DJANGO_SUPERUSER_PASSWORD")}
    env.update({
        "PYTHONPATH": str(tree),  # this tree's modules, not the editable install's
        "DATABASE_URL": database_url,
        "ERRORTRACK_DATA_DIR": str(data_dir),  # the embedded secret key, never ./data
        # Tasks sent on commit (alerts delivery) go to an in-process broker and are dropped: on
        # the shared Redis a worker of another test would run them against its own database.
        "CELERY_BROKER_URL": "memory://",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def manage(tree: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return checked(run([sys.executable, "-c", TREE_ONLY, "manage.py", *args], cwd=tree, env=env),
                   f"manage.py {' '.join(a if len(a) < 80 else '<script>' for a in args)} "
                   f"in {tree}")


def last_json_line(proc: subprocess.CompletedProcess) -> dict:
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no output from {proc.args}\n{proc.stderr}"
    return json.loads(lines[-1])


def assert_imported_from(modules: list[str], tree: Path) -> None:
    tree = tree.resolve()
    files = [Path(module).resolve() for module in modules]
    assert tree / "errortrack" / "__init__.py" in files, modules
    strays = [str(f) for f in files if not f.is_relative_to(tree)]
    assert not strays, f"modules not from {tree}, the tree this run was meant to use: {strays}"


def test_a_database_built_before_the_layout_move_upgrades_with_the_current_code(
        tmp_path: Path, database_url: str) -> None:
    old_tree = export_old_tree(tmp_path / "old")
    data_dir = tmp_path / "data"
    expected_vendor = "postgresql" if database_url.startswith("postgres") else "sqlite"

    # 1. The old code builds the database and puts data in it.
    old_env = manage_env(old_tree, database_url, data_dir)
    manage(old_tree, old_env, "migrate", "--noinput")
    boot = last_json_line(manage(old_tree, old_env, "bootstrap", "--org", ORG,
                                 "--project", PROJECT, "--json"))
    before = last_json_line(manage(old_tree, old_env, "shell", "-c", OLD_STORE_EVENT))
    assert_imported_from(before["modules"], old_tree)
    assert before["vendor"] == expected_vendor
    assert (before["stored"], before["inbox_left"], before["events"], before["issues"]) == (
        1, 0, 1, 1), before

    # 2. The current code migrates the same database, has no model drift, reads the data.
    current_env = manage_env(ROOT, database_url, data_dir)
    manage(ROOT, current_env, "migrate", "--noinput")
    manage(ROOT, current_env, "makemigrations", "--check", "--dry-run")
    after = last_json_line(manage(ROOT, current_env, "shell", "-c", CURRENT_READ_BACK))
    assert_imported_from(after["modules"], ROOT)
    assert after["vendor"] == expected_vendor
    assert after["pending_migrations"] == 0
    assert after["applied_migrations"] >= before["applied_migrations"]
    counts = {k: after[k] for k in ("users", "organizations", "projects", "keys", "events",
                                    "issues", "inbox")}
    assert counts == {"users": 1, "organizations": 1, "projects": 1, "keys": 1, "events": 1,
                      "issues": 1, "inbox": 0}
    # The DSN the old bootstrap printed still names the project and key the database holds.
    assert f"//{after['public_key']}@" in boot["dsn"]
    assert boot["dsn"].rstrip("/").endswith(f"/{after['project_id']}")
    assert after["event_exception_type"] == EXCEPTION_TYPE
    assert after["event_issue_title"].startswith(EXCEPTION_TYPE)
