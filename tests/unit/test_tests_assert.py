"""Every test checks something: a test that asserts nothing, or only the always-true, can never fail.

And no test waits for an event by sleeping: it waits on the event itself (a file, a notification,
a pixel), or polls for it in a loop. The few sleeps that model a real delay are listed below, each
with the reason why.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# Calls that check by themselves (pytest.raises, pytest.fail, ...).
CHECKING_ATTRIBUTES = {"raises", "fail", "warns", "deprecated_call"}
Function = ast.FunctionDef | ast.AsyncFunctionDef
# Every layer of the suite; a new folder of tests is scanned too, and must be named here.
LAYERS = {"bench", "display", "hostile", "integration", "packaging", "unit"}

# The sleeps outside a polling loop that are allowed, by (file, enclosing function): each models a
# real delay or waits out an absence (what must *not* happen has no event to wait on).
ALLOWED_SLEEPS = {
    ("bench/tray_rows.py", "dock_once"): "a benchmark's measurement interval: memory is read after it",
    ("display/test_tray.py", "wait_icon"): "pystray rebuilds the GTK menu in an idle call after the icon; "
    "nothing outside the process shows it until the menu is opened",
    ("display/test_tray.py", "open_menu"): "GTK takes its keyboard grab just after mapping the menu, and X "
    "has no way to watch for a grab but to compete for it, which would break the menu",
    ("packaging/test_bundle.py", "test_bundled_tray_docks_opens_its_menu_and_quits"): "the same GTK "
    "keyboard grab as open_menu",
    ("support/desktop.py", "select_menu_path"): "GTK opens a submenu on a timer once its parent is selected",
    ("support/desktop.py", "dunst_history"): "dunstctl close-all is asynchronous and says nothing when done",
    (
        "display/test_tray.py",
        "test_sts_down_gives_one_clear_notification_and_the_tray_keeps_running",
    ): "an absence: nothing more arrives for the one action; and the menu rebuild, as in wait_icon",
    (
        "display/test_where.py",
        "test_the_icon_follows_the_console_and_the_menu_names_the_terminals",
    ): "an absence: the icon must not turn green once GTK draws the refresh",
    ("integration/test_sessions.py", "hung_calls"): "an absence: no second call arrives after the first",
    ("unit/test_controller.py", "slow_prompt"): "models a user slow to type the MFA code",
}


# -- reading the suite --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    """One Python file of the suite, parsed."""

    path: Path
    tree: ast.Module
    root: Path  # the tests folder, what imports are resolved against

    @property
    def name(self) -> str:
        return self.path.relative_to(self.root).as_posix()


def parse(path: Path, root: Path = TESTS) -> Module:
    return Module(path, ast.parse(path.read_text(encoding="utf-8")), root)


def functions_of(tree: ast.Module) -> dict[str, Function]:
    """Every function defined in a module, methods and nested functions included, by name."""
    return {
        node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def is_test_file(path: Path) -> bool:
    """pytest's own rule (``python_files``): ``test_*.py`` or ``*_test.py``."""
    return path.name.startswith("test_") or path.name.endswith("_test.py")


@functools.cache
def suite(root: Path = TESTS) -> dict[Path, Module]:
    """Every Python file under ``root``, parsed once per run (the checks below only read it)."""
    return {path: parse(path, root) for path in sorted(root.rglob("*.py")) if "artifacts" not in path.parts}


def imported_files(module: Module, files: dict[Path, Module]) -> Iterator[Path]:
    """The suite's own files a module imports (``support.servers``, ``sessions_kit``, ``test_tray``...)."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            candidates = [
                module.root.joinpath(*parts).with_suffix(".py"),
                module.path.parent / f"{parts[-1]}.py",
            ]
            if len(parts) == 1:
                candidates += [path for path in files if path.stem == parts[0]]
            found = next((c for c in candidates if c in files), None)
            if found is not None:
                yield found


def scope_of(
    module: Module, files: dict[Path, Module], imports: dict[Path, list[Path]]
) -> dict[str, Function]:
    """The functions a module's tests can reach by name: its own and those of the files it imports, transitively.

    Only these: a helper of the same name in some unrelated file does not vouch for a test.
    """
    reached: list[Path] = []
    todo = [module.path]
    while todo:
        path = todo.pop()
        if path in reached:
            continue
        reached.append(path)
        todo.extend(imports[path])
    found: dict[str, Function] = {}
    for path in reversed(reached):  # the module's own definitions win
        found.update(functions_of(files[path].tree))
    return found


def called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


# -- what counts as a check ---------------------------------------------------------------------------


def always_true(test: ast.expr) -> bool:
    """An assertion that holds whatever the code does: a true constant, ``x or True``, ``len(x) >= 0``."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(always_true(value) for value in test.values)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return all(always_true(value) for value in test.values)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.GtE):
        left, right = test.left, test.comparators[0]
        counts = isinstance(left, ast.Call) and called_name(left) == "len"
        return counts and isinstance(right, ast.Constant) and right.value == 0
    return False


def checks(function: Function, known: dict[str, Function], seen: set[str]) -> bool:
    """True when the function asserts something that could fail, or calls a reachable function that does."""
    for node in ast.walk(function):
        if isinstance(node, ast.Assert) and not always_true(node.test):
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


