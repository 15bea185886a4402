"""The product catalogue: products with their regulatory class and dried-cannabis equivalent.
May import: rules, storage, staff.
"""
