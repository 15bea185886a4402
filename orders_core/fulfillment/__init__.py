"""Fulfillment: picking lists, client labels (``labels``, ``label_pdf``), the packing station (``packing``),
shipping in bulk from carriers' files (``bulk_ship``) and end-of-day manifests (``manifest``).
May import: the layers below (orders, clients, catalogue, staff, storage, rules).
"""
