"""Logging: one line per message, as text for people or as JSON for log collectors.

`configure_logging` sends every logger's messages, uvicorn's too, to one handler on standard
output. Each line names the request it was written for (middleware/request_ids.py). uvicorn's
access log is switched off: middleware/request_tracking.py writes one line per request, with
the route template and the request id, and with no query string, header or body, where
secrets travel.

A message is always one line, a traceback's too: a line break or another control character
in what a client sent would otherwise start a line that looks like the service's own, and
a log collector would split a traceback into unrelated messages. JSON escapes them by
itself; the text format writes them as Python does in a string (\\n, \\x1b).
"""

import json
import logging
import sys
import time
import warnings
from typing import Literal, TextIO

from {{ cookiecutter.project_slug }}.core.middleware.request_ids import current_request_id

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# What middleware/request_tracking.py adds to its records (`extra`); a JSON line carries each
# as a field.
REQUEST_FIELDS = ("method", "route", "status", "duration_ms", "client")


# Every C0 and C1 control character, DEL, and the two Unicode line separators, which
# some viewers break lines at: each as its escape (repr's \n, \r, \t, \x1b, \u2028).
CONTROL_CHARACTERS = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
ESCAPES = {code: repr(chr(code))[1:-1] for code in CONTROL_CHARACTERS}


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being served ("-" outside requests,
    which no request's id can be: middleware/request_ids.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback is one field, its line breaks escaped."""

    def format(self, record: logging.LogRecord) -> str:
        # ISO 8601 in UTC, to the millisecond: 2026-12-02T06:06:06.271Z
        moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        entry = {
            "time": f"{moment}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for field in REQUEST_FIELDS:
            if field in record.__dict__:
                entry[field] = record.__dict__[field]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT, on one line: control characters escaped, a traceback's line breaks too."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).translate(ESCAPES)


def log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Write a warning (a library's notice, SQLAlchemy's say) as a log message, not as
    Python's own two raw lines on standard error, which a JSON log could not parse."""
    warning = f"{category.__name__}: {message} ({filename}:{lineno})"
    logging.getLogger("py.warnings").warning("%s", warning)


def configure_logging(log_format: LogFormat, level: str, stream: TextIO = sys.stdout) -> None:
    """Send every message at `level` or above to `stream`, formatted as `log_format` says."""
    formatter = JsonFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT)
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter)
    # Each record would otherwise look up its thread's and process's names, which no line
    # shows: a cost on every request (the logging HOWTO's "Optimization").
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn configured its loggers before it imported the app: its messages now go through
    # the same handler, and its access log gives way to middleware/request_tracking.py's.
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True
    warnings.showwarning = log_warning
