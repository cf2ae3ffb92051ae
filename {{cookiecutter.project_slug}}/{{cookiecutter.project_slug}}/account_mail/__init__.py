"""Mailed links: verify an email address, reset a forgotten password."""
