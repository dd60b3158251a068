"""The outside world has one door: only the Environment's builder reads os.environ (AST scan of trayapp/)."""

from __future__ import annotations

import ast
from pathlib import Path

import trayapp

PACKAGE = Path(trayapp.__file__).parent
# The builder; the cache-hit fast path (it must not import the Environment's dependencies); the
# tray backend, which sets PYSTRAY_BACKEND because pystray reads it there (it reads through env).
ALLOWED = {"environment.py": "read", "fastpath.py": "read", "tray/backend.py": "write"}


def environ_uses(tree: ast.AST) -> list[tuple[int, str]]:
    """Every os.environ / os.getenv / os.putenv use, as (line, "read" or "write")."""
    found: list[tuple[int, str]] = []
    writes: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            writes |= {id(t.value) for t in targets if isinstance(t, ast.Subscript)}
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if call and node.func.attr == "pop" and is_environ(node.func.value):  # type: ignore[attr-defined]
            writes.add(id(node.func.value))  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if is_environ(node):
            found.append((node.lineno, "write" if id(node) in writes else "read"))
        elif isinstance(node, ast.Attribute) and node.attr in ("getenv", "putenv", "environb"):
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                found.append((node.lineno, "read"))
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            names = {alias.name for alias in node.names}
            found += [(node.lineno, "read")] if names & {"environ", "getenv", "environb"} else []
    return sorted(found)


def is_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def test_only_the_builder_reads_os_environ() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        for line, kind in environ_uses(ast.parse(path.read_text(encoding="utf-8"))):
            if ALLOWED.get(name) != kind:
                offenders.append(f"{name}:{line}: {kind}s os.environ")
    assert offenders == [], "read the environment through the Environment:\n" + "\n".join(offenders)


def test_the_scan_finds_every_way_in() -> None:
    """The scanner itself: each of these is caught, and a plain mapping named environ is not."""
    source = (
        "import os\nfrom os import getenv\n"
        "a = os.environ.get('X')\nb = os.getenv('Y')\nos.environ['Z'] = '1'\nos.environ.pop('Z')\n"
        "def f(environ): return environ.get('X')\n"
    )
    assert environ_uses(ast.parse(source)) == [
        (2, "read"),
        (3, "read"),
        (4, "read"),
        (5, "write"),
        (6, "write"),
    ]


def test_only_the_builder_reaches_the_platform_services() -> None:
    """App, the controller and the CLI get the browser, clipboard, editor... from the Environment."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name == "environment.py" or name.startswith("platforms/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = (
                [f"{node.module}.{a.name}" for a in node.names]  # catches "from trayapp import platforms"
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            offenders += [
                f"{name}:{node.lineno}: imports {m}" for m in modules if m.startswith("trayapp.platforms")
            ]
    assert offenders == [], "take the service from the Environment:\n" + "\n".join(offenders)
