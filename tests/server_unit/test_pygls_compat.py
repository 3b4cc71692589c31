"""The canary for pygls's internals: every private attribute pygls_compat relies on is still there
on a real server, and nothing else in the server reaches past pygls's public API."""

from __future__ import annotations

import ast
from pathlib import Path

from codegen_lsp import pygls_compat
from codegen_lsp.server import SERVER

SERVER_PACKAGE = Path(pygls_compat.__file__).parent


def test_every_internal_pygls_compat_uses_exists_on_a_real_server():
    instances = {type(SERVER): SERVER, type(SERVER.protocol): SERVER.protocol}
    for owner, attribute in pygls_compat.INTERNALS:
        holders = [value for kind, value in instances.items() if issubclass(kind, owner)]
        assert holders, f"the server has no {owner.__name__}"
        # class attributes (methods) or instance attributes set in __init__
        assert all(hasattr(holder, attribute) for holder in holders), (owner, attribute)


def private_attributes_of_pygls_objects(path: Path) -> list[str]:
    """`.protocol._x` and `server._x` style uses: a private attribute read off an object that is
    not `self`/`cls`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            if node.attr.startswith("__"):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name in ("protocol", "server", "SERVER", "ls") or name.endswith("protocol"):
                found.append(f"{path.name}:{node.lineno} {name}.{node.attr}")
    return found


def test_only_pygls_compat_reaches_into_pygls():
    outside = [
        use
        for path in sorted(SERVER_PACKAGE.rglob("*.py"))
        if path.name != "pygls_compat.py"
        for use in private_attributes_of_pygls_objects(path)
    ]
    assert outside == [], "use pygls_compat (and list the internal in INTERNALS)"
    listed = {attribute for _, attribute in pygls_compat.INTERNALS}
    used = {
        use.rsplit(".", 1)[1]
        for use in private_attributes_of_pygls_objects(SERVER_PACKAGE / "pygls_compat.py")
    }
    assert used <= listed, used - listed
