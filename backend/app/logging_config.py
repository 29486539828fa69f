"""Log configuration: plain lines in development, one JSON object per line in production."""

import json
import logging
import logging.config
from typing import Any

# color_message: uvicorn's copy of the message with terminal colour codes.
_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS})
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_settings(level: str, *, json_lines: bool) -> dict[str, Any]:
    """A `logging.config.dictConfig` configuration; uvicorn applies it in every worker process."""
    formatter: dict[str, Any] = (
        {"()": "app.logging_config.JsonFormatter"}
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            # Uvicorn's access log prints query strings, which carry patient data; ours does not.
            "uvicorn.access": {"handlers": [], "propagate": False},
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
        },
    }


def configure_logging(level: str, *, json_lines: bool) -> None:
    logging.config.dictConfig(logging_settings(level, json_lines=json_lines))
