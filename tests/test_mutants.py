"""Mutants: each breaks one security or contract rule of a baked project, and its suite must notice.

A mutant is one small edit to a copy of the installed project (a rule turned off, a bound
moved by one); the generated test file that states the rule must then fail. A mutant that
survives is a rule the project's tests do not really check.
"""

import os
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
    # The generated test file that states the rule, or the one test of it that does where
    # the file's others would take long to run first (a node id, file::test).
    tests: str
    # Where the rule can break; tests/conftest.py leaves out the other databases' runs. A
    # rule kept in Python (a claim, a bound, a permission) breaks the same way on every
    # database, so the default one is enough; EVERY_DATABASE is for a rule the database
    # keeps (a locked row, a condition in SQL, a pool, a read-only connection).
    databases: frozenset[str] = field(default=frozenset({"sqlite"}))


EVERY_DATABASE = frozenset({"sqlite", "mysql", "postgresql"})
# app.py's CORS middleware, which the 500 of an unhandled error must pass through.
CORS_MIDDLEWARE = """\
    # CORS wraps the rest (all but RequestTracking, below): its headers reach the browser
    # on every answer, which may show it the request id.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID"],
        )
"""


MUTANTS = [
    Mutant(
        "token-version-incremented-in-python",
        "{slug}/users/queries.py",
        "values(token_version=User.token_version + 1)",
        "values(token_version=user.token_version + 1)",
        "tests/test_token_retirement.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "sqlite-reuses-ids",
        "{slug}/users/models.py",
        '__table_args__ = ({"sqlite_autoincrement": True},)',
        "__table_args__ = ()",
        "tests/test_token_retirement.py",
        # MySQL and MariaDB never reuse ids, whatever the migration says.
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "token-versions-start-at-zero",
        "{slug}/users/models.py",
        "return secrets.randbits(52)",
        "return 0",
        "tests/test_token_retirement.py",
    ),
    Mutant(
        "deactivation-keeps-tokens",
        "{slug}/users/queries.py",
        'TOKEN_RETIRING_FIELDS = {"hashed_password", "is_active"}',
        'TOKEN_RETIRING_FIELDS = {"hashed_password"}',
        "tests/test_token_retirement.py",
    ),
    Mutant(
        "one-more-guess",
        "{slug}/auth/password_guessing.py",
        "if len(ends) < limit:",
        "if len(ends) < limit + 1:",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "success-keeps-the-count",
        "{slug}/auth/password_guessing.py",
        "        login_attempts.clear(self.session, username=self.username)\n",
        "        pass\n",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "refused-attempts-count",
        "{slug}/auth/password_guessing.py",
        "    try:\n        refuse_too_many(session, settings, attempt, client, now)\n",
        "    refuse_too_many(session, settings, attempt, client, now)\n    try:\n",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "old-attempts-kept",
        "{slug}/auth/password_guessing.py",
        "        login_attempts.forget(self.session, before=cutoff)\n",
        "",
        "tests/test_login_throttle.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "chunked-bodies-unbounded",
        "{slug}/core/middleware/body_limit.py",
        "if received > self.max_bytes:",
        "if False:",
        "tests/test_request_limits.py",
    ),
    Mutant(
        "declared-length-trusted",
        "{slug}/core/middleware/body_limit.py",
        "int(declared) <= self.max_bytes",
        "True",
        "tests/test_request_limits.py",
    ),
    Mutant(
        "content-length-hides-a-chunked-body",
        "{slug}/core/middleware/body_limit.py",
        'if b"transfer-encoding" not in headers:',
        'if declared or b"transfer-encoding" not in headers:',
        "tests/test_request_limits.py",
    ),
    Mutant(
        "hashing-unbounded",
        "{slug}/auth/passwords.py",
        "if not self._slots.acquire(timeout=self._wait_seconds):",
        "if False:",
        "tests/test_request_limits.py",
    ),
    Mutant(
        "last-superuser-may-leave",
        "{slug}/users/last_superuser.py",
        "    if before and not after:\n        raise NoSuperuserLeftError",
        "",
        "tests/test_last_superuser.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "superuser-rule-judged-on-a-stale-row",
        "{slug}/users/queries.py",
        'may_remove_superuser = changes.get("is_superuser") is False',
        'may_remove_superuser = user.is_active and changes.get("is_superuser") is False',
        "tests/test_last_superuser.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "current-password-guessed-freely",
        "{slug}/users/router.py",
        "session, settings, current_user.username, client",
        'session, settings, "~", client',
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "a-rename-resets-the-count",
        "{slug}/users/queries.py",
        "        login_attempts.carry(session, renames)\n",
        "",
        "tests/test_login_throttle.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "a-busy-login-counts",
        "{slug}/auth/password_guessing.py",
        "        if not attempt.failed:\n            withdraw(session, attempt.id)\n        raise",
        "        raise",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "password-overwritten-blindly",
        "{slug}/users/queries.py",
        ".where(User.id == user.id, User.hashed_password == old_hash)",
        ".where(User.id == user.id)",
        "tests/test_password_change.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "batch-renames-in-item-order",
        "{slug}/users/batch_update.py",
        '        users[user_id].username = f"~{user_id}"',
        "        pass",
        "tests/test_batch_update.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "tokens-without-expiry",
        "{slug}/auth/tokens.py",
        'REQUIRED_CLAIMS = ["sub", "iat", "exp", "type", "ver", "sid"]',
        'REQUIRED_CLAIMS = ["sub", "iat", "type", "ver", "sid"]',
        "tests/test_security.py",
    ),
    Mutant(
        "tokens-last-a-day",
        "{slug}/core/config.py",
        "access_token_expire_minutes: int = Field(default=15,",
        "access_token_expire_minutes: int = Field(default=60 * 24,",
        "tests/test_config.py::test_the_defaults_are_the_documented_ones",
    ),
    Mutant(
        "unknown-usernames-answer-at-once",
        "{slug}/auth/passwords.py",
        "            self._password_hash.verify(password, self._dummy_hash)",
        "            pass",
        "tests/test_security.py",
    ),
    Mutant(
        "typed-password-not-confirmed",
        "{slug}/users/commands.py",
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
        "{slug}/core/database/engine.py",
        "        max_overflow=0,\n",
        "        max_overflow=-1,\n",
        "tests/test_connection_limits.py",
        databases=frozenset({"mysql", "postgresql"}),
    ),
    Mutant(
        "only-the-client-gives-up-on-postgresql",
        "{slug}/core/database/engine.py",
        '        settings += [f"statement_timeout={milliseconds}",'
        ' f"lock_timeout={milliseconds}"]\n',
        "        pass\n",
        "tests/test_connection_pool.py::"
        "test_the_server_stops_a_statement_that_runs_past_the_timeout",
        databases=frozenset({"postgresql"}),
    ),
    Mutant(
        "postgresql-read-engine-writes",
        "{slug}/core/database/engine.py",
        '        settings.append("default_transaction_read_only=on")\n',
        "        pass\n",
        "tests/test_read_only_engine.py",
        databases=frozenset({"postgresql"}),
    ),
    Mutant(
        "only-the-driver-gives-up",
        "{slug}/core/database/engine.py",
        '        event.listen(engine, "connect", partial(_limit_statements, seconds=timeout))\n',
        "        pass\n",
        "tests/test_connection_pool.py",
        databases=frozenset({"mysql"}),
    ),
    Mutant(
        "mysql-accepts-pymysql",
        "{slug}/core/config.py",
        'driver not in {"", MYSQL_DRIVER}:',
        'driver not in {"", MYSQL_DRIVER, "pymysql"}:',
        "tests/test_config.py",
        databases=frozenset({"mysql"}),
    ),
    Mutant(
        "a-dropped-connections-cursor-hides-the-error",
        "{slug}/users/rows.py",
        "            with contextlib.suppress(self.dialect.loaded_dbapi.Error):\n"
        "                cursor.close()\n",
        "            cursor.close()\n",
        "tests/test_connection_pool.py",
        databases=frozenset({"mysql"}),
    ),
    Mutant(
        "sqlite-writes-unbounded",
        "{slug}/core/database/engine.py",
        "max_overflow=-1 if read_only else 0,",
        "max_overflow=-1,",
        "tests/test_connection_limits.py",
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "sqlite-reads-wait-in-the-event-loop",
        "{slug}/core/database/engine.py",
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
        "{slug}/core/database/engine.py",
        '    cursor.execute("PRAGMA journal_mode=WAL")\n',
        "",
        "tests/test_connection_settings.py",
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "sqlite-ignores-foreign-keys",
        "{slug}/core/database/engine.py",
        '    cursor.execute("PRAGMA foreign_keys=ON")\n',
        "",
        "tests/test_connection_settings.py",
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "anyone-lists-users",
        "{slug}/users/admin_router.py",
        "import SUPERUSER_ONLY, SuperUser\n",
        "import SUPERUSER_ONLY, CurrentUser as SuperUser\n",
        "tests/test_users.py",
    ),
    Mutant(
        "anyone-reads-any-user",
        "{slug}/users/router.py",
        "    check_self_or_superuser(current_user, user_id)\n    # One row",
        "    # One row",
        "tests/test_users.py",
    ),
    # Logs, metrics, request tracking and error answers
    Mutant(
        "unrouted-request-labelled-by-its-path",
        "{slug}/core/middleware/request_tracking.py",
        'return self.endpoint_paths.get(scope.get("endpoint"), UNMATCHED)',
        'return self.endpoint_paths.get(scope.get("endpoint"), scope["path"])',
        "tests/test_metrics.py",
    ),
    Mutant(
        "unrouted-request-logged-by-its-path",
        "{slug}/core/middleware/request_tracking.py",
        'return self.endpoint_paths.get(scope.get("endpoint"), UNMATCHED)',
        'return self.endpoint_paths.get(scope.get("endpoint"), scope["path"])',
        "tests/test_logs.py",
    ),
    Mutant(
        "text-log-keeps-control-characters",
        "{slug}/core/logs.py",
        "return super().format(record).translate(ESCAPES)",
        "return super().format(record)",
        "tests/test_logs.py",
    ),
    Mutant(
        "json-log-drops-the-traceback",
        "{slug}/core/logs.py",
        'entry["exception"] = self.formatException(record.exc_info)',
        "pass",
        "tests/test_logs.py",
    ),
    Mutant(
        "unhandled-error-not-logged",
        "{slug}/core/middleware/internal_errors.py",
        '            logger.exception("Unhandled error, answered 500")\n',
        "",
        "tests/test_logs.py",
    ),
    Mutant(  # the 500's middleware moved from inside CORS to outside it
        "500-without-cors-headers",
        "{slug}/app.py",
        "    app.add_middleware(InternalErrors)\n" + CORS_MIDDLEWARE,
        CORS_MIDDLEWARE + "    app.add_middleware(InternalErrors)\n",
        "tests/test_request_ids.py",
    ),
    # The token check, the password hasher, password changes (issue 23's mutation study).
    Mutant(
        "only-refresh-tokens-refused",
        "{slug}/auth/tokens.py",
        'if claims["type"] != ACCESS_TOKEN_TYPE:',
        'if claims["type"] == "refresh":',
        "tests/test_security.py",
    ),
    Mutant(
        "a-subject-of-any-length-converted",
        "{slug}/auth/tokens.py",
        "if len(subject) > MAX_SUBJECT_DIGITS or int(subject) > MAX_ID:",
        "if int(subject) > MAX_ID:",
        "tests/test_bearer_tokens.py",
    ),
    Mutant(
        "a-busy-hasher-answers-at-once",
        "{slug}/auth/passwords.py",
        "if not self._slots.acquire(timeout=self._wait_seconds):",
        "if not self._slots.acquire(blocking=False):",
        "tests/test_hashing_slots.py",
    ),
    Mutant(
        "unknown-usernames-take-no-slot",
        "{slug}/auth/passwords.py",
        "with self.slot():\n            self._password_hash.verify(",
        "if True:\n            self._password_hash.verify(",
        "tests/test_hashing_slots.py",
    ),
    Mutant(
        "a-rehash-retires-the-tokens",
        "{slug}/users/queries.py",
        "    _replace_hash(session, user=user, old_hash=old_hash, new_hash=new_hash)\n",
        "    change_password(session, user=user, old_hash=old_hash, new_hash=new_hash)\n",
        "tests/test_auth.py",
    ),
    Mutant(
        "a-lost-password-change-answers-204",
        "{slug}/users/router.py",
        "    if not changed:  # another change",
        "    if False:  # another change",
        "tests/test_password_change.py",
    ),
    Mutant(
        "the-token-check-reads-in-the-event-loop",
        "{slug}/auth/dependencies.py",
        "user = await asyncio.to_thread(read_user, read_engine, claims)",
        "user = read_user(read_engine, claims)",
        "tests/test_stalled_token_check.py",
        databases=frozenset({"mysql", "postgresql"}),
    ),
    # Database accounts, create-database and the migrations' settings (issue 23).
    Mutant(
        "create-superuser-traceback-on-an-unmigrated-database",
        "{slug}/users/commands.py",
        "except (OperationalError, ProgrammingError) as error:",
        "except OperationalError as error:",
        "tests/test_cli.py",
        # SQLite files a missing table as an OperationalError, the servers do not.
        databases=frozenset({"mysql", "postgresql"}),
    ),
    Mutant(
        "role-password-sent-in-clear-text",
        "{slug}/core/database/create_database.py",
        "verifier = sql.Literal(scram_verifier(driver, account.username, account.password))",
        "verifier = sql.Literal(account.password)",
        "tests/test_role_password.py",
        databases=frozenset({"postgresql"}),
    ),
    Mutant(
        "service-user-may-change-the-schema-mysql",
        "{slug}/core/database/create_database.py",
        'SERVICE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")',
        'SERVICE_PRIVILEGES = ("ALL PRIVILEGES",)',
        "tests/test_database_accounts.py",
        databases=frozenset({"mysql"}),
    ),
    Mutant(
        "service-user-keeps-earlier-privileges-mysql",
        "{slug}/core/database/create_database.py",
        'if "ALL PRIVILEGES" not in privileges and (extra',
        "if False and (extra",
        "tests/test_database_accounts.py",
        databases=frozenset({"mysql"}),
    ),
    Mutant(
        "service-role-may-create-tables-postgresql",
        "{slug}/core/database/create_database.py",
        '"GRANT USAGE ON SCHEMA public TO {service}",',
        '"GRANT ALL ON SCHEMA public TO {service}",',
        "tests/test_database_accounts.py",
        databases=frozenset({"postgresql"}),
    ),
    Mutant(
        "service-role-keeps-its-earlier-tables-postgresql",
        "{slug}/core/database/create_database.py",
        'driver.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(service, migrations))',
        "pass",
        "tests/test_database_accounts.py",
        databases=frozenset({"postgresql"}),
    ),
    Mutant(
        "later-tables-not-the-services-postgresql",
        "{slug}/core/database/create_database.py",
        '" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {service}",',
        '" GRANT SELECT ON TABLES TO {service}",',
        "tests/test_database_accounts.py",
        databases=frozenset({"postgresql"}),
    ),
    Mutant(
        "create-database-resets-the-administrator",
        "{slug}/core/database/accounts.py",
        "if username == make_url(admin_url).username:",
        "if False:",
        "tests/test_database_accounts.py",
        databases=frozenset({"mysql", "postgresql"}),
    ),
    Mutant(
        "migrations-use-the-services-url",
        "migrations/env.py",
        "create_db_engine(load_database_urls().for_migrations)",
        "create_db_engine(load_database_urls().database_url)",
        "tests/test_migrations.py",
    ),
    # Engines, connection settings, SECRET_KEY, SQLite migrations (issue 23)
    Mutant(
        "database-url-options-unchecked",
        "{slug}/app.py",
        "    check_connection_options(engine)  # a bad option stops the start, not every request\n",
        "",
        "tests/test_connection_options.py",
        databases=frozenset({"mysql", "postgresql"}),
    ),
    Mutant(
        "database-errors-show-their-parameters",
        "{slug}/core/database/engine.py",
        "        hide_parameters=True,\n",
        "",
        "tests/test_database_errors.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "secret-key-checked-for-length-only",
        "{slug}/core/secret_key.py",
        "        or randomness_bits(key) < MIN_SECRET_KEY_BITS\n",
        "",
        "tests/test_config.py",
    ),
    Mutant(
        "secret-key-refuses-generated-keys",
        "{slug}/core/secret_key.py",
        "MIN_SECRET_KEY_BITS = 80",
        "MIN_SECRET_KEY_BITS = 320",
        "tests/test_config.py",
    ),
    Mutant(
        "pool-waits-sqlalchemys-30-seconds",
        "{slug}/core/database/engine.py",
        "        pool_timeout=pool_timeout,\n",
        "",
        "tests/test_connection_limits.py::"
        "test_a_write_waits_for_a_connection_as_long_as_the_setting_says",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "pool-timeout-setting-not-passed",
        "{slug}/app.py",
        "        pool_timeout=settings.database_pool_timeout_seconds,\n",
        "",
        "tests/test_connection_limits.py::"
        "test_a_write_waits_for_a_connection_as_long_as_the_setting_says",
    ),
    Mutant(
        "a-dropped-connection-is-handed-out-again",
        "{slug}/users/rows.py",
        "disconnected = self.dialect.is_disconnect(error, dbapi_connection, cursor)",
        "disconnected = False",
        "tests/test_connection_pool.py",
        databases=frozenset({"postgresql"}),
    ),
    Mutant(
        "sqlite-batch-copy-loses-the-collation",
        "migrations/env.py",
        '        column_info["type"].collation = collation\n',
        "        pass\n",
        "tests/test_sqlite_migrations.py",
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "sqlite-failed-migration-half-done",
        "migrations/env.py",
        "        sqlite_in_one_transaction(engine)\n",
        "",
        "tests/test_sqlite_migrations.py",
        databases=frozenset({"sqlite"}),
    ),
    Mutant(
        "a-comment-quotes-a-benchmark-figure",
        "{slug}/main.py",
        "# measured a far shorter p99 latency.",
        "# measured a p99 latency of 45 ms instead of 90 ms.",
        "tests/test_code_comments.py",
    ),
    # Races: changes racing deletes, and superusers racing each other.
    Mutant(
        "a-change-racing-a-delete-answers-500",
        "{slug}/users/concurrent_deletes.py",
        "    except StaleDataError:\n",
        "    except UsersNotFoundError:\n",
        "tests/test_deleted_meanwhile.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "superusers-counted-before-they-are-locked",
        "{slug}/users/last_superuser.py",
        "    before = session.execute(ACTIVE_SUPERUSERS.with_for_update()).all()\n",
        "    before = session.execute(ACTIVE_SUPERUSERS).all()\n",
        "tests/test_last_superuser.py",
        # SQLite ignores FOR UPDATE: it lets one writer at a time through instead.
        databases=frozenset({"mysql", "postgresql"}),
    ),
    Mutant(
        "superusers-never-locked",
        "{slug}/users/last_superuser.py",
        "ACTIVE_SUPERUSERS.with_for_update()).all()\n    yield\n"
        "    after = session.execute(ACTIVE_SUPERUSERS.with_for_update())",
        "ACTIVE_SUPERUSERS).all()\n    yield\n    after = session.execute(ACTIVE_SUPERUSERS)",
        "tests/test_last_superuser.py",
        databases=frozenset({"mysql", "postgresql"}),
    ),
    # The request head (request_head.py) and the serve command.
    Mutant(
        "request-heads-of-any-size",
        "{slug}/core/middleware/request_head.py",
        "if self.head_bytes > self.max_bytes:",
        "if self.head_bytes < 0:",
        "tests/test_request_head.py",
    ),
    Mutant(
        "request-head-bound-doubled",
        "{slug}/core/config.py",
        "max_request_head_bytes: int = Field(default=32 * 1024",
        "max_request_head_bytes: int = Field(default=64 * 1024",
        "tests/test_request_head.py",
    ),
    Mutant(
        "request-heads-take-for-ever",
        "{slug}/core/middleware/request_head.py",
        "self.head_timer = self.loop.call_later(seconds, self.check_head)",
        "self.head_timer = None",
        "tests/test_request_head.py::test_a_connection_that_sends_nothing_is_closed",
    ),
    Mutant(
        "request-head-clock-outlives-its-head",
        "{slug}/core/middleware/request_head.py",
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
        "tests/test_serve_command.py::test_root_path_reaches_uvicorn",
    ),
    # Throttling of password guessing, login ids, unlocking (issue 23)
    Mutant(
        "an-answered-503-counts",
        "{slug}/auth/password_guessing.py",
        "        if not attempt.failed:\n            withdraw(session, attempt.id)\n        raise",
        "        raise",
        "tests/test_login_outages.py",
        # On SQLite a lock stops every write, the withdrawal too (a-busy-login-counts).
        databases=frozenset({"mysql", "postgresql"}),
    ),
    Mutant(
        "a-success-that-failed-to-write-counts",
        "{slug}/auth/password_guessing.py",
        "        if not attempt.failed:\n",
        "        if not (attempt.failed or attempt.succeeded):\n",
        "tests/test_login_outages.py::"
        "test_a_login_whose_success_could_not_be_written_does_not_count",
        databases=frozenset({"mysql", "postgresql"}),
    ),
    Mutant(
        "a-pending-attempt-counts-the-whole-window",
        "{slug}/auth/password_guessing.py",
        "    seconds = max(PENDING_MINIMUM_SECONDS, 10 * settings.database_timeout_seconds)\n",
        "    seconds = settings.login_failure_window_seconds\n",
        "tests/test_login_outages.py::"
        "test_an_attempt_whose_outcome_could_not_be_written_counts_a_minute_at_most",
    ),
    Mutant(
        "guesses-in-flight-do-not-count",
        "{slug}/auth/password_guessing.py",
        "for at, failed in others)",
        "for at, failed in others if failed)",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "impossible-usernames-hashed-and-counted",
        "{slug}/auth/router.py",
        " or not POSSIBLE_USERNAME.fullmatch(form.username):",
        ":",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "overlong-current-password-hashed",
        "{slug}/users/schemas.py",
        "current_password: Annotated[ValidText, StringConstraints(max_length=128)",
        "current_password: Annotated[ValidText, StringConstraints()",
        "tests/test_login_throttle.py",
    ),
    Mutant(
        "no-per-client-limit",
        "{slug}/auth/password_guessing.py",
        "    if client is not None and settings.login_max_failures_per_client:",
        "    if False:",
        "tests/test_login_locks.py",
    ),
    Mutant(
        "anyone-unlocks-logins",
        "{slug}/auth/router.py",
        "    session: SessionDep,\n    _: SuperUser,\n",
        "    session: SessionDep,\n",
        "tests/test_login_locks.py",
    ),
    Mutant(
        "create-superuser-leaves-the-lock",
        "{slug}/users/commands.py",
        '    return f"{done} {unlocked(username, failures)}" if failures else done',
        "    return done",
        "tests/test_cli.py",
    ),
    Mutant(
        "postgresql-login-ids-stay-32-bit",
        "migrations/template/0003_wider_ids_and_pending_attempts.py",
        '        op.execute(f"ALTER SEQUENCE {table}_id_seq AS bigint")\n',
        "",
        "tests/test_id_counters.py",
        databases=frozenset({"postgresql"}),
    ),
    Mutant(
        "mysql-ids-stay-32-bit",
        "migrations/template/0003_wider_ids_and_pending_attempts.py",
        "            type_=sa.BigInteger(),\n",
        "            type_=sa.Integer(),\n",
        "tests/test_id_counters.py",
        databases=frozenset({"mysql"}),
    ),
    Mutant(
        "ids-beyond-what-json-keeps-exact",
        "{slug}/core/schemas.py",
        "MAX_ID = 2**53 - 1",
        "MAX_ID = 2**63 - 1",
        "tests/test_id_counters.py",
    ),
    Mutant(
        "a-password-change-that-lost-to-a-deletion-answers-409",
        "{slug}/users/router.py",
        "        get_user_or_404(session, current_user.id)\n        detail = ",
        "        detail = ",
        "tests/test_password_change.py",
    ),
    Mutant(
        "a-per-client-limit-of-0-refuses-everyone",
        "{slug}/auth/password_guessing.py",
        "if client is not None and settings.login_max_failures_per_client:",
        "if client is not None:",
        "tests/test_login_locks.py",
    ),
    Mutant(
        "core-imports-a-domain",
        "{slug}/core/errors.py",
        "async def answer_invalid_request(",
        "def uses_users() -> None:\n    from ..users import models  # noqa: F401\n\n\n"
        "async def answer_invalid_request(",
        "tests/test_architecture.py",
    ),
    Mutant(
        "a-circle-of-imports",
        "{slug}/auth/passwords.py",
        "class PasswordHasherBusyError(Exception):",
        "def uses_the_users_router() -> None:\n    from ..users import router  # noqa: F401\n\n\n"
        "class PasswordHasherBusyError(Exception):",
        "tests/test_architecture.py",
    ),
    # Sessions and refresh tokens (issue 25).
    Mutant(
        "an-ended-session-keeps-its-access-tokens",
        "{slug}/sessions/signed_in.py",
        "query = user_row_query(connection.dialect, SIGNED_IN_USER_ROW)",
        "query = user_row_query(connection.dialect)",
        "tests/test_refresh_and_sign_out.py",
        databases=EVERY_DATABASE,
    ),
    Mutant(
        "a-replayed-refresh-token-keeps-its-session",
        "{slug}/sessions/queries.py",
        "    if refresh_token.retired_at is not None:\n"
        "        end_session(session, session_id=user_session.id)\n",
        "    if refresh_token.retired_at is not None:\n",
        "tests/test_sign_in_sessions.py",
    ),
    Mutant(
        "a-refresh-token-never-expires",
        "{slug}/sessions/queries.py",
        "        and now < refresh_token.expires_at\n",
        "",
        "tests/test_sign_in_sessions.py",
    ),
    Mutant(
        "a-new-password-keeps-the-sessions",
        "{slug}/sessions/queries.py",
        "        and user_session.token_version == token_version\n",
        "",
        "tests/test_sign_in_sessions.py",
    ),
    Mutant(
        "a-session-outlives-its-limit",
        "{slug}/sessions/queries.py",
        "    expires_at = min(now + lifetimes.refresh_token, user_session.expires_at)",
        "    expires_at = now + lifetimes.refresh_token",
        "tests/test_sign_in_sessions.py",
    ),
    Mutant(
        "the-refresh-cookie-readable-by-scripts",
        "{slug}/sessions/issuing.py",
        '            httponly=True,\n            samesite="strict",\n        )\n    return',
        '            httponly=False,\n            samesite="strict",\n        )\n    return',
        "tests/test_refresh_and_sign_out.py",
    ),
    Mutant(
        "access-tokens-name-no-session",
        "{slug}/auth/tokens.py",
        'REQUIRED_CLAIMS = ["sub", "iat", "exp", "type", "ver", "sid"]',
        'REQUIRED_CLAIMS = ["sub", "iat", "exp", "type", "ver"]',
        "tests/test_security.py",
    ),
    # Email addresses and mailed links (issue 25).
    Mutant(
        "a-new-address-stays-verified",
        "{slug}/users/queries.py",
        '        changes["email_verified"] = False\n',
        "        pass\n",
        "tests/test_email_addresses.py::test_a_new_address_is_unverified",
    ),
    Mutant(
        "a-mailed-link-works-twice",
        "{slug}/account_mail/tokens.py",
        ".where(MailToken.id == mail_token.id, MailToken.used_at.is_(None))",
        ".where(MailToken.id == mail_token.id)",
        "tests/test_mailed_links.py::test_the_verification_link_verifies_the_address_once",
    ),
    Mutant(
        "a-link-for-another-address-verifies-it",
        "{slug}/account_mail/tokens.py",
        "        and same_address(mail_token.email, user.email)\n",
        "",
        "tests/test_mailed_links.py::test_a_link_for_an_address_the_user_no_longer_has_is_refused",
    ),
    Mutant(
        "a-link-outlives-a-new-password",
        "{slug}/account_mail/tokens.py",
        "        and mail_token.token_version == user.token_version\n",
        "",
        "tests/test_mailed_links.py::test_a_new_password_ends_the_links_mailed_before",
    ),
    Mutant(
        "a-reset-mailed-to-an-unverified-address",
        "{slug}/users/queries.py",
        "User.email == email, User.email_verified, User.is_active",
        "User.email == email, User.is_active",
        "tests/test_mailed_links.py::test_a_reset_is_mailed_only_to_a_verified_address_and_answers_alike",
    ),
    Mutant(
        "mail-requests-unthrottled-per-address",
        "{slug}/account_mail/throttling.py",
        "    if email is not None:\n",
        "    if False:\n",
        "tests/test_mailed_links.py::test_requests_for_one_address_are_throttled_whatever_its_case",
    ),
    # The schema declares every error an endpoint answers, with its body (issue 24).
    Mutant(
        "read-user-leaves-its-404-undocumented",
        "{slug}/users/router.py",
        '@router.get("/{user_id}", responses=SELF_OR_SUPERUSER | NOT_FOUND)',
        '@router.get("/{user_id}", responses=SELF_OR_SUPERUSER)',
        "tests/test_api_errors_documented.py",
    ),
    Mutant(
        "a-413-without-its-body",
        "{slug}/core/errors.py",
        '413: {"model": ErrorDetail, "description"',
        '413: {"description"',
        "tests/test_api_errors_documented.py",
    ),
    Mutant(
        "a-422-not-in-the-declared-shape",
        "{slug}/users/admin_router.py",
        'raise invalid_request(("body",), "Each id may appear once")',
        'raise HTTPException(422, detail="Each id may appear once")',
        "tests/test_api_errors_documented.py",
    ),
]


# Names the file of the package it imports (the copy's, not the original's, is what must
# run), then runs pytest in the same process: one start, not two, for each of the mutants.
IMPORT_THEN_TEST = (
    "import sys, pytest, {package}; print({package}.__file__, flush=True);"
    " sys.exit(pytest.main(sys.argv[1:]))"
)


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
        pytest_args = ["-x", "-q", "-p", "no:cacheprovider", mutant.tests]
        code = IMPORT_THEN_TEST.format(package=project.slug)
        result = run(
            [project.command("python"), "-c", code, *pytest_args],
            cwd=project_copy,
            env=env,
            check=False,
        )

    imported = result.stdout.partition("\n")[0]
    assert imported.startswith(f"{project_copy}{os.sep}"), (
        f"the copy is not what runs: {imported!r}\n{result.stderr[-3000:]}"
    )
    assert result.returncode == 1, (
        f"the mutant {mutant.name} survived {mutant.tests} (exit {result.returncode}):\n"
        f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
    )
