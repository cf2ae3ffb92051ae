"""Finish the project: keep the files of the chosen database, write .env, record the answers.

Runs inside the new project directory. File operations and secret generation only:
standard library, no network, no subprocesses.
"""

import json
import secrets
import sys
from pathlib import Path

# The answers as JSON in a raw string: valid Python before and after rendering, and safe
# for any answer (the tojson filter escapes quotes, so none can end the string).
ANSWERS = json.loads(r'{{ cookiecutter | tojson }}')  # fmt: skip
DATABASE = ANSWERS["database"]
PACKAGE = ANSWERS["project_slug"]

# The files that differ between databases: each variant is a whole file, and the chosen
# one is renamed to the name the code imports. tests/test_template.py checks that every
# path listed here exists in the skeleton.
VARIANT_FILES = {
    "{package}/engine.py": {
        "sqlite": "{package}/engine_sqlite.py",
        "mysql": "{package}/engine_mysql.py",
    },
    "tests/isolated_database.py": {
        "sqlite": "tests/isolated_database_sqlite.py",
        "mysql": "tests/isolated_database_mysql.py",
    },
}
# Files that only one database needs.
DATABASE_ONLY_FILES = {
    "mysql": ["{package}/create_database.py"],
}


def choose_variant_files(root):
    for target, variants in VARIANT_FILES.items():
        for database, source in variants.items():
            path = root / source.format(package=PACKAGE)
            if database == DATABASE:
                path.replace(root / target.format(package=PACKAGE))
            else:
                path.unlink()
    for database, paths in DATABASE_ONLY_FILES.items():
        if database != DATABASE:
            for path in paths:
                (root / path.format(package=PACKAGE)).unlink()


def write_env_file(root):
    """Write .env from .env.example with secrets of its own, so no two bakes share one."""
    example = (root / ".env.example").read_text(encoding="utf-8")
    lines = ["# Written when the project was generated, with secrets of its own. Never commit it."]
    for line in example.splitlines():
        if line.startswith("SECRET_KEY="):
            line = "SECRET_KEY=" + secrets.token_urlsafe(48)
        elif line.startswith("DATABASE_URL="):
            line = line.replace("change-me", secrets.token_urlsafe(24))
        lines.append(line)
    env_file = root / ".env"
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env_file.chmod(0o600)


def record_answers(root):
    """Save the answers in cookiecutter's replay format, so the project can be re-baked."""
    answers = {
        key: value
        for key, value in ANSWERS.items()
        if not key.startswith("_") or key == "_template"
    }
    text = json.dumps({"cookiecutter": answers}, indent=2, ensure_ascii=False)
    (root / ".cookiecutter.json").write_text(text + "\n", encoding="utf-8")


def main():
    root = Path.cwd()
    choose_variant_files(root)
    write_env_file(root)
    record_answers(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
