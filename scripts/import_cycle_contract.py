"""An import-linter contract type: no import cycle among a package's modules, counting the imports
made under `if TYPE_CHECKING:` too (the project's other contracts leave those out)."""

from __future__ import annotations

from typing import cast

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.imports import Module


class NoImportCycleContract(Contract):
    """No module of `packages` reaches itself through the imports of the package's modules, type
    checking imports included: a module typed against the class that imports it is the circle that
    makes every file of it one unit to read and to change."""

    type_name = "no_import_cycles"

    packages = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        names = [package.name for package in cast("list[Module]", self.packages)]
        # The graph handed in leaves type checking imports out: build one with them
        typed = grimp.build_graph(*names, exclude_type_checking_imports=False)
        cycles = []
        seen: set[frozenset[str]] = set()
        for module in sorted(typed.modules):
            for imported in sorted(typed.find_modules_directly_imported_by(module)):
                back = typed.find_shortest_chain(importer=imported, imported=module)
                if back is None or imported.split(".")[0] not in names:
                    continue
                cycle = (module, *back)
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append(cycle)
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(" -> ".join(cycle), bold=False)
            output.new_line()
