"""Refresh the lock file that every baked project installs from (`make lock`).

A baked project's Dockerfile, CI and `make install` install the exact versions of its
uv.lock, so that every install of one commit gets the same packages. The dependencies differ
by database (the Jinja in pyproject.toml), so the template keeps one lock per database,
{{cookiecutter.project_slug}}/uv_<database>.lock, and the post-generation hook renames the
chosen one to uv.lock; the bake itself never touches the network.

For each database, this script bakes the project with a fixed slug into a temporary
directory (its current lock included), runs `uv lock --upgrade` there (every package at the
newest version the bounds admit, for every platform and every Python that requires-python
admits), and writes the lock back with the project's own name turned into the Jinja
expression that bakes it. `--keep` leaves out `--upgrade`: uv then keeps the locked versions
and resolves only what pyproject.toml changed (a new dependency, a raised bound).
A new database's lock starts as a copy of another's: the bake needs one to rename.
The template's tests check that each baked lock matches its pyproject.toml and installs.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
SKELETON = TEMPLATE / "{{cookiecutter.project_slug}}"
DATABASES = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))["database"]
# From the template's dev group, beside the Python that runs this script.
UV = Path(sys.executable).with_name("uv")

# The slug of the bake, and the name uv gives the project in the lock: normalized, every run
# of `_` one `-` (my__service is my-service). No package of the lock may be called this.
SLUG = "lock_template_project"
LOCKED_NAME = "lock-template-project"
# The same normalization, in Jinja, for the slug of each bake.
NAME_EXPRESSION = "{{ cookiecutter.project_slug.split('_') | select | join('-') }}"
# Where every locked package comes from: PyPI, and the project itself. A mirror that uv was
# configured with here (UV_INDEX_URL, uv.toml) would otherwise end up in every baked project.
SOURCES = {'source = { registry = "https://pypi.org/simple" }', 'source = { editable = "." }'}
JINJA_MARKERS = ("{{", "{%", "{#")


def locked(database: str, upgrade: bool, workspace: Path) -> str:
    """The lock of a fresh bake for this database, resolved again by uv."""
    # cookiecutter's own settings, not the maintainer's ~/.cookiecutterrc; replays stay here.
    config = workspace / "cookiecutter.yaml"
    config.write_text(f"replay_dir: {workspace / 'replay'}\n", encoding="utf-8")
    project = Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            extra_context={"project_slug": SLUG, "database": database},
            output_dir=str(workspace),
            config_file=str(config),
        )
    )
    upgrade_option = ["--upgrade"] if upgrade else []
    subprocess.run(
        [UV, "lock", *upgrade_option, "--python", sys.executable], cwd=project, check=True
    )
    return (project / "uv.lock").read_text(encoding="utf-8")


def as_template(lock: str, database: str) -> str:
    """The lock with the project's name as the Jinja expression that bakes it."""
    for marker in JINJA_MARKERS:
        if marker in lock:
            raise SystemExit(f"{database}: the lock holds {marker!r}, which Jinja would read")
    names = re.findall(rf"\b{re.escape(LOCKED_NAME)}\b", lock)
    if names != [LOCKED_NAME] or f'\nname = "{LOCKED_NAME}"\n' not in lock:
        raise SystemExit(f"{database}: the lock names {LOCKED_NAME} {len(names)} times, not once")
    sources = set(re.findall(r"^source = .*$", lock, flags=re.MULTILINE))
    if sources - SOURCES:
        raise SystemExit(f"{database}: packages from elsewhere than PyPI: {sources - SOURCES}")
    return lock.replace(f'name = "{LOCKED_NAME}"', f'name = "{NAME_EXPRESSION}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the locked versions; resolve only what pyproject.toml changed",
    )
    arguments = parser.parse_args()
    for database in DATABASES:
        print(f"{database}:", flush=True)
        with tempfile.TemporaryDirectory() as workspace:
            lock = locked(database, upgrade=not arguments.keep, workspace=Path(workspace))
        target = SKELETON / f"uv_{database}.lock"
        target.write_text(as_template(lock, database), encoding="utf-8")
        print(f"Wrote {target.relative_to(TEMPLATE)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
