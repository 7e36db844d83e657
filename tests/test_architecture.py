"""The shape of the house: imports point one way and nothing imports in a circle.

storage ← scheduler ← bot;  Telegram types only in bot/channels/;
conversation/ uses digest/ (for /digest), never the other way round.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("storage", "scheduler", "bot")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = modules()


def imported(path: Path) -> Iterator[str]:
    """Every module name an import statement in `path` names (at any depth in the file)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def ours(name: str) -> str | None:
    """The project module an imported name refers to (a name imported from it counts as it)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = {ours(n) for n in imported(path)}
        edges[name] = {t for t in targets if t and t != name and not name.startswith(t + ".")}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_others() -> None:
    assert cycles(graph()) == []


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("storage", ("scheduler", "bot")), ("scheduler", ("bot",))],
)
def test_imports_point_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        if name.split(".")[0] == package
        for target in targets
        if target.split(".")[0] in forbidden
    ]
    assert wrong == []


def test_telegram_is_imported_only_by_its_channel() -> None:
    wrong = [
        name
        for name, path in MODULES.items()
        if not name.startswith("bot.channels.")
        and any(n == "telegram" or n.startswith("telegram.") for n in imported(path))
    ]
    assert wrong == []


def test_the_digest_does_not_reach_into_the_conversation() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        if name.startswith("bot.digest")
        for target in targets
        if target.startswith("bot.conversation")
    ]
    assert wrong == []


def test_the_checks_see_a_circle_when_there_is_one() -> None:
    # The checker itself must be able to fail.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert ours("bot.channels.base.Answer") == "bot.channels.base"
