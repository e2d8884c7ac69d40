"""alerts: render change events, queue them in the outbox, deliver them through Apprise.

The pipeline calls ``run_alerts(con, settings, now=None, dry_run=False)``.
"""

from alerts.run import AlertReport, run_alerts

__all__ = ["AlertReport", "run_alerts"]
