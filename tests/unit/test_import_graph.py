"""The package tree says where things belong; these are the rules import-linter cannot say.

The contracts in pyproject.toml keep the layers apart (``lint-imports``); this keeps every module
out of import circles, which made two modules one in all but name (the store and its projections,
the api's app and its OpenAPI document, before the tree was reshaped).
"""

from __future__ import annotations

import grimp

PACKAGES = ("shared", "services", "cli")


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph(*PACKAGES)
    circles = sorted(
        (module, imported)
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    )
    assert not circles, f"import circles (module, imports a module that imports it back): {circles}"
