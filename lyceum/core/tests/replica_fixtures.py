"""A ``replica`` database alias for tests: the test database again, through a second connection.

``LYCEUM_REPLICA_DATABASE_URL`` adds the alias at settings time with ``TEST: {"MIRROR": "default"}``;
the test suite normally runs without it, so ``replica_alias`` adds the same alias after the test
database exists (a copy of default's connection settings, a mirror) and lists the router for the
module. Tests using it must be transactional (``django_db(transaction=True, databases=[...])``):
a mirror is a separate connection, which does not see the rows of a test wrapped in a
transaction on default, and the router keeps reads on default inside a transaction anyway.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from django.db import connections
from django.test.utils import override_settings

from lyceum.core.dbrouter import REPLICA_DB_ALIAS, ROUTER_PATH

REPLICA_DATABASES = ["default", REPLICA_DB_ALIAS]


@pytest.fixture(scope="module")
def replica_alias(django_db_setup: None) -> Iterator[str]:
    added = REPLICA_DB_ALIAS not in connections
    if added:
        replica = copy.deepcopy(connections["default"].settings_dict)  # NAME is the test database now
        replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": "default"}
        connections.settings[REPLICA_DB_ALIAS] = replica
    try:
        with override_settings(DATABASE_ROUTERS=[ROUTER_PATH]):
            yield REPLICA_DB_ALIAS
    finally:
        if added:
            connections[REPLICA_DB_ALIAS].close()
            del connections.settings[REPLICA_DB_ALIAS]
            if hasattr(connections._connections, REPLICA_DB_ALIAS):
                delattr(connections._connections, REPLICA_DB_ALIAS)


def writes(queries: list[dict[str, str]]) -> list[str]:
    """The statements among ``CaptureQueriesContext.captured_queries`` that change data."""
    verbs = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP")
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(verbs)]
