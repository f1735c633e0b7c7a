"""A route errortrack does not serve: JSON under /api/, the HTML page elsewhere."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/0/no-such-thing/", "/api/0/organizations/alpha/nope/x/",
                                  "/api/0/projects/a/b/c/d/e/f/"])
def test_unknown_api_routes_answer_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "does not exist" in response.json()["detail"]


@pytest.mark.django_db
def test_a_hostile_path_is_not_echoed_as_markup(client):
    response = client.get("/api/0/<script>alert(1)</script>/")
    assert response["Content-Type"] == "application/json"
    assert response.status_code == 404


@pytest.mark.django_db
def test_pages_keep_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
