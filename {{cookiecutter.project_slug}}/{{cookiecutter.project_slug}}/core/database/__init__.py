"""Database engines, sessions, URLs and the accounts create-database makes."""
