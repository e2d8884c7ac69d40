"""Run ``dag.test()`` on one zgwatch DAG and write the outcome as JSON.

Usage: ``run_dag_test.py DAG_ID LOGICAL_DATE RUN_CONF_JSON OUT_JSON`` (in a
subprocess of ``test_dag_test.py``, with the AIRFLOW_* and ZGWATCH_* environment
the test prepared). The tasks run in this process, one after the other, as
``airflow dags test`` runs them.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path


def main(dag_id: str, logical_date: str, conf: str, out: Path) -> None:
    # As under `airflow dags test` (zgwatch.airflow.factory.deadline_from): Airflow 3.3's
    # dag.test() cannot finish a run of a DAG with a DeadlineAlert.
    os.environ["ZGWATCH_DEADLINE"] = "none"
    from airflow.dag_processing.dagbag import BundleDagBag

    dags = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    bag = BundleDagBag(dag_folder=dags, bundle_path=dags)
    dag = bag.get_dag(dag_id)
    run = dag.test(logical_date=datetime.fromisoformat(logical_date), run_conf=json.loads(conf))
    tis = run.get_task_instances()
    out.write_text(json.dumps({
        "state": str(run.state),
        "tasks": {ti.task_id: str(ti.state) for ti in tis},
        "xcom": {ti.task_id: ti.xcom_pull(task_ids=ti.task_id) for ti in tis},
    }, default=str), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]))
