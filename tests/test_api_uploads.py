"""sentry-cli's upload options, `debug-files upload` (refused with a reason) and `repos list`
(empty until repositories exist): owner, member, outsider and hostile input."""

import pytest

OPTIONS = "/api/0/organizations/alpha/chunk-upload/"
DIFS = "/api/0/projects/alpha/web/files/difs/assemble/"
REPOS = "/api/0/organizations/alpha/repos/"


@pytest.fixture
def call(api_call):
    return api_call


@pytest.mark.django_db
def test_the_chunk_upload_options_have_what_sentry_cli_requires(call, bob):
    response = call(bob, "get", OPTIONS)
    assert response.status_code == 200
    options = response.json()
    # sentry-cli src/api/data_types/chunking/upload/options.rs: required url, chunkSize
    # (non-zero), chunksPerRequest, maxRequestSize, hashAlgorithm, concurrency.
    assert options["url"].endswith("/api/0/organizations/alpha/chunk-upload/")
    assert options["chunkSize"] > 0 and options["chunkSize"] & (options["chunkSize"] - 1) == 0
    assert isinstance(options["chunksPerRequest"], int)
    assert isinstance(options["maxRequestSize"], int) and isinstance(options["concurrency"], int)
    assert options["hashAlgorithm"] == "sha1"
    assert "artifact_bundles" in options["accept"]  # cli 3.0.x needs it (PROTOCOL §12.1)


@pytest.mark.django_db
def test_every_debug_file_is_refused_with_the_reason(call, bob):
    body = {"a" * 40: {"name": "app.dSYM", "debug_id": "x", "chunks": ["a" * 40]},
            "b" * 40: {"name": "libfoo.so", "chunks": []}}
    response = call(bob, "post", DIFS, body)
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == set(body)
    for entry in answer.values():
        # sentry-cli src/api/data_types/chunking/dif.rs: state, missingChunks, detail.
        assert entry["state"] == "error" and entry["missingChunks"] == []
        assert "does not support native debug files" in entry["detail"]


@pytest.mark.django_db
def test_repositories_are_an_empty_page(call, bob):
    response = call(bob, "get", REPOS)
    assert response.status_code == 200 and response.json() == []
    assert 'rel="next"; results="false"' in response["Link"]


@pytest.mark.django_db
@pytest.mark.parametrize("method,url", [("get", OPTIONS), ("post", DIFS), ("get", REPOS)])
def test_outsiders_get_404(call, alice, charlie, method, url):
    response = call(charlie, method, url, {})
    assert response.status_code == 404 and "detail" in response.json()


@pytest.mark.django_db
def test_tokens_need_their_scopes(call, alice):
    assert call(alice, "get", OPTIONS, scopes=["org:read"]).status_code == 403
    assert call(alice, "post", DIFS, {}, scopes=["org:read"]).status_code == 403
    assert call(alice, "get", REPOS, scopes=["project:read"]).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "{not json", "12"])
def test_a_body_that_is_not_a_map_is_a_400(call, alice, raw):
    response = call(alice, "post", DIFS, raw=raw)
    assert response.status_code == 400 and "detail" in response.json()


@pytest.mark.django_db
def test_too_many_files_is_a_400(call, alice):
    body = {f"{n:040x}": {"name": "f", "chunks": []} for n in range(1001)}
    response = call(alice, "post", DIFS, body)
    assert response.status_code == 400 and "At most" in response.json()["detail"]


@pytest.mark.django_db
def test_a_bad_cursor_on_repositories_is_a_400(call, alice):
    response = call(alice, "get", f"{REPOS}?cursor=x")
    assert response.status_code == 400 and "detail" in response.json()
