"""Panel members browsing while a national import runs (bench/load_run.py drives this with
Locust, headless). Each simulated member reads quarter views and a measure page, signed in
with the session cookie the load run makes (OUTTURN_SESSION)."""

from __future__ import annotations

import os

from locust import HttpUser, between, task

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
