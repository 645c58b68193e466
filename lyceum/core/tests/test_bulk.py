"""``core.bulk``: epoch seconds computed by the database, plain-tuple reads, many-row inserts."""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.models import DateTimeField, Value
from django.db.models.functions import Cast, Coalesce

from lyceum.core import bulk
from lyceum.core.models import Event

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 1, 8, 30, 15, 250000, tzinfo=UTC)


def test_epoch_is_the_seconds_since_1970_of_the_stored_datetime():
    Event.objects.create(name="user.signed_in", occurred_at=WHEN)
    Event.objects.create(name="user.signed_in", occurred_at=datetime(1970, 1, 1, tzinfo=UTC))

    got = sorted(Event.objects.annotate(t=bulk.Epoch("occurred_at")).values_list("t", flat=True))

    assert got[0] == pytest.approx(0.0, abs=1e-3)
    assert got[1] == pytest.approx(WHEN.timestamp(), abs=1e-3)  # sub-second part kept


def test_epoch_of_null_is_null_and_coalesces():
    Event.objects.create(name="user.signed_in", occurred_at=WHEN)
    never = Cast(Value(None), output_field=DateTimeField())  # e.g. a course not completed yet

    row = Event.objects.annotate(t=bulk.Epoch(never), d=Coalesce(bulk.Epoch(never), Value(-1.0))).values_list("t", "d")

    assert list(row) == [(None, -1.0)]


def test_fetch_rows_returns_the_drivers_tuples_in_query_order():
    for name in ("user.signed_in", "user.signed_out", "user.signed_in"):
        Event.objects.create(name=name, occurred_at=WHEN)

    rows = list(bulk.fetch_rows(Event.objects.order_by("pk").values_list("name", "object_id"), size=2))

    assert rows == [("user.signed_in", ""), ("user.signed_out", ""), ("user.signed_in", "")]


def test_insert_rows_writes_every_row_in_chunks_with_json(monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 2)  # three executemany calls on SQLite; COPY on PostgreSQL
    rows = [("user.signed_in", WHEN, "", "", json.dumps({"n": n, "note": "引号 ' \" \\ \t tab"})) for n in range(5)]

    written = bulk.insert_rows(Event, ["name", "occurred_at", "object_type", "object_id", "props"], iter(rows))

    assert written == 5
    stored = list(Event.objects.order_by("pk").values_list("props", "occurred_at"))
    assert [p["n"] for p, _ in stored] == [0, 1, 2, 3, 4]
    assert stored[0][0]["note"] == "引号 ' \" \\ \t tab"  # COPY's text format escapes survive
    assert all(when == WHEN for _, when in stored)


def test_insert_rows_of_nothing_writes_nothing():
    assert bulk.insert_rows(Event, ["name", "occurred_at"], []) == 0
    assert not Event.objects.exists()


def test_epoch_refuses_a_database_it_does_not_know(monkeypatch):
    from django.db import NotSupportedError

    monkeypatch.setattr(connection, "vendor", "oracle")
    with pytest.raises(NotSupportedError):
        str(Event.objects.annotate(t=bulk.Epoch("occurred_at")).query)
