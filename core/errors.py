"""The errors that end a command, each with its documented exit status."""


class ZgwatchError(Exception):
    """An error reported as one line; ``exit_code`` is the process's exit status."""

    exit_code = 1


class ConfigError(ZgwatchError):
    """Bad usage or configuration (exit 2)."""

    exit_code = 2


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
