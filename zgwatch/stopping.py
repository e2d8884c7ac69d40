"""Whether this process was told to stop (SIGTERM, or Ctrl-C to ``zgwatch watch``).

The CLI's signal handlers set ``STOPPING`` before they raise in the main thread. An
exception raised inside a DuckDB query comes back as DuckDB's own ("Query
interrupted", an ``Exception``): the cycle then sees a stage fail. With ``STOPPING``
set that is no failure to tell operators of (no incident, no refreshed copy): the
cycle lets it through and the command ends, its ``finally`` blocks having run.
"""

from __future__ import annotations

import threading

STOPPING = threading.Event()
