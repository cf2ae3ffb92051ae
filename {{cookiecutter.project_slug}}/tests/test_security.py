"""auth/passwords.py and auth/tokens.py on their own: hashing and tokens, no app, no database."""

import json
import threading
import warnings
from datetime import UTC, datetime, timedelta

import jwt
import pwdlib
import pytest
from jwt.utils import base64url_decode, base64url_encode
from jwt.warnings import InsecureKeyLengthWarning

from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher
from {{ cookiecutter.project_slug }}.auth.tokens import (
    AccessTokenClaims,
    create_access_token,
    decode_access_token,
)
from tests.test_hashing_slots import slot_held

SECRET_KEY = "a-secret-key-for-these-tests-only-0123456789"
FIVE_MINUTES = timedelta(minutes=5)


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost_kib=8, parallelism=1)


def make_token(user_id: int = 42, token_version: int = 3, session_id: int = 7) -> str:
    return create_access_token(
        user_id=user_id,
        token_version=token_version,
        session_id=session_id,
        secret_key=SECRET_KEY,
        expires_in=FIVE_MINUTES,
    )


def claims(**changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    valid = {
        "sub": "42",
        "iat": now,
        "exp": now + FIVE_MINUTES,
        "type": "access",
        "ver": 3,
        "sid": 7,
    }
    return valid | changes


# Passwords


@pytest.mark.parametrize("password", ["correct horse battery", "비밀번호는 안전해", "🔑" * 8])
def test_a_hash_verifies_its_password(hasher: PasswordHasher, password: str) -> None:
    assert hasher.verify(password, hasher.hash(password)) == (True, None)


def test_a_hash_does_not_verify_another_password(hasher: PasswordHasher) -> None:
    matches, _ = hasher.verify("wrong password", hasher.hash("correct horse battery"))

    assert not matches


def test_a_hash_is_argon2id_and_salted(hasher: PasswordHasher) -> None:
    first, second = hasher.hash("same password"), hasher.hash("same password")

    assert first.startswith("$argon2id$")
    assert first != second
    assert "same password" not in first


def test_verifying_a_hash_made_with_other_parameters_gives_a_new_hash(
    hasher: PasswordHasher,
) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost_kib=16, parallelism=1)
    old_hash = hasher.hash("correct horse battery")

    matches, new_hash = stronger.verify("correct horse battery", old_hash)

    assert matches
    assert new_hash is not None
    assert "m=16,t=2,p=1" in new_hash
    assert stronger.verify("correct horse battery", new_hash) == (True, None)


def test_a_wrong_password_against_old_parameters_gives_no_new_hash(
    hasher: PasswordHasher,
) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost_kib=16, parallelism=1)

    assert stronger.verify("wrong password", hasher.hash("correct horse battery")) == (False, None)


def test_verify_nothing_accepts_any_password(hasher: PasswordHasher) -> None:
    hasher.verify_nothing("any password at all")  # it returns nothing and raises nothing


def test_a_busy_hasher_waits_for_a_slot_to_come_free() -> None:
    # Far longer than the slot stays taken: the hash must wait for it, not give up at once.
    patient = PasswordHasher(
        time_cost=1, memory_cost_kib=8, parallelism=1, concurrency=1, wait_seconds=60
    )
    with slot_held(patient) as free:
        threading.Timer(0.1, free.set).start()  # the other request ends while this one waits
        hashed = patient.hash("correct horse battery")

    assert patient.verify("correct horse battery", hashed) == (True, None)


# Access tokens


def test_a_token_decodes_to_its_user_version_and_session() -> None:
    token = make_token(user_id=42, token_version=3, session_id=7)

    assert decode_access_token(token, secret_key=SECRET_KEY) == AccessTokenClaims(
        user_id=42, token_version=3, session_id=7
    )


def test_a_token_expires_after_the_given_time() -> None:
    token = make_token()

    payload = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])

    assert payload["exp"] - payload["iat"] == FIVE_MINUTES.total_seconds()


def test_a_token_with_a_changed_payload_is_refused() -> None:
    header, payload, signature = make_token(user_id=42).split(".")
    forged_claims = json.loads(base64url_decode(payload)) | {"sub": "1"}
    forged_payload = base64url_encode(json.dumps(forged_claims).encode()).decode()

    with pytest.raises(jwt.InvalidSignatureError):
        decode_access_token(f"{header}.{forged_payload}.{signature}", secret_key=SECRET_KEY)


def test_a_token_with_a_changed_signature_is_refused() -> None:
    token = make_token()
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    with pytest.raises(jwt.InvalidTokenError):
        decode_access_token(tampered, secret_key=SECRET_KEY)


