"""Panel members of many councils browsing a shared Outturn (bench/load_run.py drives this
with Locust, headless). Each simulated member reads a random council's quarter views,
measure pages and compare pages, of random quarters and measures (OUTTURN_AUTHORITIES: the
councils' slugs; OUTTURN_QUARTERS: quarter slugs; OUTTURN_MEASURES: measure codes), reading
each page for OUTTURN_THINK seconds ("LOW,HIGH") before the next, signed in with the session
cookie the load run makes (OUTTURN_SESSION). A page answered with anything but 200 (a
redirect to sign in, say) is counted as an error, never as a page read. With OUTTURN_TIMINGS
set, every request's start (epoch seconds) and response time (ms) are appended there, so the
load run can take the percentiles of the requests made while the imports ran, not of the
whole run.

The members are FastHttpUser, Locust's client on geventhttpclient: Locust shares this 2-core
machine with the service it measures, and with python-requests it took 0.4 of a core for 150
requests a second (a fifth of the machine, which a council's readers' own computers would
spend, not the server). Locust's documentation gives its response times as the same when the
load generator is not short of CPU."""

from __future__ import annotations

import os
import random

from locust import FastHttpUser, between, events, task

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


def _listed(name: str, default: str) -> list[str]:
    return [item for item in os.environ.get(name, default).split(",") if item]


AUTHORITIES = _listed("OUTTURN_AUTHORITIES", "doncaster")
QUARTERS = _listed("OUTTURN_QUARTERS", "2016-17-q2")
MEASURES = _listed("OUTTURN_MEASURES", "A2")
THINK = tuple(float(part) for part in os.environ.get("OUTTURN_THINK", "5,15").split(","))


class PanelMember(FastHttpUser):
    wait_time = between(*THINK)  # a person reads the page before the next click

    def on_start(self):
        self.signed_in = {"Cookie": f"sessionid={os.environ['OUTTURN_SESSION']}"}
        # Each member follows one council, as a panel does; the quarters and measures vary.
        self.authority = random.choice(AUTHORITIES)  # noqa: S311 - a load test's choice

    @task(3)
    def quarter(self):
        quarter = random.choice(QUARTERS)  # noqa: S311
        self._read(f"/a/{self.authority}/q/{quarter}/", "quarter view")

    @task(2)
    def measure(self):
        quarter, measure = random.choice(QUARTERS), random.choice(MEASURES)  # noqa: S311
        self._read(f"/a/{self.authority}/q/{quarter}/m/{measure}/", "measure page")

    @task(1)
    def compare(self):
        quarter, measure = random.choice(QUARTERS), random.choice(MEASURES)  # noqa: S311
        self._read(f"/compare/{measure}/{quarter}/?authority={self.authority}", "compare page")

    def _read(self, path: str, name: str) -> None:
        """The page itself, or an error: a redirect (to sign in, say) is never counted as a
        page read."""
        with self.client.get(
            path,
            name=name,
            headers=self.signed_in,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code}, not the page")
