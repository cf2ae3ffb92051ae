"""Client: `make client` writes a typed Python client from the app's schema, with no server
and no generator warning, and that client signs up, logs in, reads itself and lists users
on a served project, and gets the API's errors as typed objects (ErrorDetail), not None."""

import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import SQLITE_INSTALLED, InstalledProject, run
from tests.serving import migrated, served

SUPERUSER, SUPERUSER_PASSWORD = "root_admin", "a superuser password"
USER, USER_PASSWORD = "ada_lovelace", "analytical engine"
MISSING_ID = 123456789  # no user's id: the project has two users

pytestmark = pytest.mark.parametrize(
    "installed_project",
    SQLITE_INSTALLED,
    indirect=True,
)

# What a team calling the API would write, with the generated package's own names: one
# module per operation, named after its operation id, grouped by tag.
USE_THE_CLIENT = textwrap.dedent(
    """
    import json
    import sys

    from {slug}_client import AuthenticatedClient, Client
    from {slug}_client.api.auth import login
    from {slug}_client.api.users import create_user, list_users, read_current_user, read_user
    from {slug}_client.models import (
        BodyLogin, ErrorDetail, Token, UserCreate, UserPage, UserRead
    )

    url = sys.argv[1]
    anyone = Client(base_url=url, raise_on_unexpected_status=True)


    def signed_in(username: str, password: str) -> AuthenticatedClient:
        token = login.sync(client=anyone, body=BodyLogin(username=username, password=password))
        assert isinstance(token, Token), token
        return AuthenticatedClient(base_url=url, token=token.access_token)


    created = create_user.sync(
        client=anyone, body=UserCreate(username="{user}", password="{user_password}")
    )
    assert isinstance(created, UserRead), created
    user = signed_in("{user}", "{user_password}")
    me = read_current_user.sync(client=user)
    assert isinstance(me, UserRead), me
    superuser = signed_in("{superuser}", "{superuser_password}")
    page = list_users.sync(client=superuser)
    assert isinstance(page, UserPage), page
    # Errors the schema declares come parsed, as its ErrorDetail (422: HTTPValidationError);
    # an undeclared one would be None, or here (raise_on_unexpected_status) an exception.
    errors = {{
        "others_id": read_user.sync_detailed(client=user, user_id=created.id + 1),
        "missing_id": read_user.sync_detailed(client=superuser, user_id={missing_id}),
        "two_ways_to_page": list_users.sync_detailed(client=superuser, after=1, offset=1),
    }}
    print(json.dumps({{
        "created": [created.id, created.username],
        "me": [me.id, me.username],
        "listed": sorted(user.username for user in page.items),
        "total": page.total,
        "errors": {{
            name: [
                answer.status_code,
                type(answer.parsed).__name__,
                answer.parsed.detail if isinstance(answer.parsed, ErrorDetail) else None,
            ]
            for name, answer in errors.items()
        }},
    }}))
    """
)


def test_make_client_writes_a_client_that_works_against_the_served_api(
    installed_project: InstalledProject, tmp_path: Path
) -> None:
    project = installed_project
    stamp = tmp_path / "installed-stamp"  # the venv is installed: make need not install
    stamp.touch()

    result = run(["make", f"INSTALLED={stamp}", "client"], cwd=project.root, env=project.env())

    # The generator says "Warning(s) encountered while generating", then what it skipped.
    assert "Warning" not in result.stdout + result.stderr, result.stdout
    package = project.root / "build" / "client" / f"{project.slug}_client"
    assert (package / "py.typed").is_file()
    script = tmp_path / "use_the_client.py"
    script.write_text(
        USE_THE_CLIENT.format(
            slug=project.slug,
            user=USER,
            user_password=USER_PASSWORD,
            superuser=SUPERUSER,
            superuser_password=SUPERUSER_PASSWORD,
            missing_id=MISSING_ID,
        )
    )
    with migrated(project, tmp_path) as env:
        superuser_env = env | {"SUPERUSER_PASSWORD": SUPERUSER_PASSWORD}
        command = [project.command("python"), "-m", project.slug, "create-superuser", SUPERUSER]
        run(command, cwd=project.root, env=superuser_env)
        with served(project, env, tmp_path / "uvicorn.log") as url:
            client_env = env | {"PYTHONPATH": str(package.parent)}
            output = run([project.command("python"), script, url], cwd=tmp_path, env=client_env)

    answers = json.loads(output.stdout)
    assert answers["created"] == answers["me"]
    assert answers["me"][1] == USER
    assert answers["listed"] == sorted([SUPERUSER, USER])
    assert answers["total"] == 2
    errors = answers["errors"]
    assert {name: answer[:2] for name, answer in errors.items()} == {
        "others_id": [403, "ErrorDetail"],
        "missing_id": [404, "ErrorDetail"],
        "two_ways_to_page": [422, "HTTPValidationError"],
    }
    details = [errors["others_id"][2], errors["missing_id"][2]]
    assert all(isinstance(detail, str) and detail for detail in details), errors
