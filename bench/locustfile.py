"""Panel members browsing while a national import runs (bench/load_run.py drives this with
Locust, headless). Each simulated member reads quarter views and a measure page, signed in
with the session cookie the load run makes (OUTTURN_SESSION). With OUTTURN_TIMINGS set, every
request's start (epoch seconds) and response time (ms) are appended there, so the load run can
take the percentiles of the requests made while the import ran, not of the whole run."""

from __future__ import annotations

import os

from locust import HttpUser, between, events, task

TIMINGS = os.environ.get("OUTTURN_TIMINGS")
_timings = open(TIMINGS, "a", buffering=1 << 16) if TIMINGS else None  # noqa: SIM115


@events.request.add_listener
def _record(request_type, name, response_time, exception, start_time=None, **_):
    if _timings is not None and start_time is not None:
        _timings.write(f"{start_time:.3f},{response_time:.1f},{int(exception is not None)}\n")


@events.quitting.add_listener
def _close(**_):
    if _timings is not None:
        _timings.close()


PAGES = ["/a/doncaster/q/2016-17-q2/", "/a/doncaster/q/2016-17-q1/", "/a/doncaster/m/A2/"]


class PanelMember(HttpUser):
    wait_time = between(0.2, 1.0)  # a person reads before the next click

    def on_start(self):
        self.client.cookies.set("sessionid", os.environ["OUTTURN_SESSION"])

    @task(2)
    def quarter(self):
        self.client.get(PAGES[0], name="quarter view")

    @task(1)
    def previous_quarter(self):
        self.client.get(PAGES[1], name="quarter view")

    @task(1)
    def measure(self):
        self.client.get(PAGES[2], name="measure page")
