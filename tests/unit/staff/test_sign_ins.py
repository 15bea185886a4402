"""Sign-ins end on the server: signed out, idle, expired, deactivated; activity written at most every minute."""

from __future__ import annotations

import datetime as dt

import pytest

from orders_core.staff import members
from orders_core.staff import sign_ins as si
from orders_core.storage.reads import fetch_one
from tests.people import ADMIN, CSR

IDLE = dt.timedelta(minutes=30)
T0 = dt.datetime(2026, 11, 26, 9, 0, 0)


def claims(**extra) -> dict:
    return {"email": CSR.email, "name": CSR.name, "sub": CSR.email, "iat": 1_790_000_000, "nonce": "n1",
            "is_logged_in": True, **extra}


def row(db, s):
    return fetch_one(db.cursor(), "SELECT email, started_at, seen_at, ended_at, ended_why FROM sign_ins "
                                  "WHERE sign_in = ?", [s.key])


def test_the_key_is_the_sign_in_not_the_connection():
    a = si.sign_in_of(claims(), CSR.email)
    assert a == si.sign_in_of({**claims(), "tokens": {"id": "x"}, "origin": "http://h"}, CSR.email.upper())
    assert a.key != si.sign_in_of(claims(nonce="n2"), CSR.email).key  # a new sign-in, a new key
    assert CSR.email not in a.key and len(a.key) == 64  # a hash: nothing of the cookie is stored
    assert a.expires_at is None
    assert si.sign_in_of(claims(exp=1_790_003_600), CSR.email).expires_at == dt.datetime.fromtimestamp(1_790_003_600)


def test_a_live_sign_in_is_recorded_and_its_activity_written_at_most_every_minute(db):
    s = si.sign_in_of(claims(), CSR.email)
    assert si.touch(db, s, IDLE, at=T0) is None
    assert row(db, s) == (CSR.email, T0, T0, None, None)
    assert si.touch(db, s, IDLE, at=T0 + dt.timedelta(seconds=30)) is None
    assert row(db, s)[2] == T0  # not written again within the minute
    assert si.touch(db, s, IDLE, at=T0 + dt.timedelta(minutes=2)) is None
    assert row(db, s)[2] == T0 + dt.timedelta(minutes=2)


def test_signed_out_stays_ended_and_keeps_its_first_reason(db):
    s = si.sign_in_of(claims(), CSR.email)
    si.touch(db, s, IDLE, at=T0)
    si.end(db, s, si.SIGNED_OUT, at=T0 + dt.timedelta(minutes=1))
    assert si.ended_why(db.cursor(), s, IDLE, at=T0 + dt.timedelta(minutes=2)) == si.SIGNED_OUT
    assert si.touch(db, s, IDLE, at=T0 + dt.timedelta(minutes=2)) == si.SIGNED_OUT
    si.end(db, s, si.IDLE)
    assert row(db, s)[3:] == (T0 + dt.timedelta(minutes=1), si.SIGNED_OUT)
    never_seen = si.sign_in_of(claims(nonce="copied"), CSR.email)
    si.end(db, never_seen)  # a sign-in the app never drew a page for still ends
    assert si.ended_why(db.cursor(), never_seen, IDLE) == si.SIGNED_OUT
    with pytest.raises(ValueError):
        si.end(db, s, "bored")


def test_idle_longer_than_the_limit_ends_it_for_good(db):
    s = si.sign_in_of(claims(), CSR.email)
    si.touch(db, s, IDLE, at=T0)
    assert si.ended_why(db.cursor(), s, IDLE, at=T0 + IDLE) is None
    late = T0 + IDLE + dt.timedelta(seconds=1)
    assert si.ended_why(db.cursor(), s, IDLE, at=late) == si.IDLE  # read only: nothing written
    assert row(db, s)[4] is None
    assert si.touch(db, s, IDLE, at=late) == si.IDLE
    assert row(db, s)[3:] == (late, si.IDLE)
    assert si.touch(db, s, dt.timedelta(days=1), at=late) == si.IDLE  # a longer limit later does not revive it


def test_the_id_tokens_expiry_ends_it(db):
    exp = int(dt.datetime(2026, 11, 26, 10, 0, 0).timestamp())
    s = si.sign_in_of(claims(exp=exp), CSR.email)
    assert si.touch(db, s, IDLE, at=T0) is None
    assert si.touch(db, s, IDLE, at=dt.datetime(2026, 11, 26, 10, 0, 0)) == si.EXPIRED
    already = si.sign_in_of(claims(exp=exp, nonce="old"), CSR.email)
    assert si.touch(db, already, IDLE, at=dt.datetime(2026, 11, 26, 11, 0, 0)) == si.EXPIRED  # first seen expired
    broken = si.sign_in_of(claims(exp=10**30), CSR.email)
    assert si.touch(db, broken, IDLE, at=T0) == si.EXPIRED


def test_deactivation_ends_it_even_after_reactivation(db):
    s = si.sign_in_of(claims(), CSR.email)
    started = si.now()
    si.touch(db, s, IDLE, at=started)
    members.deactivate(db, ADMIN, CSR.email)
    members.reactivate(db, ADMIN, CSR.email)
    assert si.touch(db, s, IDLE) == si.DEACTIVATED
    fresh = si.sign_in_of(claims(nonce="after"), CSR.email)
    assert si.touch(db, fresh, IDLE, at=si.now() + dt.timedelta(seconds=1)) is None  # signing in again works
