"""Every test checks something: a test function that asserts nothing can never fail."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# Calls that check by themselves (pytest.raises, pytest.fail, ...).
CHECKING_ATTRIBUTES = {"raises", "fail", "warns", "deprecated_call"}
Function = ast.FunctionDef | ast.AsyncFunctionDef


def functions_of(tree: ast.Module) -> dict[str, Function]:
    """Every function defined in a module, methods and nested functions included, by name."""
    return {
        node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def helper_library() -> dict[str, Function]:
    """Functions of the shared test helpers (tests/support, conftest files, *_kit modules)."""
    found: dict[str, Function] = {}
    for path in sorted(TESTS.rglob("*.py")):
        if path.name.startswith("test_"):
            continue
        found.update(functions_of(ast.parse(path.read_text(encoding="utf-8"))))
    return found


def called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def checks(
    function: Function,
    known: dict[str, Function],
    seen: set[str],
) -> bool:
    """True when the function asserts, or calls a known function (followed transitively) that does."""
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Attribute) and node.attr in CHECKING_ATTRIBUTES:
            return True
        if isinstance(node, ast.Call):
            name = called_name(node)
            if name in known and name not in seen:
                seen.add(name)
                if checks(known[name], known, seen):
                    return True
    return False


def collected_tests() -> list[tuple[Path, Function, dict[str, Function]]]:
    library = helper_library()
    found = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        known = {**library, **functions_of(tree)}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                found.append((path, node, known))
    return found


def test_every_test_function_asserts_something() -> None:
    found = collected_tests()
    assert len(found) > 300, "the scan should see the whole suite, not a handful of tests"
    silent = [
        f"{path.relative_to(TESTS)}::{function.name}"
        for path, function, known in found
        if not checks(function, known, set())
    ]
    assert silent == [], "these tests assert nothing, so they cannot fail: " + ", ".join(silent)


def test_the_check_itself_catches_a_silent_test(tmp_path: Path) -> None:
    source = """
def helper():
    return 1

def checker(x):
    assert x

def test_silent():
    helper()

def test_through_helper():
    checker(helper())

def test_raises():
    with pytest.raises(ValueError):
        int("x")
"""
    tree = ast.parse(source)
    known = functions_of(tree)
    verdicts = {name: checks(known[name], known, set()) for name in known if name.startswith("test_")}
    assert verdicts == {"test_silent": False, "test_through_helper": True, "test_raises": True}
