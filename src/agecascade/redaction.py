"""One redaction for every place that prints or records a URL: logs (ours and pooch's), job
errors and tracebacks, download markers, Snakemake's recorded parameters, reports, provenance.

It hides the user-info of a URL (`https://user:secret@host`, a password with an unencoded `@`
included) and every query value (signed URLs: `?X-Amz-Signature=...&token=...`), with or
without a scheme before it: `requests` prints "url: /path?X-Amz-Credential=..." without one.
"""

from __future__ import annotations

import logging
import re

# user-info up to the last "@" before the path: a password may hold an unencoded "@"
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s'\"]*@")
# a query string, with or without a scheme before it: `requests` prints "url: /path?X-Amz-...=..."
_QUERY = re.compile(r"(?P<scheme>[^\s'\"?#]*\?)(?P<query>[A-Za-z0-9_.~%+-]+=[^\s'\"#]*)")


def _redact_query(match: re.Match) -> str:
    pairs = [part.partition("=") for part in match["query"].split("&")]
    return match["scheme"] + "&".join(f"{key}={'***' if value else ''}" if sep else key for key, sep, value in pairs)


def redact(text) -> str:
    """`text` with the secrets of every URL in it replaced by `***`: the user-info
    (`https://user:secret@host`) and every query value (signed URLs: `?X-Amz-Signature=...&token=...`)."""
    return _QUERY.sub(_redact_query, _USERINFO.sub(r"\g<scheme>***@", str(text)))


class RedactingFilter(logging.Filter):
    """Redacts URLs in log records (pooch logs the URLs it downloads)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), ()
        return True


