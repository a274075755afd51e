"""The load generator: its own process, signed deliveries over HTTP/1.1 keep-alive to 127.0.0.1.

    python -m bench.load --port P --shop S --scenario ingest|e2e|month|storefront --count N --out result.json

Builds its plan first (outside the timed window), then sends it from
`--connections` threads, one keep-alive socket each, each request timed.
The loop is bounded by the plan's length and by `--time-limit` seconds.
In the month scenario the plan also holds redemptions, which this process
asks for at their place in the stream as a shopper would: a signed app-proxy
`POST /proxy/redeem` through gunicorn, so the app takes the points and has the
code made at the (fake) Admin API; a member whose earlier orders are still in
the queue is answered "insufficient points" and asks again later.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import queue
import random
import socket
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from bench import month, payloads
from shopify_app.core.config import Settings

SECRET = Settings().shopify_api_secret
E2E_FIRST_CUSTOMER = 7_200_000_000_000
INGEST_FIRST_CUSTOMER = 7_300_000_000_000


class Redemption(tuple):
    """(number, customer id, points): handed to the redeemer thread, which asks for it at POST /proxy/redeem."""


def ingest_plan(host: str, shop: str, count: int, first_customer: int, customers: int, seed: int) -> list:
    rng = random.Random(seed)
    plan = []
    with payloads.fast_builders():
        for n in range(count):
            lines = tuple((f"{rng.randint(2000, 6000) / 100:.2f}", rng.choice((1, 1, 1, 2)), "0.00") for _ in range(rng.randint(1, 3)))
            body = payloads.order_paid_body(4_000_000_000_000 + seed * 10_000_000 + n, first_customer + rng.randrange(customers), lines)
            plan.append(payloads.http_request(host, shop, SECRET, "orders/paid", body)[0])
    return plan


def shuffled_deliveries(host: str, shop: str, events, seed: int) -> tuple[list[bytes], list]:
    """The events' deliveries as signed requests, 10% of them repeated, shuffled; and the redemptions with their times.

    Joins, paid orders, refunds and cancellations go over HTTP; shuffled, a
    refund or a cancellation may come before its order's payment, as Shopify's may.
    """
    rng = random.Random(seed + 1)
    start = datetime(2025, 11, 1, tzinfo=UTC)
    deliveries, redemptions = [], []
    with payloads.fast_builders():
        for event in events:
            if isinstance(event, month.Join):
                at = (start + timedelta(seconds=event.at)).isoformat()
                deliveries.append(("customers/create", payloads.customer_body(event.customer_id, at)))
            elif isinstance(event, month.Paid):
                deliveries.append(("orders/paid", payloads.order_paid_body(event.order_id, event.customer_id, event.lines)))
            elif isinstance(event, month.Refund):
                deliveries.append(("refunds/create", payloads.refund_body(event.refund_id, event.order_id, event.line, event.index)))
            elif isinstance(event, month.Cancel):
                deliveries.append(("orders/cancelled", payloads.cancelled_body(event.order_id, event.customer_id)))
            else:
                redemptions.append((event.at, Redemption((event.number, event.customer_id, event.points))))
    requests = []
    for topic, body in deliveries:
        request, _webhook_id, event_id = payloads.http_request(host, shop, SECRET, topic, body)
        requests.append(request)
        if rng.random() < 0.10:
            # Shopify repeats a delivery as it was, or re-sends the event under a new webhook id.
            same_webhook = rng.random() < 0.5
            requests.append(request if same_webhook else payloads.http_request(host, shop, SECRET, topic, body, event_id=event_id)[0])
    rng.shuffle(requests)
    return requests, redemptions


def month_plan(host: str, shop: str, scale: float, seed: int) -> list:
    """The month's deliveries with 10% duplicates, shuffled; redemptions at their time's place in the stream."""
    events = month.generate(round(85_500 * scale), round(42_000 * scale), round(1_100 * scale), seed=seed)
    requests, redemptions = shuffled_deliveries(host, shop, events, seed)
    plan: list = list(requests)
    for at, redemption in reversed(redemptions):
        plan.insert(int(at / month.MONTH * len(requests)), redemption)
    return plan


def proxy_query(shop: str, customer_id: int, timestamp: int) -> str:
    """The query string Shopify's app proxy adds to a logged-in shopper's request, signed."""
    from shopify_app.shop.app_proxy import signature

    params = {
        "shop": shop,
        "logged_in_customer_id": str(customer_id),
        "path_prefix": "/apps/perks",
        "timestamp": str(timestamp),
        "locale": "en",
    }
    params["signature"] = signature(params.items(), SECRET)
    return urlencode(params)


def storefront_plan(host: str, shop: str, count: int, first_customer: int, customers: int, seed: int) -> list:
    """`GET /proxy/member` for random members, each signed as Shopify's app proxy signs the query."""
    rng = random.Random(seed)
    timestamp = int(time.time())
    plan = []
    for _ in range(count):
        query = proxy_query(shop, first_customer + rng.randrange(customers), timestamp)
        plan.append(f"GET /proxy/member?{query} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode())
    return plan


def _read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, bool]:
    while (end := buffer.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buffer += chunk
    head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    length, close = 0, False
    for line in head[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    total = end + 4 + length
    while len(buffer) < total:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buffer += chunk
    del buffer[:total]
    return status, close


class Sender:
    """Sends the plan over `connections` keep-alive sockets, each request timed.

    With `resend`, as Shopify does, a request answered anything but 200, or
    whose connection failed, is sent again (after `resend_pause` seconds)
    until it is answered 200 or time is up; `answered` counts the plan's
    items done so far. `pace`: seconds each connection waits between items.
    """

    def __init__(
        self,
        port: int,
        plan: list,
        connections: int,
        time_limit: float,
        redemptions: queue.Queue | None,
        *,
        resend: bool = False,
        resend_pause: float = 0.2,
        pace: float = 0.0,
    ):
        self.port, self.plan, self.connections, self.time_limit = port, plan, connections, time_limit
        self.redemptions = redemptions
        self.resend, self.resend_pause, self.pace = resend, resend_pause, pace
        self.answered = self.resent = 0
        self.next = itertools.count()
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _loop(self) -> None:
        latencies, statuses = [], {}
        sock, buffer = self._connect(), bytearray()
        try:
            while time.monotonic() < self.deadline:
                n = next(self.next)
                if n >= len(self.plan):
                    break
                item = self.plan[n]
                if isinstance(item, Redemption):
                    self.redemptions.put(item)
                    continue
                while True:
                    began = time.perf_counter()
                    status, sock, buffer = self._send(item, sock, buffer)
                    if status is not None:
                        latencies.append(time.perf_counter() - began)
                        statuses[status] = statuses.get(status, 0) + 1
                    if status == 200 or not self.resend or time.monotonic() >= self.deadline:
                        break
                    self.resent += 1
                    time.sleep(self.resend_pause)
                self.answered += 1
                if self.pace:
                    time.sleep(self.pace)
        except Exception as error:
            with self.lock:
                self.errors.append(repr(error))
        finally:
            if sock is not None:
                sock.close()
            with self.lock:
                self.latencies += latencies
                for status, count in statuses.items():
                    self.statuses[status] = self.statuses.get(status, 0) + count

    def _send(self, item: bytes, sock: socket.socket | None, buffer: bytearray):
        """(status or None when resending and the connection failed, the socket, its buffer), reconnecting as needed."""
        for attempt in range(2):
            try:
                if sock is None:
                    sock, buffer = self._connect(), bytearray()
                sock.sendall(item)
                status, close = _read_response(sock, buffer)
                if close:
                    sock.close()
                    sock, buffer = self._connect(), bytearray()
                return status, sock, buffer
            except (ConnectionError, OSError):
                if sock is not None:
                    sock.close()
                sock = None
                if attempt and not self.resend:
                    raise
        return None, sock, buffer

    def run(self) -> dict:
        self.deadline = time.monotonic() + self.time_limit
        threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(self.connections)]
        self.started_at = time.time()
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        self.ended_at = time.time()
        latencies = sorted(self.latencies)

        def pct(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

        return {
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "seconds": elapsed,
            "requests": len(latencies),
            "statuses": self.statuses,
            "ok_per_second": self.statuses.get(200, 0) / elapsed if elapsed else 0.0,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": latencies[-1] * 1000 if latencies else float("nan"),
            "errors": self.errors[:5],
            "timed_out": time.monotonic() >= self.deadline,
        }


class Redeemer:
    """Asks for each redemption at `POST /proxy/redeem` (signed as the app proxy signs it) once the member can afford it.

    An unlocked look at the waiting members' balances first, once a round: the
    app answers "insufficient points" while a member's earlier orders are
    still in the queue, and asking it 4 times a second would spend the
    storefront's rate limit (30 writes a minute per shopper) on nothing. A
    redemption the app refuses for now (insufficient points, still in
    progress, rate limited) is asked for again next round under the same
    Idempotency-Key, so a lost answer never spends the points twice.
    """

    RETRY_LATER = frozenset({"insufficient_points", "in_progress", "rate_limited"})

    def __init__(self, port: int, shop: str, rewards: dict[int, int]):
        self.port, self.shop, self.rewards = port, shop, rewards
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.codes: dict[int, str] = {}  # redemption number -> the code the app answered
        self.answers: dict[str, int] = {}
        self.errors: list[str] = []

    def ask(self, number: int, customer_id: int, points: int) -> bool:
        """True once the app answered the code; False to ask again later. A final refusal is recorded in `errors`."""
        body = json.dumps({"reward_id": self.rewards[points]})
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"bench-redemption-{number}"}
        path = f"/proxy/redeem?{proxy_query(self.shop, customer_id, int(time.time()))}"
        try:
            self.connection.request("POST", path, body=body, headers=headers)
            answer = self.connection.getresponse()
            status, text = answer.status, answer.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # reconnects at the next request; the same key asks again
            self.answers["no answer"] = self.answers.get("no answer", 0) + 1
            return False
        try:
            reply = json.loads(text)
        except ValueError:  # not the app's JSON (a server error page): recorded below with its status
            reply = {"body": text[:200].decode(errors="replace")}
        outcome = str(status) if status == 200 else f"{status} {reply.get('error')}"
        self.answers[outcome] = self.answers.get(outcome, 0) + 1
        if status == 200 and reply.get("code") and reply.get("state") == "issued":
            self.codes[number] = reply["code"]
            return True
        if reply.get("error") in self.RETRY_LATER:
            return False
        self.errors.append(f"redemption {number}: {status} {reply}")
        return True  # refused for good: counted as not applied by the run's check


# Shoppers redeem at the same time, each on their own connection: asked one after another over one
# connection, the month's last redemptions queued behind each other for 13 s after its last delivery.
SHOPPERS = 4


def apply_redemptions(redeemers: list[Redeemer], inbox: queue.Queue, senders_done: threading.Event, deadline: float, result: dict) -> None:
    """Ask for each redemption as it arrives in the stream, again while the member's earlier orders are still queued.

    Each round, the redemptions the members' balances cover are asked for over
    the redeemers' connections at once, a member's always over the same one
    and in the stream's order.
    """
    from sqlalchemy import select

    from shopify_app.core.config import Settings
    from shopify_app.core.db import session_factory
    from shopify_app.core.unit_of_work import UnitOfWork
    from shopify_app.ledger.models import Member
    from shopify_app.shop.shops import installed_shop

    sessions = session_factory(Settings().database_url)
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, redeemers[0].shop).id
    pending: list = []
    waits = 0
    with ThreadPoolExecutor(len(redeemers)) as shoppers:
        while time.monotonic() < deadline:
            pending += _arrived(inbox)
            if not pending:
                if senders_done.is_set():
                    break
                time.sleep(0.25)
                continue
            with UnitOfWork(sessions) as uow:
                balances = dict(
                    uow.session.execute(
                        select(Member.customer_id, Member.points_balance).where(
                            Member.shop_id == shop_id, Member.customer_id.in_({customer for _, customer, _ in pending})
                        )
                    ).all()
                )
            shares = [[] for _ in redeemers]
            for redemption in pending:
                shares[redemption[1] % len(redeemers)].append(redemption)
            pending = [
                redemption
                for still in shoppers.map(_ask_affordable, redeemers, shares, [balances] * len(redeemers))
                for redemption in still
            ]
            waits += len(pending)
            if pending:
                time.sleep(0.25)  # their orders are still in the queue
    result.update(
        applied=sum(len(redeemer.codes) for redeemer in redeemers),
        unapplied=len(pending) + inbox.qsize() + sum(len(redeemer.errors) for redeemer in redeemers),
        retries=waits,
        codes={str(number): code for redeemer in redeemers for number, code in redeemer.codes.items()},
        answers=dict(sum((Counter(redeemer.answers) for redeemer in redeemers), Counter())),
        errors=[error for redeemer in redeemers for error in redeemer.errors][:5],
    )


