"""The package's layout rules, checked on the source itself (docs/architecture.md).

These are the seams a newcomer relies on: stages import each other only through public
names, module-level imports form no cycle, no module grows past what one reader can hold,
and every silenced type error says why. A rule broken here is a visible decision.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "storyline"
MAX_LINES = 800


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


Imports = list[tuple[ast.ImportFrom | ast.Import, bool]]


def _imports(tree: ast.Module, module: str, is_package: bool) -> Imports:
    """Every import statement with whether it runs when the module is imported (top level,
    outside ``if TYPE_CHECKING:``), so cycles are judged on what Python really executes."""
    out: Imports = []

    def visit(nodes: list[ast.stmt], top: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                out.append((node, top))
            elif isinstance(node, ast.If):
                checking = "TYPE_CHECKING" in ast.unparse(node.test)
                visit(node.body, top and not checking)
                visit(node.orelse, top)
            elif isinstance(node, ast.Try):
                visit(node.body, top)
                for handler in node.handlers:
                    visit(handler.body, top)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(node.body, False)

    visit(tree.body, True)
    return out


def _target(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ``from X import ...`` reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def test_no_private_names_across_modules() -> None:
    """``from storyline.x import _name`` ties two modules through a name that promised no
    stability: what a module shares, it shares publicly."""
    modules = _modules()
    offences = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text("utf-8"))
        for node, _top in _imports(tree, module, path.name == "__init__.py"):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _target(node, module, path.name == "__init__.py")
            if not source.startswith("storyline") or source == module:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    offences.append(f"{path.relative_to(SRC)}:{node.lineno} imports {source}.{alias.name}")
    assert not offences, "\n".join(offences)


def test_no_import_cycles() -> None:
    """Module-level imports between storyline modules form a DAG (lazy imports inside
    functions and ``TYPE_CHECKING`` blocks are how a stage reaches a heavier one on demand)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text("utf-8"))
        for node, top in _imports(tree, module, is_package):
            if not top:
                continue
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                source = _target(node, module, is_package)
                names = [f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source
                         for a in node.names]
            for name in names:
                if name in modules and name != module and not module.startswith(name + "."):
                    graph[module].add(name)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_modules_stay_readable() -> None:
    long = [f"{p.relative_to(SRC)}: {n} lines" for p in _modules().values()
            if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES]
    assert not long, "\n".join(long)


def test_every_type_ignore_says_why() -> None:
    """A ``# type: ignore[code]`` must name its code and be followed by a reason."""
    pattern = re.compile(r"#\s*type:\s*ignore(\[[^\]]*\])?(.*)$")
    bare = []
    for path in _modules().values():
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            m = pattern.search(line)
            if m and (not m.group(1) or not re.search(r"\w", m.group(2) or "")):
                bare.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not bare, "\n".join(bare)


def test_checker_catches_what_it_claims(tmp_path: Path) -> None:
    """The rules above must be able to fail: a private import and a cycle are found."""
    tree = ast.parse("from storyline.group.pool import _Pool\nimport storyline.model\n")
    nodes = _imports(tree, "storyline.x", False)
    assert [n for n, top in nodes if top and isinstance(n, ast.ImportFrom)][0].names[0].name == "_Pool"
    lazy = ast.parse("def f():\n    import storyline.model\nif TYPE_CHECKING:\n    import storyline.text\n")
    assert all(not top for _n, top in _imports(lazy, "storyline.x", False))
    relative = ast.parse("from .pool import X").body[0]
    assert isinstance(relative, ast.ImportFrom)
    assert _target(relative, "storyline.group", True) == "storyline.group.pool"
