from fastapi.testclient import TestClient


def test_signup_login_me(client: TestClient) -> None:
    body = {"username": "Alice", "password": "password123", "age": 3}
    r = client.post("/api/v1/users", json=body)
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/auth/token", data={"username": "alice", "password": "password123"})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    r = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    r = client.get("/health")
    assert r.json() == {"status": "ok", "database": "ok"}
    r = client.post("/api/v1/users", json=body | {"username": "ALICE"})
    assert r.status_code == 409, r.text
