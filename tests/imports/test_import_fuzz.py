"""Random bytes and near-valid files: the checker always answers, never raises, and a file with
problems stores nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports import service
from indicators.models import Value

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

cells = st.one_of(
    st.sampled_from(
        [
            "E08000017",
            "Doncaster",
            "371",
            "A2",
            "a2",
            "B14",
            "NOPE",
            "2016-17 Q2",
            "Q2 2016/17",
            "2016-07",
            "2016-17",
            "82",
            "82%",
            "1,669",
            "[c]",
            "low",
            "",
            " ",
            "-5",
            "1e400",
            "nan",
            "=1+1",
            "yes",
            "no",
            '"',
            "é",
            "2016-17 Q9",
            # Issue 17's files the check passed and the confirm rejected:
            "9999-00 Q4",
            "0000-01 Q1",
            "1066-67",
            "2099-00 Q1",
            "1e308",
            "8\x005",
        ]
    ),
    st.text(max_size=8),
)
headers = st.lists(
    st.sampled_from(
        [
            "authority",
            "indicator",
            "period",
            "value",
            "numerator",
            "note",
            "provisional",
            "2016-17 Q1",
            "Q1 2016/17",  # the same period as the column before, spelt another way
            "2016-07",
            "Value",
            "extra",
        ]
    ),
    min_size=1,
    max_size=6,
)


@st.composite
def near_valid_csv(draw) -> bytes:
    header = draw(headers)
    rows = draw(
        st.lists(st.lists(cells, min_size=len(header) - 1, max_size=len(header) + 1), max_size=6)
    )
    separator = draw(st.sampled_from([",", ";", "\t"]))
    lines = [separator.join(header)] + [separator.join(row) for row in rows]
    return "\n".join(lines).encode(
        draw(st.sampled_from(["utf-8", "cp1252", "utf-8-sig"])), errors="replace"
    )


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), near_valid_csv()))
def test_the_checker_never_raises_and_a_bad_file_stores_nothing(demo, data):
    before = list(Value.objects.values_list("id", "value").order_by("id"))
    for kind in ["returns", "targets", "indicators", "ees"]:
        staged = service.stage(kind, data, "fuzz.csv")
        if staged.problems or staged.duplicate_of:
            assert list(Value.objects.values_list("id", "value").order_by("id")) == before
        else:
            service.cancel(staged.batch)


@st.composite
def long_near_valid_csv(draw) -> bytes:
    """A valid file over 4 KB (where the binary sniffing stops) with a near-valid tail."""
    padding = "".join(
        f"E08000017,A2,{year}-{month:02d},{month}\n"
        for year in range(2000, 2016)
        for month in range(1, 13)
    )
    tail = draw(st.lists(st.lists(cells, min_size=3, max_size=5), min_size=1, max_size=4))
    body = "authority,indicator,period,value\n" + padding
    return (body + "\n".join(",".join(row) for row in tail)).encode()


@FUZZ
@given(data=st.one_of(near_valid_csv(), long_near_valid_csv()))
def test_a_confirmed_near_valid_file_never_fails_half_way(demo, data):
    """The rule: if the check passes, the confirm succeeds."""
    staged = service.stage("returns", data, "fuzz.csv")
    if staged.batch is None or staged.problems:
        return
    batch = service.apply(staged.batch)
    assert batch.state == "applied", batch.message


@FUZZ
@given(data=st.one_of(st.binary(max_size=200), near_valid_csv()), kind=st.text(max_size=12))
def test_the_upload_page_never_answers_500(demo, client, data, kind):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="officer"))
    response = client.post(
        "/imports/upload/",
        {"kind": kind or "returns", "file": SimpleUploadedFile("f.csv", data)},
    )
    assert response.status_code in (200, 302)
