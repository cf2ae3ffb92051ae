"""Signing in: passwords, access tokens, who is calling, and throttled password guessing."""
