"""The read-replica router (core/dbrouter.py) and the settings that switch it on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import OperationalError, connections, router, transaction
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from lyceum.accounts.models import User
from lyceum.core import dbrouter
from lyceum.core.dbrouter import ReplicaRouter, in_replica_scope, read_alias, replica_reads, replica_stream
from lyceum.core.models import Event
from lyceum.core.tests.replica_fixtures import REPLICA_DATABASES, replica_alias, writes

BASE_DIR = Path(__file__).resolve().parents[3]

__all__ = ["replica_alias"]  # the fixture, imported for pytest

replica_db = pytest.mark.django_db(transaction=True, databases=REPLICA_DATABASES)


def _settings_in_subprocess(env: dict[str, str]) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'aliases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, "
        "'replica': s.DATABASES.get('replica')}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if k != "LYCEUM_REPLICA_DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_the_env_var_there_is_no_replica_and_no_router():
    configured = _settings_in_subprocess({})

    assert configured["aliases"] == ["default"]
    assert configured["routers"] == []


def test_the_env_var_adds_a_mirrored_replica_and_the_router():
    configured = _settings_in_subprocess(
        {
            "DATABASE_URL": "postgres://app@primary.internal:5432/lyceum",
            "LYCEUM_REPLICA_DATABASE_URL": "postgres://reader@replica.internal:5432/lyceum",
            "LYCEUM_DB_CONN_MAX_AGE": "60",
        }
    )

    assert configured["aliases"] == ["default", "replica"]
    assert configured["routers"] == ["lyceum.core.dbrouter.ReplicaRouter"]
    replica = configured["replica"]
    assert replica["HOST"] == "replica.internal"
    assert replica["USER"] == "reader"
    assert replica["CONN_MAX_AGE"] == 60  # same options as default
    assert replica["TEST"]["MIRROR"] == "default"


def test_reads_stay_on_default_without_a_replica_even_inside_a_scope(db):
    assert "replica" not in connections
    with replica_reads():
        assert read_alias() == "default"
        assert User.objects.using(router.db_for_read(User)).count() == 0


def test_the_router_writes_and_migrates_on_default_only():
    r = ReplicaRouter()

    with replica_reads():
        assert r.db_for_write(User) == "default"
    assert r.allow_migrate("default", "core") is True
    assert r.allow_migrate("replica", "core") is False
    assert r.allow_relation(User(), Event()) is True


@pytest.fixture
def reachable_replica(monkeypatch):
    """Scope tests without a database: the replica counts as configured and reachable."""
    monkeypatch.setattr(dbrouter, "replica_available", lambda: True)


def test_the_scope_nests_resets_and_works_as_a_decorator(reachable_replica):
    @replica_reads()
    def inside() -> bool:
        return in_replica_scope()

    assert in_replica_scope() is False
    with replica_reads():
        with replica_reads():
            assert in_replica_scope() is True
        assert in_replica_scope() is True
    assert in_replica_scope() is False
    assert inside() is True
    assert in_replica_scope() is False


def test_the_scope_does_not_leak_out_of_a_failing_block(reachable_replica):
    with pytest.raises(RuntimeError), replica_reads():
        raise RuntimeError("boom")

    assert in_replica_scope() is False


def test_another_thread_does_not_inherit_the_scope(reachable_replica):
    seen: list[bool] = []
    with replica_reads():
        thread = threading.Thread(target=lambda: seen.append(in_replica_scope()))
        thread.start()
        thread.join()

    assert seen == [False]


def test_a_replica_stream_holds_the_scope_only_while_producing_a_row(reachable_replica):
    def rows():
        for i in range(3):
            yield (i, in_replica_scope())

    consumed = []
    for row in replica_stream(rows()):
        consumed.append((row, in_replica_scope()))

    assert consumed == [((0, True), False), ((1, True), False), ((2, True), False)]


@replica_db
def test_reads_inside_the_scope_go_to_the_replica(replica_alias):
    user = make_user("reader@example.org")

    with CaptureQueriesContext(connections["replica"]) as on_replica, replica_reads():
        found = User.objects.get(pk=user.pk)

    assert found.email == "reader@example.org"
    assert len(on_replica.captured_queries) == 1
    assert "accounts_user" in on_replica.captured_queries[0]["sql"]


@replica_db
def test_reads_outside_the_scope_stay_on_default(replica_alias):
    user = make_user("plain@example.org")

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert User.objects.get(pk=user.pk).email == "plain@example.org"

    assert on_replica.captured_queries == []


@replica_db
def test_writes_inside_the_scope_go_to_default(replica_alias):
    user = make_user("writer@example.org")

    with CaptureQueriesContext(connections["replica"]) as on_replica, replica_reads():
        Event.objects.create(name="user.signed_in", occurred_at=user.date_joined, actor=user)
        User.objects.filter(pk=user.pk).update(display_name="Renamed")
        found = User.objects.get(pk=user.pk)  # a read: the replica
        found.display_name = "Again"
        found.save()  # loaded from the replica, saved on default

    assert writes(on_replica.captured_queries) == []
    assert User.objects.get(pk=user.pk).display_name == "Again"
    assert Event.objects.filter(actor=user, name="user.signed_in").count() == 1


@replica_db
def test_reads_inside_a_transaction_stay_on_default(replica_alias):
    user = make_user("atomic@example.org")

    with CaptureQueriesContext(connections["replica"]) as on_replica, replica_reads():
        with transaction.atomic():
            assert read_alias() == "default"
            locked = User.objects.select_for_update().get(pk=user.pk)
            seen = User.objects.get(pk=user.pk)
            User.objects.filter(pk=locked.pk).update(display_name=seen.display_name + "!")
        _event, created = Event.objects.get_or_create(name="user.signed_in", actor=user, occurred_at=user.date_joined)
        assert read_alias() == "replica"

    assert created is True
    assert on_replica.captured_queries == []
    assert User.objects.get(pk=user.pk).display_name.endswith("!")


@replica_db
def test_an_unreachable_replica_sends_the_reads_to_default_and_is_tried_again_later(replica_alias, monkeypatch, caplog):
    user = make_user("fallback@example.org")
    monkeypatch.setattr(dbrouter, "_replica_down_until", 0.0)
    replica = connections["replica"]
    replica.close()

    def refuse() -> None:
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(replica, "ensure_connection", refuse)
    with CaptureQueriesContext(connections["default"]) as on_default, replica_reads():
        assert in_replica_scope() is False
        assert User.objects.get(pk=user.pk).email == "fallback@example.org"

    assert "read replica unreachable" in caplog.text
    assert any("accounts_user" in q["sql"] for q in on_default.captured_queries)

    monkeypatch.undo()  # the replica is back, and the retry window is over
    monkeypatch.setattr(dbrouter, "_replica_down_until", 0.0)
    with CaptureQueriesContext(connections["replica"]) as on_replica, replica_reads():
        User.objects.get(pk=user.pk)
    assert len(on_replica.captured_queries) == 1
