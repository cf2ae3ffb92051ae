"""/docs and /redoc load everything from the service itself, and API_DOCS=false hides them."""

import re

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.app import create_app
from tests.conftest import make_settings

PAGES = ["/docs", "/redoc"]
# Every address a page gives the browser: attributes, and the quoted strings of its script.
ADDRESS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)|(?:url|spec-url)\s*:\s*['"]([^'"]+)""")


def addresses(html: str) -> list[str]:
    return [first or second for first, second in ADDRESS.findall(html)]


@pytest.mark.parametrize("page", PAGES)
def test_a_docs_page_loads_nothing_from_elsewhere(client: TestClient, page: str) -> None:
    response = client.get(page)

    assert response.status_code == 200
    found = addresses(response.text)
    assert found, response.text  # the page names its script, its style or its schema
    assert not re.search(r"https?:|//", response.text.replace("</", "")), found
    assert all(address.startswith("/") for address in found), found


@pytest.mark.parametrize("page", PAGES)
def test_every_file_a_docs_page_names_is_served(client: TestClient, page: str) -> None:
    found = addresses(client.get(page).text)

    answers = {address: client.get(address).status_code for address in found}

    assert set(answers.values()) == {200}, answers


def test_the_docs_files_are_sent_compressed_to_a_browser_that_takes_it(
    client: TestClient,
) -> None:
    response = client.get(
        "/docs-assets/swagger-ui/swagger-ui-bundle.js", headers={"Accept-Encoding": "gzip"}
    )

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.num_bytes_downloaded < len(response.content) / 2


def test_swagger_ui_asks_no_validator_about_the_schema(client: TestClient) -> None:
    # Swagger UI's default sends the schema's URL to validator.swagger.io for a badge.
    assert re.search(r'"validatorUrl":\s*null', client.get("/docs").text)


def test_the_authorize_buttons_redirect_page_is_served(client: TestClient) -> None:
    response = client.get("/docs/oauth2-redirect")

    assert response.status_code == 200
    assert "oauth2" in response.text


def test_the_pages_follow_the_path_a_proxy_serves_them_under(database_url: str) -> None:
    app = create_app(make_settings(database_url))

    with TestClient(app, root_path="/service") as client:
        page = client.get("/docs").text

    assert "/service/openapi.json" in page
    assert "/service/docs-assets/swagger-ui/swagger-ui-bundle.js" in page


def test_api_docs_false_publishes_neither_the_schema_nor_the_pages(database_url: str) -> None:
    app = create_app(make_settings(database_url, api_docs=False))

    hidden = [*PAGES, "/openapi.json", "/docs/oauth2-redirect", "/docs-assets/redoc/LICENSE"]
    with TestClient(app) as client:
        answers = {path: client.get(path).status_code for path in hidden}
        health = client.get("/health/live").status_code

    assert set(answers.values()) == {404}, answers
    assert health == 200
