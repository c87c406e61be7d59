"""The layers hold: the domain imports no AWS library and nothing outside the domain; services import no
adapter (they work over the domain's ports); no in-memory twin ships in ``chalicelib``."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AWS_AND_WEB = ("boto3", "botocore", "pynamodb", "aws_encryption_sdk", "chalice", "aws_lambda_powertools")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "chalicelib" / "domain").glob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_no_aws_library_and_nothing_outside_the_domain(path: Path) -> None:
    modules = imported_modules(path)
    assert not [m for m in modules if m.split(".")[0] in AWS_AND_WEB]
    assert not [m for m in modules if m.startswith("chalicelib.") and not m.startswith("chalicelib.domain")]


@pytest.mark.parametrize("path", sorted((ROOT / "chalicelib" / "services").glob("*.py")), ids=lambda p: p.name)
def test_services_import_no_adapter_and_no_route(path: Path) -> None:
    modules = imported_modules(path)
    assert not [m for m in modules if m.startswith(("chalicelib.adapters", "chalicelib.api"))]


def test_no_in_memory_twin_lives_in_the_package() -> None:
    assert not list((ROOT / "chalicelib").rglob("memory*.py"))
