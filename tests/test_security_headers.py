"""Pages carry the headers that keep hostile event data inert and the UI unframeable."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/organizations/alpha/issues/",
                                  "/api/docs/"])
def test_pages_send_csp_and_refuse_framing(client, alice, path):
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split(
        "script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_api_docs_load_their_script_from_the_same_site(client, alice):
    """Swagger UI's start-up script is a separate same-site request, so the policy holds."""
    client.force_login(alice)
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
