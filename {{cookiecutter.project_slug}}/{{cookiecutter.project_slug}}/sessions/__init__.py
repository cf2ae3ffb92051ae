"""Sign-in sessions: each login starts one, which rotating refresh tokens keep alive."""
