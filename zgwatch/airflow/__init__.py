"""The Airflow side of zgwatch: the tasks the DAGs call, the DAG factory, a local launcher.

``dags/`` holds the DAG files (configuration); ``factory`` builds the DAGs of a
column, each task one call into ``tasks``, which calls ``zgwatch.pipeline``;
``launcher`` is ``zgwatch airflow``. Airflow itself is imported only inside
the functions that run in a task or the launcher's processes.
"""
