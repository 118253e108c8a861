"""Deterministic, realistic demo traffic for a SaaS product (used by ``generate_demo_data``).

Each simulated user arrives anonymously on some day, comes back for a few sessions
(pageviews with URL, browser, OS, device, referrer, country, ``$session_id``), may
sign up (``$identify`` merging the anonymous id, ``$set`` email/plan, ``signed_up``),
may buy a plan (``purchase`` with ``revenue``) and then uses the app. Users are
generated one at a time, their events in time order, from one seeded RNG: the same
seed and end date give the same events.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from analytics.ingestion.events import CapturedEvent

SITE = "https://hedgebox.example.com"
MARKETING_PAGES = ["/", "/", "/pricing", "/features", "/blog", "/blog/launch-week", "/blog/sql-tips", "/docs"]
APP_PAGES = ["/app", "/app/files", "/app/files", "/app/shared", "/app/settings"]
REFERRERS = [("$direct", 40), ("www.google.com", 30), ("news.ycombinator.com", 8), ("twitter.com", 8),
             ("www.facebook.com", 5), ("duckduckgo.com", 5), ("www.linkedin.com", 4)]  # fmt: skip
COUNTRIES = [("US", 35), ("GB", 10), ("DE", 10), ("FR", 7), ("IN", 8), ("BR", 6), ("CA", 5), ("PL", 5),
             ("JP", 4), ("AU", 4), ("NL", 3), ("ES", 3)]  # fmt: skip
DEVICES = [  # (device type, os, browsers, weight)
    ("Desktop", "Mac OS X", ["Chrome", "Safari", "Firefox"], 30),
    ("Desktop", "Windows", ["Chrome", "Edge", "Firefox"], 35),
    ("Desktop", "Linux", ["Chrome", "Firefox"], 5),
    ("Mobile", "iOS", ["Mobile Safari", "Chrome iOS"], 18),
    ("Mobile", "Android", ["Chrome", "Samsung Internet"], 12),
]
PLANS = [("starter", 9.0, 60), ("pro", 29.0, 30), ("business", 99.0, 10)]
APP_EVENTS = [("file uploaded", 40), ("file shared", 20), ("folder created", 15), ("invite sent", 5),
              ("dashboard viewed", 20)]  # fmt: skip


_CUMULATIVE: dict[int, list[float]] = {}


def _pick(rng: random.Random, weighted: list[tuple]) -> tuple:
    """A weighted choice (the last field of each item is its weight); cheaper than choices()."""
    cumulative = _CUMULATIVE.get(id(weighted))
    if cumulative is None:
        cumulative = _CUMULATIVE[id(weighted)] = list(accumulate(item[-1] for item in weighted))
    return weighted[bisect(cumulative, rng.random() * cumulative[-1])]


@dataclass
class _User:
    index: int
    anon_id: str
    device: str
    os: str
    browser: str
    country: str
    user_id: str | None = None  # set once the user signs up

    @property
    def distinct_id(self) -> str:
        return self.user_id or self.anon_id


class DemoTraffic:
    """Events for ``days`` days ending at ``end``; iterate with ``events()``."""

    def __init__(self, *, seed: int, days: int, end: datetime) -> None:
        self.rng = random.Random(seed)
        self.days = max(days, 1)
        self.start = end - timedelta(days=self.days)
        self.end = end

    def _uuid(self) -> str:
        """A random UUID's text, straight from the seeded RNG (fast: millions are needed)."""
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def events(self) -> Iterator[CapturedEvent]:
        index = 0
        while True:
            index += 1
            # Sessions running past the end are cut there: the data never lies in the future.
            yield from (e for e in self._user_events(self._new_user(index)) if e.timestamp <= self.end)

    def _new_user(self, index: int) -> _User:
        device, os_name, browsers, _ = _pick(self.rng, DEVICES)
        return _User(
            index=index,
            anon_id=self._uuid(),
            device=device,
            os=os_name,
            browser=self.rng.choice(browsers),
            country=_pick(self.rng, COUNTRIES)[0],
        )

    def _user_events(self, user: _User) -> Iterator[CapturedEvent]:
        rng = self.rng
        at = self.start + timedelta(seconds=rng.uniform(0, self.days * 86400))
        sessions = 1 + min(int(rng.expovariate(0.35)), 30)
        for _ in range(sessions):
            if at >= self.end:
                return
            yield from self._session(user, at)
            at += timedelta(hours=rng.expovariate(1 / 60))

    def _event(self, user: _User, name: str, at: datetime, properties: dict, **person) -> CapturedEvent:
        return CapturedEvent(
            uuid=self._uuid(),
            event=name,
            distinct_id=user.distinct_id,
            timestamp=at,
            properties=properties,
            set=person.get("set", {}),
            set_once=person.get("set_once", {}),
        )

    def _base(self, user: _User, session_id: str, referrer: str) -> dict:
        return {
            "$browser": user.browser,
            "$os": user.os,
            "$device_type": user.device,
            "$geoip_country_code": user.country,
            "$referring_domain": referrer,
            "$session_id": session_id,
            "$lib": "web",
        }

    def _session(self, user: _User, at: datetime) -> Iterator[CapturedEvent]:
        rng = self.rng
        session_id = self._uuid()
        base = self._base(user, session_id, _pick(rng, REFERRERS)[0] if not user.user_id else "$direct")
        pages = APP_PAGES if user.user_id else MARKETING_PAGES
        for _ in range(1 + int(rng.expovariate(0.4))):
            path = rng.choice(pages)
            if path == "/blog" and rng.random() < 0.5:
                path = f"/blog/post-{rng.randint(1, 40)}"
            props = {**base, "$current_url": SITE + path, "$pathname": path, "$host": SITE[8:]}
            yield self._event(user, "$pageview", at, props)
            at += timedelta(seconds=rng.uniform(5, 120))
            if user.user_id and rng.random() < 0.5:
                yield self._event(user, _pick(rng, APP_EVENTS)[0], at, dict(base))
                at += timedelta(seconds=rng.uniform(2, 60))
        if not user.user_id and rng.random() < 0.25:
            yield from self._sign_up(user, at, base)
        elif user.user_id and rng.random() < 0.12:
            yield from self._purchase(user, at, base)

    def _sign_up(self, user: _User, at: datetime, base: dict) -> Iterator[CapturedEvent]:
        email = f"user{user.index}@example.com"
        yield self._event(
            user, "$pageview", at, {**base, "$current_url": SITE + "/signup", "$pathname": "/signup"}
        )
        anon_id, user.user_id = user.anon_id, email
        at += timedelta(seconds=self.rng.uniform(20, 90))
        person = {"set": {"email": email, "plan": "free"}, "set_once": {"signup_date": at.date().isoformat()}}
        yield self._event(user, "$identify", at, {**base, "$anon_distinct_id": anon_id}, **person)
        yield self._event(user, "signed_up", at + timedelta(seconds=1), {**base, "plan": "free"})

    def _purchase(self, user: _User, at: datetime, base: dict) -> Iterator[CapturedEvent]:
        plan, price, _ = _pick(self.rng, PLANS)
        seats = 1 + int(self.rng.expovariate(0.5))
        props = {**base, "plan": plan, "seats": seats, "revenue": price * seats, "currency": "USD"}
        yield self._event(user, "purchase", at, props, set={"plan": plan})
