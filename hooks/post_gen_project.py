"""Finish the project: keep the files of the chosen database, write .env, record the answers.

Runs inside the new project directory. File operations and secret generation only:
standard library, no network, no subprocesses.
"""

import json
import runpy
import shutil
import sys
from pathlib import Path

# The answers as JSON in a raw string: valid Python before and after rendering, and safe
# for any answer (the tojson filter escapes quotes, so none can end the string).
ANSWERS = json.loads(r'{{ cookiecutter | tojson }}')  # fmt: skip
DATABASE = ANSWERS["database"]
PACKAGE = ANSWERS["project_slug"]

# The files that differ between databases: each variant is a whole file, and the chosen
# one is renamed to the name the code imports (a database without one gets no such file).
# tests/test_template.py checks that every path listed here exists in the skeleton.
VARIANT_FILES = {
    "{package}/core/database/engine.py": {
        "sqlite": "{package}/core/database/engine_sqlite.py",
        "mysql": "{package}/core/database/engine_mysql.py",
        "postgresql": "{package}/core/database/engine_postgresql.py",
    },
    "{package}/core/database/create_database.py": {
        "mysql": "{package}/core/database/create_database_mysql.py",
        "postgresql": "{package}/core/database/create_database_postgresql.py",
    },
    "tests/isolated_database.py": {
        "sqlite": "tests/isolated_database_sqlite.py",
        "mysql": "tests/isolated_database_mysql.py",
        "postgresql": "tests/isolated_database_postgresql.py",
    },
    "tests/test_connection_pool.py": {
        "mysql": "tests/test_connection_pool_mysql.py",
        "postgresql": "tests/test_connection_pool_postgresql.py",
    },
    ".github/workflows/ci.yml": {
        "sqlite": ".github/workflows/ci_sqlite.yml",
        "mysql": ".github/workflows/ci_mysql.yml",
        "postgresql": ".github/workflows/ci_postgresql.yml",
    },
    "docker-compose.yml": {
        "sqlite": "docker-compose_sqlite.yml",
        "mysql": "docker-compose_mysql.yml",
        "postgresql": "docker-compose_postgresql.yml",
    },
    # The exact versions to install, resolved ahead by the template's `make lock`.
    "uv.lock": {
        "sqlite": "uv_sqlite.lock",
        "mysql": "uv_mysql.lock",
        "postgresql": "uv_postgresql.lock",
    },
}
# Files and directories that only some databases need, and which. deploy/k8s runs several
# replicas on one database server; SQLite is a file on one disk, which replicas cannot share.
DATABASE_ONLY_PATHS = {
    "tests/test_connection_settings.py": ["sqlite"],
    # SQLite's token check reads in the event loop, by design: there is no server to stall.
    "tests/test_stalled_token_check.py": ["mysql", "postgresql"],
    "tests/test_role_password.py": ["postgresql"],
    "{package}/core/database/accounts.py": ["mysql", "postgresql"],
    "tests/test_database_accounts.py": ["mysql", "postgresql"],
    "tests/test_sqlite_migrations.py": ["sqlite"],
    "{package}/core/database/idle_ping.py": ["mysql", "postgresql"],
    "tests/test_connection_options.py": ["mysql", "postgresql"],
    "deploy/k8s": ["mysql", "postgresql"],
}


def choose_variant_files(root):
    for target, variants in VARIANT_FILES.items():
        for database, source in variants.items():
            path = root / source.format(package=PACKAGE)
            if database == DATABASE:
                path.replace(root / target.format(package=PACKAGE))
            else:
                path.unlink()
    for name, databases in DATABASE_ONLY_PATHS.items():
        if DATABASE not in databases:
            remove(root, root / name.format(package=PACKAGE))


def remove(root, path):
    """Delete a file or a directory tree, then the directories it leaves empty."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    parent = path.parent
    while parent != root and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def write_env_file(root):
    """Let the project write its own .env (fresh secrets), as `make` does on a fresh clone."""
    make_env = runpy.run_path(str(root / "scripts" / "make_env.py"))["make_env"]
    make_env(root)


def record_answers(root):
    """Save the answers for `cruft link`, unless cruft is baking (its .cruft.json has them).

    cruft adds `_commit` to the answers; cookiecutter alone does not. The file is flat JSON,
    what `cruft link --extra-context` takes; the template's README shows the command.
    """
    if "_commit" in ANSWERS:
        return
    answers = {
        key: value
        for key, value in ANSWERS.items()
        if not key.startswith("_") or key in ("_template", "_template_version")
    }
    text = json.dumps(answers, indent=2, ensure_ascii=False)
    (root / ".cookiecutter.json").write_text(text + "\n", encoding="utf-8")


def main():
    root = Path.cwd()
    choose_variant_files(root)
    write_env_file(root)
    record_answers(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
