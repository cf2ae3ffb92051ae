"""Users: sign up, read, update and delete accounts; superusers manage them all."""
