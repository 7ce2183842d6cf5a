"""Shipping security events off the host: each committed event is also written as one JSON
line to the logger "fangxian.security", which the settings send to syslog (a remote
collector or the local daemon) or to a file rotated daily into the backups, as
FANGXIAN_AUDIT_SHIP says. The database keeps the events either way; the copy elsewhere is
what survives the host."""

from __future__ import annotations

import json
import logging
import logging.handlers
import socket

logger = logging.getLogger("fangxian.security")


def event_record(event) -> dict:
    return {
        "id": event.pk,
        "kind": event.kind,
        "at": event.at.isoformat(),
        "user_id": event.user_id,
        "username": event.username,
        "ip": event.ip_address,
        "request_id": event.request_id,
        "user_agent": event.user_agent,
        "detail": event.detail,
        "host": socket.gethostname(),
    }


def ship(event) -> None:
    logger.info("security event %s", event.kind, extra={"security_event": event_record(event)})


class JSONLineFormatter(logging.Formatter):
    """One JSON object per line (the event itself when the record carries one)."""

    def format(self, record: logging.LogRecord) -> str:
        data = getattr(record, "security_event", None) or {"message": record.getMessage(), "logger": record.name}
        return json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)


def syslog_handler(address: str = "/dev/log", facility: str = "auth") -> logging.Handler:
    """A SysLogHandler from "host:port" (UDP) or a socket path; the local daemon by default."""
    target: str | tuple[str, int] = address
    if ":" in address and not address.startswith("/"):
        host, _sep, port = address.rpartition(":")
        target = (host, int(port))
    return logging.handlers.SysLogHandler(address=target, facility=facility)


def logging_config(mode: str, *, syslog_address: str, path: str, keep_days: int) -> tuple[dict, dict]:
    """(handlers, logger) entries of LOGGING for the security log, from FANGXIAN_AUDIT_SHIP:
    "" (not shipped), "syslog" or "file"."""
    if mode == "syslog":
        handler = {"()": "fangxian.audit.shipping.syslog_handler", "address": syslog_address, "formatter": "security_json"}
    elif mode == "file":
        handler = {
            "class": "logging.handlers.TimedRotatingFileHandler",
            "filename": path,
            "when": "midnight",
            "backupCount": keep_days,
            "encoding": "utf-8",
            "formatter": "security_json",
        }
    elif mode == "":
        handler = {"class": "logging.NullHandler"}
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"FANGXIAN_AUDIT_SHIP must be syslog, file or empty, not {mode!r}")
    return {"security": handler}, {"handlers": ["security"], "level": "INFO", "propagate": False}
