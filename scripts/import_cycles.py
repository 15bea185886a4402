"""Every import cycle between modules of orders_core and ui, imports inside functions included (exit 1 if any).

import-linter's layers contract guards the packages; this guards the modules inside one package too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOTS = ("orders_core", "ui")


def module_name(path: Path) -> str:
    parts = list(path.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    found = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main() -> int:
    files = [p for root in ROOTS for p in Path(root).rglob("*.py")]
    modules = {module_name(p) for p in files}
    # A package's __init__ is not a cycle with its own submodules' absolute imports of it.
    graph = {module_name(p): imports(p, modules) - {module_name(p)} for p in files}
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not name.startswith(d + ".")}
    found = cycles(graph)
    for c in found:
        print("import cycle: " + " -> ".join(c))
    print(f"{len(modules)} modules, {sum(map(len, graph.values()))} imports, {len(found)} import cycles.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
