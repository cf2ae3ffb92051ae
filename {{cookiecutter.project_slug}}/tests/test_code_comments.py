"""The package's comments and docstrings explain why, in words that stay true.

A measured figure (a latency, a cost in µs, a share of requests) is true of one machine on
one day; it belongs with its benchmark and the README, which say when and how it was taken.
"""

import ast
import io
import re
import tokenize

from tests.conftest import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "{{ cookiecutter.project_slug }}"
# A number with a unit of time, of throughput, or a percentage: "45 ms", "87 µs", "9%".
FIGURE = re.compile(r"\d[\d.,]*\s*(µs|us|ms|%|req/s|requests? a second|requests per second)(?!\w)")


def comments_and_docstrings(source: str) -> list[str]:
    """Every comment, and the docstring of the module and of each class and function."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    texts = [token.string for token in tokens if token.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            texts.append(ast.get_docstring(node) or "")
    return texts


def test_no_comment_quotes_a_measured_figure() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {match.group(0)!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for text in comments_and_docstrings(path.read_text(encoding="utf-8"))
        for match in FIGURE.finditer(text)
    ]

    assert found == []


# A module named in words: "core/database/engine.py", "see rows.py".
MODULE_PATH = re.compile(r"(?<![\w./-])((?:[a-z_]+/)*[a-z_][a-z0-9_]*\.py)\b")


def test_every_module_a_comment_names_exists() -> None:
    """A renamed or moved module leaves no comment pointing at where it was."""
    project_files = [
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in PROJECT_ROOT.rglob("*.py")
        if not {".venv", "build"} & set(path.parts)
    ]
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for text in comments_and_docstrings(path.read_text(encoding="utf-8"))
        for name in MODULE_PATH.findall(text)
        # As written from the package's folder or the project's, or a file's own name.
        if not any(file == name or file.endswith(f"/{name}") for file in project_files)
    ]

    assert found == []
