"""Seed the benchmark database (run with the baked project's interpreter, from its root).

Usage: python seed.py PACKAGE USERS. Creates `bench_user` (password bench-password-123), a
superuser, so that it may list and read every user; then USERS more users sharing one
password hash (hashing each would take minutes).
Prints the bench user's id.
"""

import importlib
import sys

from sqlalchemy import delete, insert


def main(package: str, users: int) -> None:
    config = importlib.import_module(f"{package}.core.config")
    engine_module = importlib.import_module(f"{package}.core.database.engine")
    models = importlib.import_module(f"{package}.core.models")
    user_models = importlib.import_module(f"{package}.users.models")
    passwords = importlib.import_module(f"{package}.auth.passwords")
    settings = config.load_settings()
    hasher = passwords.PasswordHasher.from_settings(settings)
    engine = engine_module.create_db_engine(settings.database_url)
    user_table = user_models.User.__table__
    now = models.utc_now()
    row = {
        "hashed_password": hasher.hash("bench-password-123"),
        "is_active": True,
        "created_at": now,
        "updated_at": now,
    }
    with engine.begin() as connection:
        connection.execute(delete(user_table))
        connection.execute(
            insert(user_table), [{**row, "username": "bench_user", "age": 30, "is_superuser": True}]
        )
        connection.execute(
            insert(user_table),
            [
                {
                    **row,
                    "username": f"seed_{number:06d}",
                    "age": number % 100,
                    "is_superuser": False,
                }
                for number in range(users)
            ],
        )
        bench_id = (
            connection.execute(user_table.select().where(user_table.c.username == "bench_user"))
            .one()
            .id
        )
    engine.dispose()
    print(bench_id)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
