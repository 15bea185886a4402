"""Taking an order back: returns, refunds and replacements (Cannabis Regulations, ss. 292-293).
May import: orders, clients, catalogue, staff, storage, rules.

``recording`` (what came back), ``refunds`` (money back to the client and to each policy; goodwill), ``replacement``
(the s. 293 order), ``money`` (the refund arithmetic, pure), ``state`` (the per-order row every such write holds,
the guard against two writers), ``reads`` (the Order Profile, the command line, the index's label). Each module's
docstring records its decisions; the allowance decision on replacements is ``rules.allowance``'s.
"""