def _ask_affordable(redeemer: Redeemer, share: list, balances: dict[int, int]) -> list:
    """Ask for the share's redemptions the balances cover, in order (each member's are only in this share); those left."""
    still = []
    for number, customer_id, points in share:
        if balances.get(customer_id, 0) < points or not redeemer.ask(number, customer_id, points):
            still.append(Redemption((number, customer_id, points)))
            continue
        balances[customer_id] -= points
    return still


def _arrived(inbox: queue.Queue) -> list:
    arrived = []
    while True:
        try:
            arrived.append(inbox.get_nowait())
        except queue.Empty:
            return arrived


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--shop", required=True)
    parser.add_argument("--scenario", choices=("ingest", "e2e", "month", "storefront"), required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--first-customer", type=int, default=0, help="storefront: the first customer id")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rewards", default="", help="month: the reward to redeem for each cost, as cost:id,cost:id")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--time-limit", type=float, default=600)
    parser.add_argument("--ready", help="file to create once the plan is built; sending starts when --go exists")
    parser.add_argument("--go")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    host = f"127.0.0.1:{args.port}"
    payloads.check_fast_builders()
    built = time.perf_counter()
    if args.scenario == "month":
        plan = month_plan(host, args.shop, args.scale, args.seed)
    elif args.scenario == "storefront":
        plan = storefront_plan(host, args.shop, args.count, args.first_customer, args.customers, args.seed)
    else:
        first = E2E_FIRST_CUSTOMER if args.scenario == "e2e" else INGEST_FIRST_CUSTOMER
        plan = ingest_plan(host, args.shop, args.count, first, args.customers, args.seed)
    build_seconds = time.perf_counter() - built
    if args.ready:
        open(args.ready, "w").close()
        while not os.path.exists(args.go):
            time.sleep(0.01)

    redemptions: dict = {}
    inbox = queue.Queue()
    done = threading.Event()
    redeemer = None
    if args.scenario == "month":
        rewards = {int(cost): int(reward) for cost, reward in (pair.split(":") for pair in args.rewards.split(","))}
        redeemer = threading.Thread(
            target=apply_redemptions,
            args=(
                [Redeemer(args.port, args.shop, rewards) for _ in range(SHOPPERS)],
                inbox,
                done,
                time.monotonic() + args.time_limit,
                redemptions,
            ),
            daemon=True,
        )
        redeemer.start()
    result = Sender(args.port, plan, args.connections, args.time_limit, inbox).run()
    done.set()
    if redeemer is not None:
        redeemer.join()
        result["redemptions"] = redemptions
        result["redemptions_done_at"] = time.time()
    result.update(plan=len(plan), build_seconds=build_seconds, connections=args.connections)
    with open(args.out, "w") as out:
        json.dump(result, out)
    if result["errors"]:
        print(f"bench.load: errors: {result['errors']}", file=sys.stderr)


if __name__ == "__main__":
    main()
