"""Orders: drafts and creation with every check, the lifecycle, archiving, the order record (the
Order Profile), the Orders index and its export, the allowance ledger held in the writer's transaction,
per-policy coverage, and the order's events.
May import: rules, storage, staff, clients, catalogue.
"""
