"""Imports run one way: core ← stages ← application and Airflow side ← dags.

Every module of the product is read (not imported) and each of its imports,
at module level or inside a function, is checked against the layer map below.
See docs/architecture.md, "Layers".
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# module prefix -> layer (the longest prefix wins); a module may import its own part or lower.
LAYERS = {
    "core": 0,
    "crawler": 1,
    "warehouse": 1,
    "alerts": 1,
    "history": 1,
    "zgwatch": 2,  # the application's kernel: settings, pipeline, sinks
    "zgwatch.cli": 3,  # entry points and the Airflow side, above the kernel
    "zgwatch.__main__": 3,
    "zgwatch.demo": 3,
    "zgwatch.airflow": 3,
    "dags": 4,
    "plugins": 4,  # Airflow's plugins folder: loads zgwatch.airflow.plugin, like dags/ loads DAGs
}
STAGES = {name for name, layer in LAYERS.items() if layer == 1}
OTHERS = {"replica", "tests", "bench", "testkit"}


def layer_of(module: str) -> str | None:
    """The part of a dotted module path of ours (None for a third-party module)."""
    if module.split(".")[0] in OTHERS:
        return module.split(".")[0]
    parts = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return max(parts, key=len) if parts else None


def product_modules() -> list[Path]:
    tops = {name.split(".")[0] for name in LAYERS}
    return sorted(p for name in tops if (REPO / name).exists()
                  for p in (REPO / name).rglob("*.py"))


def imports_of(path: Path, repo: Path = REPO) -> list[tuple[int, str]]:
    """(line, module) of every import statement in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(repo).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module or ""]).strip(".")
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def violations(path: Path, repo: Path = REPO) -> list[str]:
    """Imports of ``path`` against the direction: upward, sideways between stages, tests or
    bench code in the product, or the replica below the application."""
    own = layer_of(".".join(path.relative_to(repo).with_suffix("").parts).removesuffix(
        ".__init__"))
    bad = []
    for line, module in imports_of(path, repo):
        target = layer_of(module)
        if target is None or target == own:
            continue
        where = f"{path.relative_to(repo)}:{line} imports {module}"
        if target == "replica" and LAYERS[own] >= LAYERS["zgwatch"]:
            continue  # the application serves the replica (zgwatch replica, the demo)
        if target in ("tests", "bench", "testkit", "replica"):
            bad.append(f"{where} (test or replica code in the product)")
        elif LAYERS[target] > LAYERS[own]:
            bad.append(f"{where} (upward: {own} is below {target})")
        elif own in STAGES and target in STAGES:
            bad.append(f"{where} (a stage reaches into another stage)")
    return bad


def test_every_product_module_imports_downward_only():
    found = [v for path in product_modules() for v in violations(path)]
    assert found == [], "\n".join(found)


def test_the_replica_imports_nothing_of_the_product():
    found = [f"{p.relative_to(REPO)}:{line} imports {m}"
             for p in sorted((REPO / "replica").rglob("*.py"))
             for line, m in imports_of(p) if layer_of(m) not in (None, "replica")]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(("where", "code", "why"), [
    ("core/vocabulary.py", "from warehouse.db import connect\n", "upward"),
    ("warehouse/diff.py", "def f():\n    from zgwatch.config import Settings\n", "upward"),
    ("alerts/run.py", "from warehouse import db\n", "another stage"),
    ("crawler/pages.py", "from . import items\nfrom ..zgwatch import cli\n", "upward"),
    ("zgwatch/cli.py", "import tests.support.screenshots\n", "test or replica"),
    ("warehouse/load.py", "from replica import Replica\n", "test or replica"),
    ("warehouse/load.py", "from testkit.batches import FakeColumn\n", "test or replica"),
    ("zgwatch/pipeline.py", "from zgwatch.airflow import tasks\n", "upward"),
])
def test_an_import_against_the_direction_is_caught(tmp_path, where, code, why):
    module = tmp_path / where
    module.parent.mkdir(parents=True)
    module.write_text(code, encoding="utf-8")
    (found,) = violations(module, repo=tmp_path)
    assert why in found and where in found


def test_benchmarks_import_no_test_module():
    """What benchmarks share with tests lives in testkit/, never in tests/."""
    found = [f"{p.relative_to(REPO)}:{line} imports {m}"
             for p in sorted((REPO / "bench").rglob("*.py"))
             for line, m in imports_of(p) if layer_of(m) == "tests"]
    assert found == [], "\n".join(found)
