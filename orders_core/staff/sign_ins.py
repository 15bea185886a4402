"""Sign-ins that end on the server: signing out, an idle session, an expired ID token, a deactivated person.

The app's identity cookie (Streamlit's, signed, kept 30 days by the browser) says who signed in; it cannot be
taken back from a browser that copied it. So every sign-in is also a row of ``sign_ins``, keyed by a hash of
the identity provider's claims as the app received them (``SignIn.key``: a new sign-in has a new ``iat`` and
``nonce``, so a new key), and every page run, widget callback and download looks at that row first:

- ``touch`` (the page frame, once per run): the sign-in's state now, recorded. A sign-in first seen is
  recorded; one that is over is ended for good (``ended_at``, ``ended_why``); a live one has its activity
  time moved on.
- ``ended_why`` (callbacks, downloads, the server's upload and media guard): the same question, read only.
- ``end`` (Sign out): ends it now, before the browser is sent to the identity provider.

A sign-in is over when it was ended (signed out, or ended earlier for one of the reasons below), when its
ID token has expired (the ``exp`` claim, when the provider sends one: the provider's token lifetime is the
longest a sign-in lasts), when it has been idle longer than the idle limit, or when its person was
deactivated at or after the moment it started (even if reactivated since: they sign in again).

Decisions the requirements left open:
- The idle limit is the caller's (the app reads ``ORDERS_IDLE_MINUTES``, default 30). Activity is written at
  most every minute (``seen_every``: a quarter of the limit when that is shorter), not at every click, so a
  busy page does not write on every run; a session therefore ends between the limit less that interval and
  the limit after its last activity, never later.
- The key is a SHA-256 of the claims (sorted JSON): the table holds no token and nothing that would let
  anyone rebuild the cookie.
- Rows are kept (nothing here deletes them): they are the record of who was signed in when.
- Times are the server's local time, as the staff list's (``staff.members``), to the second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_one

SIGNED_OUT, IDLE, EXPIRED, DEACTIVATED = "signed out", "idle", "expired", "deactivated"
ENDINGS = (SIGNED_OUT, IDLE, EXPIRED, DEACTIVATED)
# Claims that describe the connection, not the sign-in (Streamlit adds them beside the provider's claims).
_NOT_CLAIMS = ("tokens", "is_logged_in", "origin")


@dataclass(frozen=True)
class SignIn:
    """One sign-in: its key, whose it is (lower case) and when its ID token expires (None: no ``exp`` claim)."""

    key: str
    email: str
    expires_at: dt.datetime | None = None


def sign_in_of(claims: Mapping[str, object], email: str) -> SignIn:
    """The sign-in the identity provider's ``claims`` describe, for ``email`` (already checked by the caller)."""
    kept = {k: v for k, v in claims.items() if k not in _NOT_CLAIMS}
    key = hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    exp = claims.get("exp")
    expires = None
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        try:
            expires = dt.datetime.fromtimestamp(exp).replace(microsecond=0)
        except (OverflowError, OSError, ValueError):
            expires = dt.datetime.min  # an impossible expiry: treated as expired
    return SignIn(key, email.strip().lower(), expires)


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def seen_every(idle: dt.timedelta) -> dt.timedelta:
    """How often a live sign-in's activity time is written."""
    return min(dt.timedelta(minutes=1), idle / 4)


def _row(cur: Cursor, key: str) -> tuple | None:
    return fetch_one(cur, "SELECT started_at, seen_at, ended_why FROM sign_ins WHERE sign_in = ?", [key])


def _deactivated_since(cur: Cursor, email: str, started: dt.datetime) -> bool:
    return fetch_one(cur, "SELECT 1 FROM staff_history WHERE email = ? AND NOT active AND changed_at >= ? LIMIT 1",
                     [email, started]) is not None


def _why(cur: Cursor, s: SignIn, row: tuple | None, at: dt.datetime, idle: dt.timedelta) -> str | None:
    """Why the sign-in is over at ``at`` (None: it is live)."""
    if row is not None and row[2] is not None:
        return row[2]
    if s.expires_at is not None and at >= s.expires_at:
        return EXPIRED
    if row is None:
        return None
    started, seen = row[0], row[1]
    if at - seen > idle:
        return IDLE
    if _deactivated_since(cur, s.email, started):
        return DEACTIVATED
    return None


def ended_why(cur: Cursor, s: SignIn, idle: dt.timedelta, at: dt.datetime | None = None) -> str | None:
    """Why the sign-in ``s`` is over (one of ``ENDINGS``), or None while it is live; reads only."""
    return _why(cur, s, _row(cur, s.key), at or now(), idle)


def touch(db, s: SignIn, idle: dt.timedelta, *, cur: Cursor | None = None, at: dt.datetime | None = None) -> str | None:
    """A page run of the sign-in ``s``: why it is over (ending it for good the first time) or None (live, its
    activity recorded when the last record is older than ``seen_every``). Reads with ``cur`` (default: a new
    cursor of ``db``) and writes only when something changes, in one transaction."""
    at = at or now()
    cur = cur if cur is not None else db.cursor()
    row = _row(cur, s.key)
    why = _why(cur, s, row, at, idle)
    if row is not None and (row[2] is not None or (why is None and at - row[1] < seen_every(idle))):
        return why  # already ended, or live and recently seen: nothing to write

    def work(w: Cursor) -> str | None:
        row = _row(w, s.key)
        why = _why(w, s, row, at, idle)
        if row is None:
            w.execute("INSERT INTO sign_ins VALUES (?, ?, ?, ?, ?, ?, ?)",
                      [s.key, s.email, at, at, s.expires_at, at if why else None, why])
        elif why is not None and row[2] is None:
            w.execute("UPDATE sign_ins SET ended_at = ?, ended_why = ? WHERE sign_in = ?", [at, why, s.key])
        elif why is None:
            w.execute("UPDATE sign_ins SET seen_at = ? WHERE sign_in = ?", [at, s.key])
        return why

    return db.write(work)


def end(db, s: SignIn, why: str = SIGNED_OUT, at: dt.datetime | None = None) -> None:
    """End the sign-in ``s`` now (Sign out); a sign-in already ended keeps its first reason."""
    if why not in ENDINGS:
        raise ValueError(f"not a way a sign-in ends: {why!r}")
    at = at or now()

    def work(cur: Cursor) -> None:
        if _row(cur, s.key) is None:
            cur.execute("INSERT INTO sign_ins VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [s.key, s.email, at, at, s.expires_at, at, why])
        else:
            cur.execute("UPDATE sign_ins SET ended_at = ?, ended_why = ? WHERE sign_in = ? AND ended_at IS NULL",
                        [at, why, s.key])

    db.write(work)
