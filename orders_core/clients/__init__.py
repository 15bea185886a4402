"""Clients and their records under Part 14 of the Cannabis Regulations: registration, medical
documents (prescriptions) and their 30-day periods, coverage policies, ending a document or policy early.
May import: rules, storage, staff.
"""