def test_a_token_is_refused_under_another_key() -> None:
    with pytest.raises(jwt.InvalidSignatureError):
        decode_access_token(make_token(), secret_key="another-secret-key-0123456789-abcdefgh")


def test_an_expired_token_is_refused() -> None:
    now = datetime.now(UTC)
    token = jwt.encode(claims(iat=now - 2 * FIVE_MINUTES, exp=now - FIVE_MINUTES), SECRET_KEY)

    with pytest.raises(jwt.ExpiredSignatureError):
        decode_access_token(token, secret_key=SECRET_KEY)


def test_an_unsigned_token_is_refused() -> None:
    token = jwt.encode(claims(), "", algorithm="none")

    with pytest.raises(jwt.InvalidAlgorithmError):
        decode_access_token(token, secret_key=SECRET_KEY)


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_a_token_signed_with_another_algorithm_is_refused(algorithm: str) -> None:
    with warnings.catch_warnings():  # the key is short for these; irrelevant here
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        token = jwt.encode(claims(), SECRET_KEY, algorithm=algorithm)

    with pytest.raises(jwt.InvalidAlgorithmError):
        decode_access_token(token, secret_key=SECRET_KEY)


# Stated here, not read from auth/tokens.py: a token without any one of these is refused.
@pytest.mark.parametrize("claim", ["sub", "iat", "exp", "type", "ver", "sid"])
def test_a_token_without_a_required_claim_is_refused(claim: str) -> None:
    incomplete = claims()
    del incomplete[claim]

    with pytest.raises(jwt.MissingRequiredClaimError):
        decode_access_token(jwt.encode(incomplete, SECRET_KEY), secret_key=SECRET_KEY)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"type": "refresh"}, id="type-refresh"),
        pytest.param({"sub": "alice"}, id="sub-a-name"),
        pytest.param({"sub": "-1"}, id="sub-negative"),
        pytest.param({"sub": "\u0661"}, id="sub-arabic-digit"),
        pytest.param({"sub": ""}, id="sub-empty"),
        pytest.param({"ver": "3"}, id="ver-a-string"),
        pytest.param({"ver": True}, id="ver-a-boolean"),
        pytest.param({"ver": 3.0}, id="ver-a-float"),
        pytest.param({"sid": "7"}, id="sid-a-string"),
        pytest.param({"sid": True}, id="sid-a-boolean"),
        pytest.param({"sid": 2**63}, id="sid-beyond-any-id"),
    ],
)
def test_a_token_with_a_wrong_claim_is_refused(changes: dict[str, object]) -> None:
    token = jwt.encode(claims(**changes), SECRET_KEY)

    with pytest.raises(jwt.InvalidTokenError):
        decode_access_token(token, secret_key=SECRET_KEY)


# Stated here, not read from auth/tokens.py: "access" is the one type a token may have.
@pytest.mark.parametrize(
    "token_type",
    ["refresh", "id", "reset", "", "Access", "ACCESS", "access ", 1, ["access"], {"a": "access"}],
)
def test_a_token_of_any_type_but_access_is_refused(token_type: object) -> None:
    token = jwt.encode(claims(type=token_type), SECRET_KEY)

    with pytest.raises(jwt.InvalidTokenError):
        decode_access_token(token, secret_key=SECRET_KEY)


@pytest.mark.parametrize(
    "subject",
    [
        # int() refuses strings of over 4,300 digits (ValueError): refused before that.
        pytest.param("9" * 5000, id="5000-digits"),
        pytest.param("1" + "0" * 4299, id="4300-digits"),
        pytest.param("0" * 4999 + "1", id="5000-digits-with-leading-zeros"),
        pytest.param("9" * 20, id="beyond-any-64-bit-id"),
    ],
)
def test_a_token_whose_subject_is_too_long_for_an_id_is_refused(subject: str) -> None:
    token = jwt.encode(claims(sub=subject), SECRET_KEY)

    with pytest.raises(jwt.InvalidTokenError):
        decode_access_token(token, secret_key=SECRET_KEY)


def test_an_unknown_username_costs_a_real_argon2_verification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The answer to an unknown username must take as long as a wrong password: the dummy
    # check is a real Argon2id verification with the current parameters, not a no-op.
    hasher = PasswordHasher(time_cost=3, memory_cost_kib=64, parallelism=1)
    verified: list[str] = []
    verify = pwdlib.PasswordHash.verify

    def spy(self: pwdlib.PasswordHash, password: str, hashed: str) -> bool:
        verified.append(hashed)
        return verify(self, password, hashed)

    monkeypatch.setattr(pwdlib.PasswordHash, "verify", spy)

    hasher.verify_nothing("a guessed password")

    [hashed] = verified
    assert hashed.startswith("$argon2id$")
    assert "m=64,t=3,p=1" in hashed
