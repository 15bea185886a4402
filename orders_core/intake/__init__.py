"""Data coming in: CSV imports of clients, medical documents, policies and products, and the Client
Portal's orders (JSON); all or nothing, with one problem report.
May import: the layers below (orders, clients, catalogue, staff, storage, rules).
"""
