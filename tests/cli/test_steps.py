"""The cycle's steps are written once (zgwatch.steps): ``zgwatch run`` runs exactly those."""

from zgwatch import pipeline, steps


def test_run_knows_every_step_of_the_cycle_and_no_other():
    assert list(pipeline._STEPS) == list(steps.step_names())
    assert steps.step_names() == ("crawl", "load", "diff", "alert", "publish")


def test_every_step_has_tasks_and_the_dags_share_them_out():
    assert all(step.tasks for step in steps.CYCLE)
    both = steps.task_ids(steps.MONITOR) + steps.task_ids(steps.PUBLISH)
    assert sorted(both) == sorted(t for step in steps.CYCLE for t in step.tasks)
    assert len(set(both)) == len(both)
