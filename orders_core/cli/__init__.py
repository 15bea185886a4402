"""The `orders-core` command line: ``main`` builds one parser from a module per command group;
``options`` defines ``--db``, ``--as`` and the argument types once.
May import: every package of orders_core.
"""
