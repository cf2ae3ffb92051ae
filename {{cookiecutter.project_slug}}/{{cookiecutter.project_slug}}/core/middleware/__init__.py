"""The ASGI middleware every request passes through (app.py adds them in order)."""
