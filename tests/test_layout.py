"""The shape of the code, checked: one job per module means small modules, classes and functions;
data flows one way, so there is no import cycle and reading sources never imports the index; each
format module stands alone. Imports inside functions and under TYPE_CHECKING count too."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ingest", "kb")
LIMITS = {"module": 400, "class": 150, "function": 50}


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the project's packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


def imported(name: str, path: Path) -> set[str]:
    """The project modules `name` imports, anywhere in its file (a package's own submodules named
    in `from package import x` count as imports of those submodules)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
            # `from kb import ranking` imports kb.ranking; the package itself only when a name is not a submodule
            targets = submodules + ([base] if len(submodules) < len(node.names) else [])
        else:
            continue
        out |= {t for t in targets if t in MODULES and t != name}
    return out


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def test_no_import_cycles():
    state: dict[str, int] = {}
    cycles = []

    def visit(name, trail):
        state[name] = 1
        for target in sorted(GRAPH[name]):
            if state.get(target) == 1:
                cycles.append(" -> ".join(trail[trail.index(target):] + [target]) if target in trail else target)
            elif target not in state:
                visit(target, trail + [target])
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_reading_sources_never_imports_the_index():
    assert {name: sorted(t for t in targets if t.startswith("kb")) for name, targets in GRAPH.items()
            if name.startswith("ingest") and any(t.startswith("kb") for t in targets)} == {}


def test_format_modules_stand_alone():
    from ingest.formats import FORMATS
    names = {f.__name__ for f in FORMATS}
    leaning = {name: sorted(GRAPH[name] & names) for name in names if GRAPH[name] & names}
    assert leaning == {}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_sizes_within_the_house_limits(name):
    text = MODULES[name].read_text()
    over = [f"module {len(text.splitlines())} lines"] if len(text.splitlines()) > LIMITS["module"] else []
    for node in ast.walk(ast.parse(text)):
        kind = ("class" if isinstance(node, ast.ClassDef)
                else "function" if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None)
        if kind and node.end_lineno - node.lineno + 1 > LIMITS[kind]:
            over.append(f"{kind} {node.name} {node.end_lineno - node.lineno + 1} lines")
    assert over == []


def test_every_format_declares_a_known_role():
    from ingest.formats import FORMATS, ROLES
    assert {f.name: f.role for f in FORMATS if f.role not in ROLES} == {}
    assert len({f.name for f in FORMATS}) == len(FORMATS)


def test_the_export_formats_the_cli_offers_are_the_renderers():
    from kb.export import FORMATS as OFFERED
    from kb.export.renderers import RENDERERS
    assert OFFERED == tuple(RENDERERS)
