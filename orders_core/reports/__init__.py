"""Reading the orders whole: the Metrics page's figures and their daily summaries, and
``orders-core check`` (every invariant verified; monthly regulator reports come next).
May import: the layers below (orders, clients, catalogue, staff, storage, rules).
"""
