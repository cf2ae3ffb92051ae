-- POST the login form of the seeded user (wrk -s login.lua).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "username=bench_user&password=bench-password-123"
