"""The database URLs, for the migrations and create-database: they need no other setting."""

from pydantic import ValidationError{{ ", field_validator" if cookiecutter.database == "mysql" }}
from pydantic_settings import BaseSettings, SettingsConfigDict

from {{ cookiecutter.project_slug }}.core.config import Settings{{ ", require_mysqlclient" if cookiecutter.database == "mysql" }}


class DatabaseUrls(BaseSettings):
    """DATABASE_URL and MIGRATION_DATABASE_URL, from the environment or .env."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # The service's account, which reads and writes rows (the app's own setting).
    database_url: str = Settings.model_fields["database_url"].default
    # The account that changes the schema, which the service's cannot; unset, the
    # migrations use DATABASE_URL's (SQLite, whose one file has no accounts).
    migration_database_url: str | None = None
{%- if cookiecutter.database == "mysql" %}

    @field_validator("database_url", "migration_database_url")
    @classmethod
    def check_mysql_driver(cls, url: str | None) -> str | None:
        return url if url is None else require_mysqlclient(url)
{%- endif %}

    @property
    def for_migrations(self) -> str:
        """The URL the migrations connect with."""
        return self.migration_database_url or self.database_url


def load_database_urls() -> DatabaseUrls:
    """Read the URLs, or stop the program with one line per problem."""
    try:
        return DatabaseUrls()
    except ValidationError as error:
        problems = [f"{str(item['loc'][0]).upper()}: {item['msg']}" for item in error.errors()]
        raise SystemExit("Invalid settings. " + "; ".join(problems)) from None
