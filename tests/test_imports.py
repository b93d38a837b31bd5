"""The package imports without circles.

Two checks. The module graph, read with `ast` from the sources: an edge A -> B for every
`import` in A that names B, at module level or inside a function (an import inside a
function hides a circle from Python, not from the design), and no path may lead back to
where it started. Then each module imported in a fresh interpreter, in a random order, so
that no module works only because another one happened to be imported first.
"""
from __future__ import annotations

import ast
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import rnnkit

SRC = Path(rnnkit.__file__).parent.parent



def modules_under(src: Path, package: str) -> dict[str, Path]:
    """{'pkg.sub.mod': path} for every .py file of the package under `src`."""
    found = {}
    for path in sorted((src / package.replace(".", "/")).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def import_graph(src: Path, package: str) -> dict[str, set[str]]:
    """{module: the package's modules it imports}. `from a import b` is an edge to the
    module a.b when b is a module, else to a. Not edges: imports under `if TYPE_CHECKING:`
    (never run), and imports inside a function of the module's own parent packages (they
    have finished importing by the time any function runs)."""
    modules = modules_under(src, package)

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here = name.split(".") if is_package else name.split(".")[:-1]
        edges: set[str] = set()

        def visit(node: ast.AST, in_function: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                    continue
                targets = []
                if isinstance(child, ast.Import):
                    targets = [known(alias.name) for alias in child.names]
                elif isinstance(child, ast.ImportFrom):
                    base = child.module or ""
                    if child.level:
                        parent = here[:len(here) - (child.level - 1)]
                        base = ".".join(parent + ([base] if base else []))
                    targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules
                               else known(base) for a in child.names]
                for target in filter(None, targets):
                    is_parent = name.startswith(target + ".")
                    if target != name and not (in_function and is_parent):
                        edges.add(target)
                visit(child, in_function or isinstance(
                    child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

        visit(ast.parse(path.read_text(encoding="utf-8")), in_function=False)
        graph[name] = edges
    return graph


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The groups of modules that reach each other (Tarjan's strongly connected components
    of more than one module, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph[v]:
                found.append(frozenset(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph) + 100))
    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def describe(group: frozenset[str], graph: dict[str, set[str]]) -> str:
    return "; ".join(f"{a} -> {b}" for a in sorted(group) for b in sorted(graph[a] & group))


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(SRC, "rnnkit")


def test_rnnkit_has_no_import_circles(graph):
    found = [describe(g, graph) for g in circles(graph)]
    assert not found, "import circles: " + " | ".join(found)


def test_no_module_imports_the_command_line_upward(graph):
    assert sorted(m for m, edges in graph.items() if "rnnkit.cli" in edges) == []


def _write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_the_circle_check_finds_a_circle_made_by_an_import_inside_a_function(tmp_path):
    _write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/saving.py": "from .sequential import Sequential\n",
        "pkg/sequential.py": "from .training import Model\nclass Sequential(Model): pass\n",
        "pkg/training.py": "class Model:\n    def save(self):\n        from . import saving\n",
        "pkg/leaf.py": "import pkg.training\n",
    })
    graph = import_graph(tmp_path, "pkg")
    assert circles(graph) == [frozenset({"pkg.saving", "pkg.sequential", "pkg.training"})]


def test_the_circle_check_finds_a_package_that_imports_itself_through_a_module(tmp_path):
    _write_package(tmp_path, {"pkg/__init__.py": "from .a import f\n",
                              "pkg/a.py": "from pkg import g\ndef f(): pass\n"})
    assert circles(import_graph(tmp_path, "pkg")) == [frozenset({"pkg", "pkg.a"})]


def test_the_circle_check_passes_a_tree_and_ignores_type_checking_imports(tmp_path):
    _write_package(tmp_path, {
        "pkg/__init__.py": "from . import a\n",
        "pkg/a.py": "from typing import TYPE_CHECKING\nfrom . import b\n"
                    "if TYPE_CHECKING:\n    from . import c\n",
        "pkg/b.py": "import os\n",
        "pkg/c.py": "from . import a\ndef f():\n    import pkg\n",
    })
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg.b"} and circles(graph) == []


def test_every_module_imports_in_a_fresh_interpreter_in_a_random_order():
    names = sorted(modules_under(SRC, "rnnkit"))
    random.shuffle(names)                       # conftest seeds it: the same order each run
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(SRC)})
    assert done.returncode == 0, f"order {names}:\n{done.stderr[-3000:]}"
