"""Check the free-text answers before cookiecutter writes a single file.

Each problem is printed as one line that says what to change; the exit status 1 makes
cookiecutter stop and remove the project directory it has just created.
Standard library only: this runs under the user's own Python, before anything is installed.
"""

import json
import keyword
import re
import sys

# The answers as JSON in a raw string: valid Python before and after rendering, and safe
# for any answer (the tojson filter escapes quotes, so none can end the string).
ANSWERS = json.loads(r'{{ cookiecutter | tojson }}')  # fmt: skip
PROJECT_NAME = ANSWERS["project_name"]
PROJECT_SLUG = ANSWERS["project_slug"]
AUTHOR_EMAIL = ANSWERS["author_email"]
FREE_TEXT_KEYS = ("project_name", "description", "author_name")

# MySQL user names have at most 32 characters, and the slug names the project's user.
MAX_SLUG_LENGTH = 32
# Ending in a letter or digit: the project's name in pyproject.toml, which is the slug,
# may not end in "_" (PEP 508), or pip and uv refuse to install it.
SLUG_PATTERN = re.compile(r"^[a-z]([a-z0-9_]*[a-z0-9])?$")
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

# Packages the generated project imports or installs, and names pytest and Alembic use:
# a project package with one of these names would shadow it. In lower case, as a slug is:
# where the file system ignores case (macOS, Windows), the project's `mysqldb` and the MySQL
# driver's `MySQLdb` would be one directory of site-packages.
TAKEN_NAMES = {
    "alembic",
    "annotated_types",
    "anyio",
    "argon2",
    "click",
    "fastapi",
    "h11",
    "httpx",
    "httpx2",
    "jwt",
    "migrations",
    "multipart",
    "mysqlclient",
    "mysqldb",
    "mypy",
    "pwdlib",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "psycopg",
    "psycopg_binary",
    "pytest",
    "python_multipart",
    "ruff",
    "sqlalchemy",
    "starlette",
    "test",
    "tests",
    "typing_extensions",
    "uvicorn",
}


def slug_problem(slug, name):
    """Return why `slug` cannot name the package, or None when it can."""
    fix = "answer project_slug=<name>, for example project_slug=my_service"
    if not re.search(r"[a-z0-9]", slug):
        return (
            f"project_slug is empty: project_name {name!r} has no ASCII letters or digits"
            f" to make it from; {fix}"
        )
    if not SLUG_PATTERN.match(slug):
        return (
            f"project_slug {slug!r} is not a valid package name: use lower-case ASCII"
            f" letters, digits and _, starting with a letter and ending in a letter or digit;"
            f" {fix}"
        )
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return f"project_slug {slug!r} is a Python keyword; {fix}"
    if len(slug) > MAX_SLUG_LENGTH:
        return (
            f"project_slug {slug!r} is longer than {MAX_SLUG_LENGTH} characters (it names the"
            f" MySQL user, which may not be longer); {fix}"
        )
    if slug in sys.stdlib_module_names or slug in TAKEN_NAMES:
        return (
            f"project_slug {slug!r} would shadow the module of the same name in the"
            f" standard library or a dependency; {fix}"
        )
    return None


def main():
    problems = []
    slug_error = slug_problem(PROJECT_SLUG, PROJECT_NAME)
    if slug_error:
        problems.append(slug_error)
    if not EMAIL_PATTERN.match(AUTHOR_EMAIL):
        problems.append(
            f"author_email {AUTHOR_EMAIL!r} does not look like an email address; answer for"
            " example author_email=you@example.com"
        )
    if not PROJECT_NAME.strip():
        problems.append("project_name is empty; answer for example project_name='My Service'")
    for key in FREE_TEXT_KEYS:
        # These answers are written into TOML strings and Python literals verbatim.
        if re.search(r'["\\\x00-\x1f\x7f]', ANSWERS[key]):
            problems.append(
                f"{key} {ANSWERS[key]!r} contains a double quote, backslash or control"
                " character; remove it"
            )
    for problem in problems:
        print("ERROR: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
