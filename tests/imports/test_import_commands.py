from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from indicators.models import Value

pytestmark = pytest.mark.django_db


def test_a_good_return_imports_with_a_one_line_summary(england, tmp_path, capsys):
    path = tmp_path / "q.csv"
    path.write_text("authority,indicator,period,value\nE08000017,CIN-REFS,2016-17,4479\n")
    call_command("import_returns", str(path))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("q.csv: imported, 1 new, 0 changed, 0 unchanged")
    call_command("import_returns", str(path))
    assert "already imported" in capsys.readouterr().out


def test_a_bad_return_lists_problems_and_fails(england, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("authority,indicator,period,value\nNowhere,CIN-REFS,2016-17,x1\n")
    with pytest.raises(CommandError, match="bad.csv: 2 problem"):
        call_command("import_returns", str(path))
    err = capsys.readouterr().err
    assert 'bad.csv: Row 2, column authority: "Nowhere"' in err
    assert 'Row 2, column value: "x1" is not a number' in err
    assert Value.objects.count() == 0


def test_a_dry_run_saves_nothing(england, tmp_path, capsys):
    path = tmp_path / "q.csv"
    path.write_text("authority,indicator,period,value\nE08000017,CIN-REFS,2016-17,4479\n")
    call_command("import_returns", str(path), dry_run=True)
    assert "dry run" in capsys.readouterr().out
    assert Value.objects.count() == 0


def test_a_missing_file_is_an_error(db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_returns", "/nowhere/q.csv")


def test_every_import_command_works_from_the_shell(england, tmp_path):
    targets = tmp_path / "t.csv"
    targets.write_text("indicator,year,target,tolerance\nCIN-REREF,2016-17,20,24\n")
    call_command("import_targets", str(targets))
    name = "d3_cpps_subsequent_plan_2013_to_2025.csv"
    call_command("import_ees", str(england / "ees" / name), mapping="d3_repeat_plans")
    rows = (england / "ees" / name).read_text(encoding="utf-8-sig").count("\n") - 1
    assert Value.objects.filter(indicator__code="CPP-REPEAT").count() >= 0.9 * rows
