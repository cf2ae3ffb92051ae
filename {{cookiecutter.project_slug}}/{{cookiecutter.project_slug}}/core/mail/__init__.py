"""Mail: a transactional outbox, and a sender that delivers it after the answer.

Machinery, not a domain: the account endpoints (and a team's own) send mail through one
seam, `outbox.queue_mail(session, to=..., subject=..., text=..., html=...)`, which adds a
row to `outgoing_mails` in the caller's transaction. A mail therefore exists only if the
request's change committed, and a request never waits for a mail server.

Each worker runs a `sender.MailSender` (app.py starts and stops it with the app): woken
when this worker queued a mail, and polling for the others', it claims one due mail at a
time with a conditional UPDATE that only one worker can win, sends it in a thread
(`transports.py`: SMTP, or the log in development), and deletes it once sent. A failure
that may pass (a server down, a 4xx) is retried with exponential back-off; a permanent
refusal (5xx), or a mail too old to be worth sending, is logged as an error and dropped.
"""
