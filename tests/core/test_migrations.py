"""The migrations describe the models exactly. Several of ours change the database by hand
beside Django's state (indexes dropped or made by name so SQLite keeps its foreign keys,
reference triggers on PostgreSQL): a model change without its migration, or a library
upgrade that shapes a field otherwise, shows here rather than at someone's deploy."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_without_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:  # --check exits non-zero when a migration is missing
        pytest.fail(f"a model change has no migration:\n{out.getvalue()}")
