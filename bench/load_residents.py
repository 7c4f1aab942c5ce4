"""The residents of `bench/load.py`, as Locust users (this file is Locust's locustfile, run headless
by bench/load.py; it needs LOAD_FIXTURE, the JSON file the bench writes: tokens and offerings).

Each simulated resident browses the public catalogue (the page, a second page, a filter, two
offering pages), then fills a cart of one or two offerings through the API, checks it and checks
out paying cash at the pickup point — and starts again, 1 to 3 s of reading between requests.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, task

with open(os.environ["LOAD_FIXTURE"], encoding="utf-8") as fixture:
    FIXTURE = json.load(fixture)
TOKENS = itertools.cycle(FIXTURE["tokens"])


class Resident(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.api_headers = {"Authorization": f"Token {next(TOKENS)}", "Accept": "application/json"}

    @task
    def browse_fill_and_check_out(self) -> None:
        offerings = random.sample(FIXTURE["offerings"], k=random.choice((1, 2)))
        self.client.get("/catalogue/", name="/catalogue/")
        self.wait()
        self.client.get("/catalogue/?page=2", name="/catalogue/?page=N")
        self.wait()
        self.client.get(f"/catalogue/?kind={offerings[0]['kind']}", name="/catalogue/?kind=…")
        self.wait()
        for offering in offerings:
            self.client.get(f"/catalogue/{offering['slug']}/", name="/catalogue/<slug>/")
            self.wait()
            self.client.post(
                "/api/v1/cart/items/",
                json={"offering": offering["id"], "quantity": "1"},
                headers=self.api_headers,
                name="/api/v1/cart/items/",
            )
        self.client.get("/api/v1/cart/", headers=self.api_headers, name="/api/v1/cart/")
        self.wait()
        with self.client.post(
            "/api/v1/checkout/",
            json={
                "payment_method": "cash",
                "billing_address": "3 place de l'Église, 77140 Nemours",
                "pickup_point": FIXTURE["pickup_point"],
                "accept_terms": True,
            },
            headers=self.api_headers,
            name="/api/v1/checkout/",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:300]}")
