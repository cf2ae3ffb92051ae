"""The ASGI entry point: `uvicorn {{ cookiecutter.project_slug }}.main:app`.

Importing this module builds the app from the environment and .env, so tests import
`create_app` from `{{ cookiecutter.project_slug }}.app` instead and pass their own settings.
"""

from {{ cookiecutter.project_slug }}.app import create_app

app = create_app()
