"""alerts: render change events, queue them in the outbox, deliver them through Apprise.

The pipeline calls ``alerts.run.run_alerts(con, AlertConfig(...))``. This
package's ``__init__`` imports nothing, so reading a destination's settings
(``alerts.destinations``) never loads Apprise or the templates.
"""
