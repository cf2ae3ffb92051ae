"""The service's machinery: settings, database engines and sessions, middleware, logs,
metrics, the API docs, the event loop and the error answers.

Domain packages (users/, auth/, health/, a team's own) use it through a few seams:
dependencies.py (the settings and a database session for an endpoint), models.py (the
model base and column types), schemas.py (strict request bodies) and config.py (the
settings). Nothing here imports a domain package.
"""
