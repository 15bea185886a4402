"""Pure rules and constants: no database, no I/O.

Owns the allowance and shipment-cap arithmetic, dried-cannabis equivalents, the role table and the acting
``Person``, field limits, the one parser of each kind of typed value (ids, money, quantities, dates), how
money, grams and dates are shown, CSV text, the CTLS product categories (``ctls_categories``), and
``Refused``, the base class of every refusal.
May import: nothing else of orders_core.
"""
