"""Recurring orders: monthly templates per client, the orders they generate (set-based, once per
period), their listings, and the daily job in the server process (``api`` is the surface callers use).
May import: the layers below (orders, clients, catalogue, staff, storage, rules).
"""
