"""The staff list: who may sign in, under which role, every change to it, and who is acting now.

``members.acting`` turns an e-mail into the ``Person`` on the list now (active, allowed the action) or
refuses in one sentence; every command and page acts through it.
May import: rules, storage.
"""
