"""The Orders module's domain, one sub-package per capability.

Layers, top to bottom; a package imports only from the layers below it (the import-linter contract in
pyproject.toml, run by ``make test``; ``scripts/import_cycles.py`` finds cycles between modules):

    cli, serve                                   the command line; `python -m orders_core.serve`
    demo                                         the demo data set
    reports | intake | fulfillment | recurring   metrics and checks; imports; picking lists; templates
    orders                                       drafts, lifecycle, archive, the record, the index
    clients | catalogue                          registration, documents, policies; products
    staff                                        the staff list and who is acting
    storage                                      the database, both engines, schema, migrations
    rules                                        pure rules and constants, parsing what people type

``pages/`` and ``ui/`` (Streamlit) sit above all of it. docs/architecture.md says where a change goes.
"""
