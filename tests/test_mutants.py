"""Mutants: each breaks one security or contract rule of a baked project, and its suite must notice.

A mutant is one small edit to a copy of the installed project (a rule turned off, a bound
moved by one); the generated test file that states the rule must then fail. A mutant that
survives is a rule the project's tests do not really check.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import InstalledProject, run


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # relative to the project; "{slug}" stands for the package
    original: str
    replacement: str
    tests: str  # the generated test file that states the rule
    # Where the rule can break; tests/conftest.py leaves out the other databases' runs. A
    # rule kept in Python (a claim, a bound, a permission) breaks the same way on every
    # database, so the default one is enough; EVERY_DATABASE is for a rule the database
    # keeps (a locked row, a condition in SQL, a pool, a read-only connection).
    databases: frozenset[str] = field(default=frozenset({"sqlite"}))


EVERY_DATABASE = frozenset({"sqlite", "mysql", "postgresql"})


MUTANTS = [
    Mutant(
        "token-version-incremented-in-python",
        "{slug}/crud.py",
        "values(token_version=User.token_version + 1)",
        "values(token_version=user.token_version + 1)",
        "tests/test_token_retirement.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "sqlite-reuses-ids",
        "{slug}/models.py",
        '__table_args__ = ({"sqlite_autoincrement": True},)',
        "__table_args__ = ()",
        "tests/test_token_retirement.py",
        # MySQL and MariaDB never reuse ids, whatever the migration says.
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "token-versions-start-at-zero",
        "{slug}/models.py",
        "return secrets.randbits(52)",
        "return 0",
        "tests/test_token_retirement.py",
    ),
    Mutant(
        "deactivation-keeps-tokens",
        "{slug}/crud.py",
        'TOKEN_RETIRING_FIELDS = {"hashed_password", "is_active"}',
        'TOKEN_RETIRING_FIELDS = {"hashed_password"}',
        "tests/test_token_retirement.py",
    ),
    Mutant(
        "one-more-guess",
        "{slug}/password_guessing.py",
        "count <= settings.login_max_failures",
        "count <= settings.login_max_failures + 1",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "success-keeps-the-count",
        "{slug}/password_guessing.py",
        "    crud.clear_login_attempts(session, username=username)\n",
        "    pass\n",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "refused-attempts-count",
        "{slug}/password_guessing.py",
        "    withdraw_attempt(session, attempt)  # a refused attempt is not counted",
        "    pass",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "old-attempts-kept",
        "{slug}/password_guessing.py",
        "    crud.forget_login_attempts(session, before=cutoff)\n",
        "",
        "tests/test_login_throttle.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "chunked-bodies-unbounded",
        "{slug}/body_limit.py",
        "if received > self.max_bytes:",
        "if False:",
        "tests/test_request_limits.py",
    ),
    Mutant(
        "declared-length-trusted",
        "{slug}/body_limit.py",
        "int(declared) <= self.max_bytes",
        "True",
        "tests/test_request_limits.py",
    ),
    Mutant(
        "content-length-hides-a-chunked-body",
        "{slug}/body_limit.py",
        'if b"transfer-encoding" not in headers:',
        'if declared or b"transfer-encoding" not in headers:',
        "tests/test_request_limits.py",
    ),
    Mutant(
        "hashing-unbounded",
        "{slug}/security.py",
        "if not self._slots.acquire(timeout=self._wait_seconds):",
        "if False:",
        "tests/test_request_limits.py",
    ),
    Mutant(
        "last-superuser-may-leave",
        "{slug}/crud.py",
        "    if before and not after:\n        raise NoSuperuserLeftError",
        "",
        "tests/test_last_superuser.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "superuser-rule-judged-on-a-stale-row",
        "{slug}/crud.py",
        'may_remove_superuser = changes.get("is_superuser") is False',
        'may_remove_superuser = user.is_active and changes.get("is_superuser") is False',
        "tests/test_last_superuser.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "current-password-guessed-freely",
        "{slug}/routers/users.py",
        "password_guessing.counted_attempt(session, settings, current_user.username)",
        'password_guessing.counted_attempt(session, settings, "~")',
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "a-rename-resets-the-count",
        "{slug}/crud.py",
        "        _carry_login_attempts(session, renames)\n",
        "",
        "tests/test_login_throttle.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "a-busy-login-counts",
        "{slug}/password_guessing.py",
        "        withdraw_attempt(session, attempt)  # no password was checked\n",
        "        pass\n",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "password-overwritten-blindly",
        "{slug}/crud.py",
        ".where(User.id == user.id, User.hashed_password == old_hash)",
        ".where(User.id == user.id)",
        "tests/test_password_change.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "batch-renames-in-item-order",
        "{slug}/crud.py",
        '        users[user_id].username = f"~{user_id}"',
        "        pass",
        "tests/test_batch_update.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "tokens-without-expiry",
        "{slug}/security.py",
        'REQUIRED_CLAIMS = ["sub", "iat", "exp", "type", "ver"]',
        'REQUIRED_CLAIMS = ["sub", "iat", "type", "ver"]',
        "tests/test_security.py",
    ),
    Mutant(
        "tokens-last-a-day",
        "{slug}/config.py",
        "access_token_expire_minutes: int = Field(default=30,",
        "access_token_expire_minutes: int = Field(default=60 * 24,",
        "tests/test_config.py",
    ),
    Mutant(
        "unknown-usernames-answer-at-once",
        "{slug}/security.py",
        "            self._password_hash.verify(password, self._dummy_hash)",
        "            pass",
        "tests/test_security.py",
    ),
    Mutant(
        "typed-password-not-confirmed",
        "{slug}/__main__.py",
        'if getpass.getpass("Password (again): ") != password:',
        'if getpass.getpass("Password (again): ") and False:',
        "tests/test_cli.py",
    ),
    Mutant(
        "the-apps-reads-may-write",
        "{slug}/app.py",
        "read_engine = create_engine_from(settings, read_only=True)",
        "read_engine = create_engine_from(settings, read_only=False)",
        "tests/test_read_only_engine.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "pools-unbounded",
        "{slug}/engine.py",
        "        max_overflow=0,\n",
        "        max_overflow=-1,\n",
        "tests/test_connection_limits.py",
        databases=frozenset({"mysql", "postgresql"}),
    ),
    Mutant(
        "only-the-client-gives-up-on-postgresql",
        "{slug}/engine.py",
        '        settings += [f"statement_timeout={milliseconds}",'
        ' f"lock_timeout={milliseconds}"]\n',
        "        pass\n",
        "tests/test_connection_pool.py",
        databases=frozenset({"postgresql"}),
    ),
    Mutant(
        "postgresql-read-engine-writes",
        "{slug}/engine.py",
        '        settings.append("default_transaction_read_only=on")\n',
        "        pass\n",
        "tests/test_read_only_engine.py",
        databases=frozenset({"postgresql"}),
    ),
    Mutant(
        "only-the-driver-gives-up",
        "{slug}/engine.py",
        '        event.listen(engine, "connect", partial(_limit_statements, seconds=timeout))\n',
        "        pass\n",
        "tests/test_connection_pool.py",
        databases=frozenset({"mysql"}),
    ),
    Mutant(
        "mysql-accepts-pymysql",
        "{slug}/config.py",
        'driver not in {"", MYSQL_DRIVER}:',
        'driver not in {"", MYSQL_DRIVER, "pymysql"}:',
        "tests/test_config.py",
        databases=frozenset({"mysql"}),
    ),
    Mutant(
        "a-dropped-connections-cursor-hides-the-error",
        "{slug}/user_rows.py",
        "            with contextlib.suppress(self.dialect.loaded_dbapi.Error):\n"
        "                cursor.close()\n",
        "            cursor.close()\n",
        "tests/test_connection_pool.py",
        databases=frozenset({"mysql"}),
    ),
    Mutant(
        "sqlite-writes-unbounded",
        "{slug}/engine.py",
        "max_overflow=-1 if read_only else 0,",
        "max_overflow=-1,",
        "tests/test_connection_limits.py",
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "sqlite-reads-wait-in-the-event-loop",
        "{slug}/engine.py",
        "max_overflow=-1 if read_only else 0,",
        "max_overflow=0,",
        "tests/test_connection_limits.py",
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "a-busy-pool-answers-500",
        "{slug}/app.py",
        "            PoolTimeoutError: answer_try_again,\n",
        "",
        "tests/test_connection_limits.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "sqlite-writers-wait-for-readers",
        "{slug}/engine.py",
        '    cursor.execute("PRAGMA journal_mode=WAL")\n',
        "",
        "tests/test_connection_settings.py",
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "sqlite-ignores-foreign-keys",
        "{slug}/engine.py",
        '    cursor.execute("PRAGMA foreign_keys=ON")\n',
        "",
        "tests/test_connection_settings.py",
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "anyone-lists-users",
        "{slug}/routers/users.py",
        "    _: SuperUser,\n    after",
        "    _: CurrentUser,\n    after",
        "tests/test_users.py",
    ),
    Mutant(
        "anyone-reads-any-user",
        "{slug}/routers/users.py",
        "    check_self_or_superuser(current_user, user_id)\n    # One row",
        "    # One row",
        "tests/test_users.py",
    ),
    # The request head (request_head.py) and the serve command.
    Mutant(
        "request-heads-of-any-size",
        "{slug}/request_head.py",
        "if self.head_bytes > self.max_bytes:",
        "if self.head_bytes < 0:",
        "tests/test_request_head.py",
    ),
    Mutant(
        "request-head-bound-doubled",
        "{slug}/config.py",
        "max_request_head_bytes: int = Field(default=32 * 1024",
        "max_request_head_bytes: int = Field(default=64 * 1024",
        "tests/test_request_head.py",
    ),
    Mutant(
        "request-heads-take-for-ever",
        "{slug}/request_head.py",
        "self.head_timer = self.loop.call_later(seconds, self.check_head)",
        "self.head_timer = None",
        "tests/test_request_head.py",
    ),
    Mutant(
        "request-head-clock-outlives-its-head",
        "{slug}/request_head.py",
        "        self.head_began = None\n        self.heads_completed += 1\n",
        "        self.heads_completed += 1\n",
        "tests/test_request_head.py",
    ),
    Mutant(
        "serve-without-head-bounds",
        "{slug}/__main__.py",
        '.request_head:BoundedHeadProtocol"',
        '.request_head:HttpToolsProtocol"',  # uvicorn's own, which request_head.py imports
        "tests/test_request_head.py",
    ),
    Mutant(
        "serve-drops-root-path",
        "{slug}/__main__.py",
        "root_path=args.root_path,",
        'root_path="",',
        "tests/test_serve_command.py",
    ),
]


@pytest.mark.parametrize("mutant", [pytest.param(m, id=m.name) for m in MUTANTS])
def test_the_generated_suite_kills_the_mutant(
    installed_project: InstalledProject, project_copy: Path, mutant: Mutant
) -> None:
    project = installed_project
    target = project_copy / mutant.path.format(slug=project.slug)
    source = target.read_text()
    assert source.count(mutant.original) == 1, f"{mutant.original!r} is not once in {target}"
    target.write_text(source.replace(mutant.original, mutant.replacement))

    with project.database_settings() as settings:
        env = project.env(**settings, PYTHONPATH=str(project_copy))
        imported = run(
            [
                project.command("python"),
                "-c",
                f"import {project.slug}; print({project.slug}.__file__)",
            ],
            cwd=project_copy,
            env=env,
        )
        assert imported.stdout.startswith(str(project_copy)), "the copy is not what runs"
        pytest_args = ["-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", mutant.tests]
        result = run(
            [project.command("python"), *pytest_args], cwd=project_copy, env=env, check=False
        )

    assert result.returncode == 1, (
        f"the mutant {mutant.name} survived {mutant.tests} (exit {result.returncode}):\n"
        f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
    )
