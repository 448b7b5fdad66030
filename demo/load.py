"""The Doncaster 2016/17 demo: the figures of the council's Q2 2016/17 performance challenge
report (see docs/demo-data.md), three users, and their groups."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from django.contrib.auth.models import Group, User
from django.db import transaction

from authorities.loading import load_authorities, load_neighbours, load_ofsted
from authorities.models import Authority, OfficerAssignment, PanelMembership
from core.access import COUNCIL, OFFICERS, PANEL_MEMBERS, PERFORMANCE_ADMINS, PROVIDER
from imports import service
from imports.challenges import (
    CHALLENGE_REQUIRED,
    apply_actions,
    apply_challenges,
    check_actions,
    check_challenges,
)
from imports.files import read_table
from indicators import writes
from scrutiny import writes as scrutiny_writes
from scrutiny.models import ChallengeRecord

DEMO_DIR = Path(__file__).resolve().parent / "data"
NATIONAL_DIR = DEMO_DIR / "national"
# DfE's published national data, shipped gzipped so a fresh clone's `make run` shows England,
# regions, statistical neighbours, ranks and Ofsted (refresh: manage.py refresh_national_data).
NATIONAL_FILES = [
    "authorities.csv.gz",
    "statistical_neighbours.csv.gz",
    "indicators.csv.gz",
    "values.csv.gz",
    "ofsted_ilacs_inspection_history.csv.gz",
    "ofsted_in_year_inspections_2024_25.csv.gz",
]


# Local demo only: printed by `make run`, never used outside a developer's machine.
DEMO_USERS = [
    ("panel", "outturn-panel-2016", PANEL_MEMBERS, "Panel member (reads, asks, recommends)"),
    ("chair", "outturn-chair-2016", PANEL_MEMBERS, "Panel chair (closes recommendations)"),
    ("officer", "outturn-officer-2016", OFFICERS, "Council performance officer, Doncaster"),
    ("trust", "outturn-trust-2016", OFFICERS, "Provider (trust) performance officer, Doncaster"),
    ("admin", "outturn-admin-2016", PERFORMANCE_ADMINS, "Performance admin (Django admin)"),
]
SIDES = {"officer": "council", "trust": "provider"}
CHAIRS = {"panel": False, "chair": True}  # their seats on Doncaster's panel


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DEMO_DIR / name, dtype=str, keep_default_na=False)


def load_national() -> dict[str, int]:
    """England's published figures, every authority and its statistical neighbours, and
    Ofsted's judgements, through the same loaders and importers as anyone's files."""
    national = NATIONAL_DIR
    counts = {"authorities": load_authorities(national / "authorities.csv.gz")}
    load_neighbours(national / "statistical_neighbours.csv.gz")
    for name in NATIONAL_FILES[4:]:
        load_ofsted(national / name)
    for kind, name in [("indicators", "indicators.csv.gz"), ("returns", "values.csv.gz")]:
        data = gzip.decompress((national / name).read_bytes())
        staged = service.stage(kind, data, name.removesuffix(".gz"))
        if staged.duplicate_of is None:  # loaded before: nothing to do
            assert not staged.problems, staged.problems[:5]
            service.apply(staged.batch)
        counts[kind] = staged.counts.get("new", 0)
    return counts


@transaction.atomic
def load_demo(national: bool = False) -> dict[str, int]:
    """The Doncaster demo; with `national`, DfE's national data first (make run does; the
    tests load it only where they need it, from ../shared)."""
    if national:
        load_national()
    load_authorities(DEMO_DIR / "authorities.csv")
    # The same write path as every import and edit: history, then the recompute.
    counts = {"indicators": len(writes.save_indicators(_csv("indicators.csv")))}
    targets = _csv("targets.csv")
    writes.save_targets_by_code(targets)
    counts["targets"] = len(targets)
    values = _csv("values.csv")
    writes.save_values_by_code(values)
    counts["values"] = len(values)
    doncaster = Authority.objects.get(code="E08000017")
    for username, password, group_name, _ in DEMO_USERS:
        group, _ = Group.objects.get_or_create(name=group_name)
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.email = f"{username}@outturn.example"  # the demo's digests go to the console
        user.is_staff = user.is_superuser = group_name == PERFORMANCE_ADMINS
        user.save()
        user.groups.set([group])
        if username in CHAIRS:
            PanelMembership.objects.update_or_create(
                user=user, authority=doncaster, defaults={"chair": CHAIRS[username]}
            )
        if username in SIDES:
            OfficerAssignment.objects.update_or_create(
                user=user, authority=doncaster, defaults={"side": SIDES[username]}
            )
    counts["users"] = len(DEMO_USERS)
    if not ChallengeRecord.objects.filter(authority=doncaster).exists():
        _write_commentary(doncaster)
    return counts


def _write_commentary(doncaster: Authority) -> None:
    """The challenge file as each side wrote it (the council's comment by the council's
    officer, the trust's responses by the trust's), then the actions, dated for the meeting."""
    table = read_table((DEMO_DIR / "challenge.csv").read_bytes(), "challenge.csv")
    for username, side in [("officer", COUNCIL), ("trust", PROVIDER)]:
        checked = check_challenges(table[[*CHALLENGE_REQUIRED, *scrutiny_writes.SIDE_TEXT[side]]])
        assert checked.ok, checked.problems
        apply_challenges(checked, User.objects.get(username=username))
    checked = check_actions(read_table((DEMO_DIR / "actions.csv").read_bytes(), "actions.csv"))
    assert checked.ok, checked.problems
    apply_actions(checked, User.objects.get(username="officer"))
    scrutiny_writes.date_commentary(doncaster, WRITTEN)


# The demo's commentary was written for the panel of 6 December 2016: it is dated then, never
# on the day someone runs `make run`.
WRITTEN = datetime(2016, 11, 21, 10, 0, tzinfo=ZoneInfo("Europe/London"))
