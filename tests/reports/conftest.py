from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command


@pytest.fixture
def england(db, shared_data):
    """Every English authority and DfE's indicator definitions, as an officer would start."""
    call_command("load_authorities", str(shared_data / "authorities.csv"))
    call_command("import_indicators", str(shared_data / "indicators.csv"))
    return shared_data


@pytest.fixture
def officer(demo, client):
    user = User.objects.get(username="officer")
    client.force_login(user)
    return user
