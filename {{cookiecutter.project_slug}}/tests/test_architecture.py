"""The package's shape: core/ stands alone, and no modules import each other in a circle.

core/ is the machinery every domain package (users/, auth/, health/, a team's own) builds
on; were it to import a domain, a change there could break every other one. A circle of
imports makes modules that cannot be read, tested or removed one at a time.
"""

import ast
from pathlib import Path

import {{ cookiecutter.project_slug }}

PACKAGE = Path({{ cookiecutter.project_slug }}.__file__).parent
NAME = "{{ cookiecutter.project_slug }}"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The modules of this package that a module imports, at any depth of its code."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # A relative import (`from ..users import models`) counts from this package.
            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
            source = (
                node.module or ""
                if node.level == 0
                else ".".join(part for part in (base, node.module) if part)
            )
            # `from pkg import module` names a module; `from module import name`, the module.
            found.update(f"{source}.{alias.name}" for alias in node.names)
            found.add(source)
    return {name for name in found if name == NAME or name.startswith(f"{NAME}.")}


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: imports_of(path) & modules.keys() for name, path in modules.items()}


def test_core_imports_no_domain_package() -> None:
    for module, imported in import_graph().items():
        if module.startswith(f"{NAME}.core"):
            outside = {name for name in imported if not name.startswith(f"{NAME}.core")}
            assert outside == set(), f"{module} imports {sorted(outside)}"


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph = import_graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            circle = [*path[path.index(module) :], module]
            raise AssertionError("a circle of imports: " + " -> ".join(circle))
        if module in done:
            return
        for imported in sorted(graph[module]):
            # A package's __init__ is run by importing any module in it: not an edge of ours.
            if imported != module and not module.startswith(f"{imported}."):
                visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
