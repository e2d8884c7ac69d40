"""The errors that end a command, each with its documented exit status."""


class ZgwatchError(Exception):
    """An error reported as one line; ``exit_code`` is the process's exit status."""

    exit_code = 1


class ConfigError(ZgwatchError):
    """Bad usage or configuration (exit 2)."""

    exit_code = 2


class ColumnMismatch(ConfigError):
    """A warehouse asked to watch another column than its own (exit 2)."""

    def __init__(self, warehouse, watched: str, asked: str, *, batch: str | None = None,
                 advice: str = ""):
        self.warehouse, self.watched, self.asked, self.batch = warehouse, watched, asked, batch
        what = f"batch {batch} is of the column {asked}" if batch else f"asked to watch {asked}"
        more = f" ({advice})" if advice else ""
        super().__init__(f"warehouse {warehouse} watches the column {watched}; {what}{more}")


class ColumnUnreadable(ZgwatchError):
    """The column could not be read at all: what, where, why (exit 1)."""


class WarehouseBusy(ZgwatchError):
    """The warehouse stayed locked by another process past the wait limit (exit 1)."""


class WarehouseMissing(ZgwatchError):
    """A read-only open of a warehouse file that does not exist (exit 1)."""


class BatchError(ZgwatchError):
    """A crawl batch that cannot be loaded: incomplete, misnamed, out of order (exit 1)."""


class StageFailed(ZgwatchError):
    """A stage could not complete (exit 1)."""


class CycleRunning(ZgwatchError):
    """Another cycle holds the data directory's lock (exit 1); the message names it."""


class HostBusy(ZgwatchError):
    """Another crawl kept a host's lock past the wait limit (exit 1); the message names it."""


def os_error_text(exc: OSError, path=None) -> str:
    """An OS error as people read it, naming the path: ``data/raw/ab: No space left on device``.

    ``path`` names the file when the error does not (a failed ``write()`` names none).
    """
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None and exc.filename2 is not None:  # a copy or a rename
        return f"{exc.filename} -> {exc.filename2}: {reason}"
    where = exc.filename if exc.filename is not None else path
    return f"{where}: {reason}" if where is not None else reason
