"""Write .env from .env.example, with secrets of its own.

Run once when the project was generated, and by `make` on a fresh clone (.env is
git-ignored, so a clone has none). Standard library only: it runs before any install.
"""

import re
import secrets
import sys
from pathlib import Path

# change-me, change-me-migrations, ...: each name its own password, the same on every line.
PLACEHOLDER = re.compile(r"change-me(-[a-z]+)?")
HEADER = "# Written by scripts/make_env.py, with secrets of its own. Never commit it."


def make_env(root: Path) -> Path:
    """Copy .env.example to .env: a new SECRET_KEY, and a new password for each account."""
    env_file = root / ".env"
    if env_file.exists():
        raise SystemExit(f"{env_file} exists already; delete it first to make a new one")
    passwords: dict[str, str] = {}

    def password(placeholder: re.Match[str]) -> str:
        return passwords.setdefault(placeholder[0], secrets.token_urlsafe(24))

    lines = [HEADER]
    for line in (root / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.startswith("SECRET_KEY="):
            line = f"SECRET_KEY={secrets.token_urlsafe(48)}"
        lines.append(PLACEHOLDER.sub(password, line))
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env_file.chmod(0o600)  # only its owner may read the secrets
    return env_file


if __name__ == "__main__":
    print(f"Wrote {make_env(Path(__file__).resolve().parents[1])}")
    sys.exit(0)
