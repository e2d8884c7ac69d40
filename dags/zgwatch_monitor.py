"""zgwatch's DAGs for the 整改落实 column: ``zgwatch_monitor`` and ``zgwatch_publish``.

Settings come from the ``ZGWATCH_*`` environment of the Airflow workers, the
Airflow Variable ``zgwatch_settings`` and a manual run's params; the schedule
from ``ZGWATCH_SCHEDULE`` (cron or preset, Shanghai time; default hourly).
See docs/operators.md. To watch another column, add a file like this one that
calls ``column_dags("name", column_settings={...})``.
"""

from zgwatch.airflow.factory import column_dags

zgwatch_monitor, zgwatch_publish = column_dags()
