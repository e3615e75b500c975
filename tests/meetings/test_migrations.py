"""Data migrations run against rows that existed before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from meetings.services import calendar_token_owner

BEFORE_HASHING = [("meetings", "0004_actionitem_development")]


@pytest.mark.django_db(transaction=True)
def test_calendar_addresses_handed_out_before_hashing_keep_working():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_HASHING)
    old = executor.loader.project_state(BEFORE_HASHING).apps
    user = old.get_model("auth", "User").objects.create(username="vorher", is_active=True)
    old.get_model("meetings", "CalendarToken").objects.create(user_id=user.pk, token="alte-adresse-123")
    executor = MigrationExecutor(connection)  # reload the graph: the state has changed
    executor.migrate(executor.loader.graph.leaf_nodes())
    owner = calendar_token_owner("alte-adresse-123")
    assert owner is not None and owner.username == "vorher"
    assert calendar_token_owner("alte-adresse-124") is None
    with connection.cursor() as cursor:
        columns = [
            column.name for column in connection.introspection.get_table_description(cursor, "meetings_calendartoken")
        ]
    assert "token" not in columns  # the plain secret is gone
