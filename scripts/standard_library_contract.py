"""An import-linter contract type: modules that may import only the standard library (and a few
named packages), directly or through any module they import."""

from __future__ import annotations

import sys
from typing import cast

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.imports import Module


class StandardLibraryOnlyContract(Contract):
    """`source_modules` (with their descendants) reach, through their imports, only the standard
    library, themselves and `allowed_modules` (internal modules, or external top-level packages).

    import-linter's `forbidden` type can only name what is refused; this names what is allowed, so a
    new third-party import anywhere below the sources breaks the contract without a list to keep.
    """

    type_name = "standard_library_only"

    source_modules = fields.ListField(subfield=fields.ModuleField())
    allowed_modules = fields.ListField(subfield=fields.ModuleField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        # Fields are descriptors on the class and plain values on the instance.
        allowed = {module.name for module in cast("list[Module]", self.allowed_modules or [])}
        broken = []
        for source in cast("list[Module]", self.source_modules):
            sources = {source.name} | graph.find_descendants(source.name)
            for module in sorted(sources):
                for imported in sorted(graph.find_upstream_modules(module)):
                    if not _permitted(imported, sources, allowed):
                        chain = graph.find_shortest_chain(importer=module, imported=imported)
                        broken.append({"module": module, "imported": imported, "chain": chain})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        reported = set()
        for item in check.metadata["broken"]:
            if item["imported"] in reported:
                continue
            reported.add(item["imported"])
            output.print_error(f"{item['module']} reaches {item['imported']}:", bold=False)
            output.indent_cursor()
            output.print(" -> ".join(item["chain"] or ()))
            output.new_line()


def _permitted(imported: str, sources: set[str], allowed: set[str]) -> bool:
    top = imported.split(".")[0]
    inside = imported in sources or any(
        imported == name or imported.startswith(name + ".") for name in allowed
    )
    return inside or top in sys.stdlib_module_names or top in allowed
