"""Airflow loads this from its plugins folder: the zgwatch page in the UI.

``zgwatch airflow`` points ``AIRFLOW__CORE__PLUGINS_FOLDER`` here; a deployment
copies this file into its own plugins folder (docs/operators.md). What it adds
is built in ``zgwatch.airflow.plugin``.
"""

from typing import Any, ClassVar

from airflow.plugins_manager import AirflowPlugin

from zgwatch.airflow import plugin


class ZgwatchPlugin(AirflowPlugin):
    """The zgwatch page (a FastAPI app and its external view) and the UI's default time zone."""

    name = "zgwatch"
    fastapi_apps: ClassVar[list[dict[str, Any]]] = plugin.FASTAPI_APPS
    external_views: ClassVar[list[dict[str, Any]]] = plugin.EXTERNAL_VIEWS
    fastapi_root_middlewares: ClassVar[list[dict[str, Any]]] = plugin.ROOT_MIDDLEWARES
