"""The services and the composition root say what they take and hand out: no ``Any`` in a service's
signature (its collaborators are the domain's ports), and every container property is typed as the port
or service it builds. mypy (``make lint``) checks that the types fit; this checks they are there."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted((ROOT / "chalicelib" / "services").glob("*.py"))
# real-time matching gets its port and types where it is split into queue/offers and duty
def mentions_any(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name) and node.id == "Any":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "Any":
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a quoted annotation
            return mentions_any(ast.parse(node.value, mode="eval").body)
    return False


def signatures_with_any(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        if mentions_any(node.returns) or any(p is not None and mentions_any(p.annotation) for p in params):
            found.append(f"{node.name} (line {node.lineno})")
    return found


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_no_service_signature_mentions_any(path: Path) -> None:
    assert signatures_with_any(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_check_finds_any_in_a_signature() -> None:
    tree = ast.parse("from typing import Any\n"
                     "class S:\n"
                     "    def __init__(self, *, store: Any, clock: object) -> None: ...\n"
                     "    def read(self, key: str) -> dict[str, Any]: ...\n"
                     "def plain(x: int, **rest: 'Any') -> int: ...\n")
    assert sorted(signatures_with_any(tree)) == ["__init__ (line 3)", "plain (line 5)", "read (line 4)"]


def test_every_container_property_and_method_is_typed_without_any() -> None:
    tree = ast.parse((ROOT / "chalicelib" / "composition.py").read_text(encoding="utf-8"))
    container = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Container")
    members = [n for n in container.body if isinstance(n, ast.FunctionDef)]
    assert len(members) > 40  # the container still builds everything here
    assert [m.name for m in members if m.returns is None] == []
    assert signatures_with_any(container) == []


def test_no_repository_is_bound_by_touching_a_property() -> None:
    source = (ROOT / "chalicelib" / "composition.py").read_text(encoding="utf-8")
    assert "noqa: B018" not in source
