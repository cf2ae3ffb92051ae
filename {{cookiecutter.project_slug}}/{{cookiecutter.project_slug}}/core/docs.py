"""The interactive API docs, /docs (Swagger UI) and /redoc, with every file they load.

FastAPI's own pages load Swagger UI and ReDoc from a public CDN, ReDoc's fonts from Google
and the favicon from FastAPI's site: behind a proxy, on an air-gapped network or offline,
they stay blank. These are the same pages, built by FastAPI's own functions, loading the
copies in static/ instead (their versions and licences: static/README.md).
"""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parents[1] / "static"  # the package's static/, beside core/
ASSETS = "/docs-assets"
SWAGGER_UI_REDIRECT = "/docs/oauth2-redirect"
# Swagger UI asks validator.swagger.io about the schema and shows its badge, unless told not to.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}


def add_api_docs(app: FastAPI) -> None:
    """Serve /docs, /redoc and their files; the app is made with docs_url=redoc_url=None."""
    # Compressed for browsers that take it: Swagger UI's script is 1.7 MB, 0.5 MB gzipped.
    # Only these files: the API's own answers are small, and compressing them costs CPU.
    files = GZipMiddleware(StaticFiles(directory=STATIC), minimum_size=1024)
    app.mount(ASSETS, files, name="docs-assets")

    # root_path is where a proxy mounts the service (serve --root-path): the pages are
    # read by a browser, which must ask for the schema and the files under it too.
    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/swagger-ui/favicon-32x32.png",
            # Where the Authorize button's login returns to (used by OAuth2 flows that
            # pass through a browser redirect; the password flow of this API does not).
            oauth2_redirect_url=f"{root}{SWAGGER_UI_REDIRECT}",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    @app.get(SWAGGER_UI_REDIRECT, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
