"""One way of leaving the event loop, in both HTTP shells: every route is `async def`, and
whatever may block (the database, hashing, argon2, joining a thread) is sent to the thread
pool with `run_in_threadpool`, directly or as the pages' `act(work)`, which does the same
after its CSRF check. An async function that called the engine itself would stall every
other request while it ran; a plain `def` route would be a second way. This reads the
shells' source, so it fails on such a function whenever it is added."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import safeguarding

SRC = Path(safeguarding.__file__).parent
SHELLS = [
    *sorted((SRC / "api").rglob("*.py")),
    *sorted((SRC / "web").rglob("*.py")),
    SRC / "server.py",
    SRC / "shells.py",
]
ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "api_route"}
#: engine methods that never block, so may be called on the loop (each says so)
NEVER_BLOCK = {"cached"}  # ApiKeys.cached: a dict lookup, no database


def _is_route(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
            return True
    return False


def _direct_calls(node: ast.AST) -> Iterator[ast.Call]:
    """The calls a function makes itself: not those inside a nested function or lambda,
    which run where they are sent (the thread pool)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(child, ast.Call):
            yield child
        yield from _direct_calls(child)


def _reaches_engine(func: ast.expr) -> bool:
    """`engine.x.y(...)` or `engine_of(request).x(...)`: a domain call, which may block."""
    while isinstance(func, ast.Attribute):
        func = func.value
        if isinstance(func, ast.Name) and func.id == "engine":
            return True
        if (
            isinstance(func, ast.Call)
            and isinstance(func.func, ast.Name)
            and func.func.id == "engine_of"
        ):
            return True
    return False


def _never_blocks(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr in NEVER_BLOCK


def problems(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{name}:{getattr(node, 'lineno', 0)} {getattr(node, 'name', '')}"
        if isinstance(node, ast.FunctionDef) and _is_route(node):
            found.append(f"{where}: a plain def route (make it async def)")
        elif isinstance(node, ast.AsyncFunctionDef):
            found += [
                f"{where}: calls the engine on the event loop (line {call.lineno})"
                for call in _direct_calls(node)
                if _reaches_engine(call.func) and not _never_blocks(call.func)
            ]
    return found


def test_the_shells_leave_the_event_loop_one_way() -> None:
    assert [
        p for path in SHELLS for p in problems(path.read_text(), str(path.relative_to(SRC)))
    ] == []


def test_the_check_catches_a_blocking_call_and_a_plain_route() -> None:
    source = """
@router.get("/a")
async def a(engine: EngineDep) -> Out:
    return Out.of(engine.banks.list_banks())

@router.get("/b")
def b() -> dict[str, str]:
    return {}

@router.get("/c")
async def c(request: Request) -> Out:
    def work() -> Out:
        return engine_of(request).cases.get(1)
    return await act(request, work) if engine_of(request).settings else await d(
        lambda: engine_of(request).keys.list())

async def d(request: Request) -> None:
    await run_in_threadpool(engine_of(request).sessions.end, "x")
    engine_of(request).sessions.end("y")
"""
    assert problems(source, "x.py") == [
        "x.py:3 a: calls the engine on the event loop (line 4)",
        "x.py:7 b: a plain def route (make it async def)",
        "x.py:17 d: calls the engine on the event loop (line 19)",
    ]