def found_tests(tree: ast.Module) -> list[Function]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    ]


def silent_tests(files: dict[Path, Module]) -> list[str]:
    silent = []
    imports = {path: list(imported_files(module, files)) for path, module in files.items()}
    for module in files.values():
        if not is_test_file(module.path):
            continue
        known = scope_of(module, files, imports)
        silent += [
            f"{module.name}::{t.name}" for t in found_tests(module.tree) if not checks(t, known, set())
        ]
    return silent


def trivial_asserts(files: dict[Path, Module]) -> list[str]:
    return [
        f"{module.name}:{node.lineno}"
        for module in files.values()
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Assert) and always_true(node.test)
    ]


# -- sleeping -----------------------------------------------------------------------------------------


def is_sleep(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and called_name(node) == "sleep"


def bare_sleeps(module: Module) -> Iterator[tuple[str, int]]:
    """(enclosing function, line) of each sleep not inside a loop: a wait by time, not a poll."""

    def visit(node: ast.AST, function: str, in_loop: bool) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from visit(child, child.name, False)
                continue
            if is_sleep(child) and not in_loop:
                yield function, child.lineno
            yield from visit(child, function, in_loop or isinstance(child, ast.While | ast.For))

    yield from visit(module.tree, "<module>", False)


def unexplained_sleeps(files: dict[Path, Module]) -> list[str]:
    found = []
    for module in files.values():
        for function, line in bare_sleeps(module):
            if (module.name, function) not in ALLOWED_SLEEPS:
                found.append(f"{module.name}:{line} in {function}()")
    return found


# -- the checks on the real suite ---------------------------------------------------------------------


def test_the_scan_sees_every_layer() -> None:
    files = suite()
    tests = [t for m in files.values() if is_test_file(m.path) for t in found_tests(m.tree)]
    assert len(tests) > 300, "the scan should see the whole suite, not a handful of tests"
    layers = {m.path.relative_to(TESTS).parts[0] for m in files.values() if is_test_file(m.path)}
    assert layers == LAYERS, "a folder of tests was added or lost: name it in LAYERS"


def test_every_test_function_asserts_something_that_could_fail() -> None:
    silent = silent_tests(suite())
    assert silent == [], "these tests assert nothing, so they cannot fail: " + ", ".join(silent)


def test_no_assertion_is_always_true() -> None:
    assert trivial_asserts(suite()) == []


def test_no_test_waits_for_an_event_by_sleeping() -> None:
    found = unexplained_sleeps(suite())
    assert found == [], (
        "wait on the event (desktop.wait_for, a file, a notification) or poll in a loop; a sleep that "
        "models a real delay goes in ALLOWED_SLEEPS, saying why: " + ", ".join(found)
    )


def test_every_allowed_sleep_is_still_there() -> None:
    files = suite()
    present = {(m.name, function) for m in files.values() for function, _ in bare_sleeps(m)}
    assert set(ALLOWED_SLEEPS) - present == set()


# -- the checks check ---------------------------------------------------------------------------------


def fake_suite(tmp_path: Path, sources: dict[str, str]) -> dict[Path, Module]:
    for name, source in sources.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return suite(tmp_path)


def test_the_check_itself_catches_a_silent_test() -> None:
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

def test_always_true(key):
    assert int(key, 16) >= 0 or True
    assert len(key) >= 0
"""
    tree = ast.parse(source)
    known = functions_of(tree)
    verdicts = {t.name: checks(t, known, set()) for t in found_tests(tree)}
    assert verdicts == {
        "test_silent": False,
        "test_through_helper": True,
        "test_raises": True,
        "test_always_true": False,
    }


def test_a_module_whose_tests_only_call_helpers_is_caught(tmp_path: Path) -> None:
    """A helper that asserts vouches only for the modules that import it, not for one with its name."""
    files = fake_suite(
        tmp_path,
        {
            "support/checks.py": "def run(x):\n    assert x\n",
            "unit/test_quiet.py": "def run(x):\n    return x\n\ndef test_a():\n    run(1)\n\ndef test_b():\n    run(2)\n",
            "unit/test_loud.py": "from support.checks import run\n\ndef test_c():\n    run(3)\n",
            "hostile/test_attack.py": "import kit\n\ndef test_d():\n    kit.poke()\n",
            "hostile/kit.py": "def poke():\n    return 1\n",
        },
    )
    assert silent_tests(files) == [
        "hostile/test_attack.py::test_d",
        "unit/test_quiet.py::test_a",
        "unit/test_quiet.py::test_b",
    ]


def test_sleeps_outside_a_loop_are_found(tmp_path: Path) -> None:
    module = parse_source(
        tmp_path,
        """
import time

def wait_for(check):
    while not check():
        time.sleep(0.05)

def test_waits_by_sleeping():
    time.sleep(0.3)  # let GTK draw it
    assert True
""",
    )
    assert list(bare_sleeps(module)) == [("test_waits_by_sleeping", 9)]


def parse_source(tmp_path: Path, source: str) -> Module:
    path = tmp_path / "test_fake.py"
    path.write_text(source, encoding="utf-8")
    return parse(path, tmp_path)
