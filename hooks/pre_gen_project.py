"""Check the free-text answers before cookiecutter writes a single file.

Each problem is printed as one line that says what to change; the exit status 1 makes
cookiecutter stop and remove the project directory it has just created.
Standard library only: this runs under the user's own Python, before anything is installed.
"""

import keyword
import re
import sys


def answer(text):
    """Return an answer as the user typed it (JSON escapes emoji as surrogate pairs)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16")


PROJECT_NAME = answer({{ cookiecutter.project_name | tojson }})
PROJECT_SLUG = answer({{ cookiecutter.project_slug | tojson }})
FREE_TEXT = {
    "project_name": PROJECT_NAME,
    "description": answer({{ cookiecutter.description | tojson }}),
    "author_name": answer({{ cookiecutter.author_name | tojson }}),
}
AUTHOR_EMAIL = answer({{ cookiecutter.author_email | tojson }})

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

# Packages the generated project imports or installs, and names pytest and Alembic use:
# a project package with one of these names would shadow it.
TAKEN_NAMES = {
    "alembic", "annotated_types", "anyio", "argon2", "click", "cryptography", "fastapi",
    "h11", "httpx", "jwt", "migrations", "multipart", "mypy", "pwdlib", "pydantic",
    "pydantic_core", "pydantic_settings", "pymysql", "pytest", "python_multipart", "ruff",
    "sqlalchemy", "starlette", "test", "tests", "typing_extensions", "uvicorn",
}


def slug_problem(slug, name):
    """Return why `slug` cannot name the package, or None when it can."""
    fix = "answer project_slug=<name>, for example project_slug=my_service"
    if not re.search(r"[a-z0-9]", slug):
        return (
            "project_slug is empty: project_name {!r} has no ASCII letters or digits to make"
            " it from; {}".format(name, fix)
        )
    if not SLUG_PATTERN.match(slug):
        return (
            "project_slug {!r} is not a valid package name: use lower-case ASCII letters,"
            " digits and _, starting with a letter; {}".format(slug, fix)
        )
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return "project_slug {!r} is a Python keyword; {}".format(slug, fix)
    if slug in sys.stdlib_module_names or slug in TAKEN_NAMES:
        return (
            "project_slug {!r} would shadow the module of the same name in the standard"
            " library or a dependency; {}".format(slug, fix)
        )
    return None


def main():
    problems = []
    slug_error = slug_problem(PROJECT_SLUG, PROJECT_NAME)
    if slug_error:
        problems.append(slug_error)
    if not EMAIL_PATTERN.match(AUTHOR_EMAIL):
        problems.append(
            "author_email {!r} does not look like an email address; answer for example"
            " author_email=you@example.com".format(AUTHOR_EMAIL)
        )
    if not PROJECT_NAME.strip():
        problems.append("project_name is empty; answer for example project_name='My Service'")
    for key, value in FREE_TEXT.items():
        # These answers are written into TOML strings and Python literals verbatim.
        if re.search(r'["\\\x00-\x1f\x7f]', value):
            problems.append(
                "{} {!r} contains a double quote, backslash or control character; remove"
                " it".format(key, value)
            )
    for problem in problems:
        print("ERROR: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
