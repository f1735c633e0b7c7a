"""The real ASGI server (uvicorn via `manage.py serve`) as end-to-end tests see it."""

import requests

from errortrack import actions, tokens
from tests.servers import scale_out


def test_it_serves_ready_against_the_test_database(errortrack_server):
    response = requests.get(f"{errortrack_server.url}/health/ready", timeout=5)
    assert response.status_code == 200
    assert response.json()["components"]["database"]["status"] == "ok"


def test_it_reads_rows_the_test_committed(errortrack_server, transactional_db, alice):
    _, token = actions.create_api_token(alice, "e2e", ["org:read"])
    response = requests.get(f"{errortrack_server.url}/api/0/",
                            headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 200
    assert response.json()["auth"] == {"scopes": ["org:read"]}
    assert response.json()["user"]["username"] == "alice"


def test_it_rejects_an_unknown_token_with_401(errortrack_server):
    response = requests.get(f"{errortrack_server.url}/api/0/", timeout=5,
                            headers={"Authorization": f"Bearer {tokens.generate_token()}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_ready_answers_503_naming_the_database_when_it_is_unreachable(start_own_server,
                                                                     tmp_path):
    # A PostgreSQL URL on a port nothing listens on, or a SQLite file in a missing directory.
    broken = ("postgres://nobody@127.0.0.1:9/nowhere" if scale_out()
              else f"sqlite:///{tmp_path}/missing-dir/db.sqlite3")
    server = start_own_server(all_processes=False, database_url=broken,
                              ERRORTRACK_DB_POOL_TIMEOUT_SECONDS="2")
    assert requests.get(f"{server.url}/health/live", timeout=5).status_code == 200
    response = requests.get(f"{server.url}/health/ready", timeout=15)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["components"]["database"]["status"] == "fail"
    assert body["components"]["database"]["error"]
