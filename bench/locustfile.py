"""Load test: visitors browsing and searching, foreign firm members reading recommendations and
expressing interest. Run it through bench/load.py, which prepares a database and the servers
and writes the data file this reads (BENCH_DATA: project references, filter values, firms).

Request kinds (the `name` of each request, one line each in the report):
  home, browse (filters), search, project page, recommendations, login,
  interest: express (web form, POST), interest: withdraw (web form, POST).

The server runs the production settings (secure cookies, HSTS) over plain HTTP on loopback:
every request says `X-Forwarded-Proto: https` (SECURE_PROXY_SSL_HEADER) and POSTs send a
same-site `Origin`, so Django treats them as HTTPS; the client clears the Secure flag of the
cookies it receives, so it sends them back over http://127.0.0.1.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, between, task

DATA = json.loads(open(os.environ["BENCH_DATA"]).read())  # noqa: SIM115
PASSWORD = DATA["password"]
_member_numbers = itertools.count()
_INTEREST_URL = re.compile(r"/interests/(\d+)/$")


class _SiteUser(FastHttpUser):
    """FastHttpUser (geventhttpclient) rather than HttpUser (requests): the load generator
    shares the two cores with the server, and costs several times less CPU per request this
    way. Like a browser it keeps its connection open between requests (keep-alive)."""

    abstract = True
    wait_time = between(1, 3)
    default_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "en"}
    max_retries = 0  # a failed request counts as failed, never silently sent again

    def on_start(self) -> None:
        self.origin = self.host.rstrip("/").replace("http://", "https://", 1)

    def _unsecure_cookies(self) -> None:
        # The cookie jar sends Secure cookies only over https://; the "proxy" here is the header.
        for cookie in self.client.cookiejar:
            cookie.secure = False

    def _cookie(self, name: str) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == name), "") or ""

    def get_page(self, url: str, name: str) -> None:
        self._unsecure_cookies()
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {url}")

    def post_form(self, url: str, data: dict, name: str):
        self._unsecure_cookies()
        data = {"csrfmiddlewaretoken": self._cookie("csrftoken"), **data}
        return self.client.post(
            url,
            data=data,
            name=name,
            allow_redirects=False,
            catch_response=True,
            headers={"Origin": self.origin, "Referer": self.origin + url},
        )

    def browse_filters(self) -> None:
        params = random.choice(DATA["filters"])
        self.get_page(f"/opportunities/?{urlencode(params, doseq=True)}", "browse (filters)")

    def search(self) -> None:
        self.get_page(
            f"/opportunities/?{urlencode({'q': random.choice(DATA['queries'])})}", "search"
        )

    def project_page(self) -> None:
        self.get_page(f"/opportunities/{random.choice(DATA['projects'])}/", "project page")


class Visitor(_SiteUser):
    """An anonymous visitor: home page, the opportunity browser, search, project pages."""

    weight = 3

    @task(1)
    def home(self) -> None:
        self.get_page("/", "home")

    @task(3)
    def browse(self) -> None:
        self.browse_filters()

    @task(2)
    def search_projects(self) -> None:
        self.search()

    @task(3)
    def read_project(self) -> None:
        self.project_page()


class FirmMember(_SiteUser):
    """A signed-in member of a foreign firm (firm.siam / firm.andes, from load_demo).

    Member number n signs in as firm n % 2 and expresses interest only in its own share of
    that firm's open projects (every k-th one), then withdraws it, so two simulated users
    never race for the same (enterprise, project) pair.
    """

    weight = 2

    def on_start(self) -> None:
        super().on_start()
        number = next(_member_numbers)
        firms = sorted(DATA["firms"])
        self.username = firms[number % len(firms)]
        share, shares = number // len(firms), DATA["members_per_firm"]
        self.targets = DATA["firms"][self.username][share % shares :: shares]
        # People arrive over the first half minute rather than all in the same second: a
        # sign-in costs ~0.5 s of CPU (PBKDF2, 10^6 iterations) by design.
        gevent.sleep(random.uniform(0, DATA.get("login_spread_seconds", 30)))
        self.get_page("/accounts/login/", "login form")
        with self.post_form(
            "/accounts/login/", {"username": self.username, "password": PASSWORD}, "login"
        ) as response:
            if response.status_code != 302:
                response.failure(f"login as {self.username} refused ({response.status_code})")
                self.stop()

    @task(4)
    def recommendations(self) -> None:
        self.get_page("/me/recommended/", "recommendations")

    @task(2)
    def read_project(self) -> None:
        self.project_page()

    @task(1)
    def search_projects(self) -> None:
        self.search()

    @task(1)
    def browse(self) -> None:
        self.browse_filters()

    @task(2)
    def express_and_withdraw(self) -> None:
        if not self.targets:
            return
        reference = random.choice(self.targets)
        form = {"message": "Load test: we would like to discuss.", "currency": "USD"}
        with self.post_form(
            f"/opportunities/{reference}/interest/", form, "interest: express"
        ) as response:
            location = (response.headers or {}).get("Location") or ""
            found = _INTEREST_URL.search(urlsplit(location).path)
            if response.status_code != 302 or found is None:
                response.failure(
                    f"interest in {reference} refused ({response.status_code} {location})"
                )
                return
        interest_id = found.group(1)
        with self.post_form(
            f"/interests/{interest_id}/move/",
            {"to": "withdrawn", "note": "Load test done."},
            "interest: withdraw",
        ) as response:
            if response.status_code != 302:
                response.failure(f"withdrawal of {interest_id} refused ({response.status_code})")
