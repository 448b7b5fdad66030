from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from authorities.models import Authority, StatisticalNeighbour

pytestmark = pytest.mark.django_db


def test_it_loads_every_english_authority_and_its_neighbours(shared_data):
    call_command(
        "load_authorities",
        str(shared_data / "authorities.csv"),
        neighbours=str(shared_data / "statistical_neighbours.csv"),
    )
    assert Authority.objects.filter(kind="local_authority").count() >= 153
    doncaster = Authority.objects.get(code="E08000017")
    assert doncaster.dfe_code == "371"
    assert doncaster.region.name == "Yorkshire and The Humber"
    assert doncaster.region.region.code == "E92000001"
    neighbours = list(doncaster.neighbours.values_list("rank", flat=True))
    assert neighbours == list(range(1, 11))
    assert StatisticalNeighbour.objects.count() == 1530


def test_loading_again_updates_rather_than_duplicates(shared_data):
    path = str(shared_data / "authorities.csv")
    call_command("load_authorities", path)
    count = Authority.objects.count()
    call_command("load_authorities", path)
    assert Authority.objects.count() == count


def test_a_file_without_the_columns_says_which_are_missing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\nE1,Somewhere\n")
    with pytest.raises(CommandError, match="missing column.*dfe_code"):
        call_command("load_authorities", str(bad))
    assert Authority.objects.count() == 0


def test_an_unknown_kind_names_the_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,dfe_code,name,kind,region_code\nE1,,Somewhere,county,\n")
    with pytest.raises(CommandError, match='row 2, column kind: "county"'):
        call_command("load_authorities", str(bad))


def test_a_name_with_nothing_an_address_can_carry_is_known_by_its_code(tmp_path):
    from django.urls import reverse

    odd = tmp_path / "odd.csv"
    odd.write_text(
        "code,dfe_code,name,kind,region_code\n"
        "E1,,???,local_authority,\nE3,,Ynys Môn,local_authority,\n"
    )
    call_command("load_authorities", str(odd))
    slugs = dict(Authority.objects.values_list("code", "slug"))
    assert slugs == {"E1": "authority-e1", "E3": "ynys-mon"}  # not "": no address has it
    for slug in slugs.values():
        assert reverse("reports:authority", args=[slug])
