"""zgwatch's DAGs: a monitor and a publish DAG for every source of the registry.

One source (no ``[[sources]]``): ``zgwatch_monitor`` and ``zgwatch_publish``. With a
registry (zgwatch.toml of ``ZGWATCH_CONFIG``): ``zgwatch_<id>`` and
``zgwatch_<id>_publish`` for each source. Settings come from the ``ZGWATCH_*``
environment of the Airflow workers, the file, the Airflow Variable
``zgwatch_settings`` and a manual run's params; the schedule from
``ZGWATCH_SCHEDULE`` (cron or preset, Shanghai time; default hourly). See
docs/operators.md. Adding a source is a block of the file, not a DAG file.
"""

from zgwatch.airflow.factory import registry_dags

globals().update(registry_dags())
