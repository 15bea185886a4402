"""Fulfillment: picking lists kept as records and drawn as PDFs (labels and shipping come next).
May import: the layers below (orders, clients, catalogue, staff, storage, rules).
"""
