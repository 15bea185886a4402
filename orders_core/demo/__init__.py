"""The demo data set: deterministic, realistic, consistent with every rule, generated in bulk.
May import: every capability package below it.
"""
