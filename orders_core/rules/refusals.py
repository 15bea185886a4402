"""Refused: the one base class of every "nothing was written, here is why" exception.

Whatever refuses a request (a rule, a role, a typed value, a database that cannot be used) raises a
subclass of ``Refused`` whose message is one sentence for the person, and writes nothing. The command
line prints it and exits 2; the pages show it. Anything else that is raised is a defect.
"""


class Refused(Exception):
    """A request refused in one sentence (the message); nothing was written."""
