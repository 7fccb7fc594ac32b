"""One crawl on several machines: ``xxgknb crawl --redis redis://host:6379/0`` (scrapy-redis).

Every process started with the same Redis URL joins the *current crawl* of that Redis (a shared
crawl id, created by the first process) and, per portal, shares with the others

* the request queue (``scrapy_redis`` priority queue): a list page or report found by one process
  may be fetched by any of them;
* the duplicate filter (``scrapy_redis`` ``RFPDupeFilter``): a URL is fetched once in the crawl,
  by whichever process takes it first.

Keys are ``xxgknb:<crawl id>:<portal id>:requests`` / ``:dupefilter``, so portals crawled side by
side in one process never take each other's requests (scrapy-redis keys only carry the spider
name, the same for every portal), and a new crawl starts from an empty filter.  Each process still
keeps one connection per host (``CONCURRENT_REQUESTS_PER_DOMAIN``), writes its own WARC files and
index in its own ``--data`` directory, and records its own end-of-crawl listing; ``xxgknb build``
over the WARC files of all processes makes one corpus (the listings of one crawl are united).

A process whose queue runs dry stays while another process of the crawl is still fetching (it
may yet find more list pages), and closes when the queue is empty and no process is busy.  The
last process to close ends the crawl: ``--redis`` runs started more than :data:`GRACE_SECONDS`
later start a new crawl id (sooner, they join the finished crawl and find nothing left).  Keys
expire after :data:`KEY_TTL` seconds so a crawl abandoned by killed processes does not linger.
Caveat of scrapy-redis: requests a killed process had taken from the queue are lost to this crawl;
the next crawl fetches them (each process's local state only skips what it archived).
"""

from __future__ import annotations

import os
import socket
import time
from datetime import UTC, datetime

import redis
from scrapy_redis.scheduler import Scheduler

KEY_TTL = 7 * 24 * 3600
#: A process that took no request for this long counts as idle even if it never said so (killed).
BUSY_TIMEOUT = 120.0
CURRENT_CRAWL_KEY = "xxgknb:crawl:current"
#: After its last process left, a crawl stays current this long: a process started a little late
#: joins it (and finds the work done) instead of crawling everything again.
GRACE_SECONDS = 600


def redis_settings(redis_url: str) -> dict:
    """Scrapy settings that put the scheduler and duplicate filter of every portal in Redis."""
    return {
        "SCHEDULER": "spiders.distributed.SharedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # Never flush on close: the other processes are still using the queue and the filter.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "REDIS_URL": redis_url,
    }


def join_crawl(redis_url: str, proposed_id: str) -> str:
    """The crawl id shared by every process of the current crawl on this Redis (``proposed_id`` if
    this process starts it)."""
    server = redis.Redis.from_url(redis_url, decode_responses=True)
    server.set(CURRENT_CRAWL_KEY, proposed_id, nx=True, ex=KEY_TTL)
    return server.get(CURRENT_CRAWL_KEY) or proposed_id


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler with per-crawl, per-portal keys and a shared notion of "finished"."""

    def open(self, spider):
        prefix = f"xxgknb:{spider.crawl_id}:{spider.portal.id}"
        self.queue_key = f"{prefix}:requests"
        self.dupefilter_key = f"{prefix}:dupefilter"
        self.workers_key = f"{prefix}:workers"
        self.crawl_workers_key = f"xxgknb:{spider.crawl_id}:workers"
        self.me = worker_name()
        from scrapy_redis.dupefilter import RFPDupeFilter

        self.df = RFPDupeFilter(self.server, key=self.dupefilter_key, debug=False)
        super().open(spider)
        self._mark_busy()
        self.server.sadd(self.crawl_workers_key, f"{self.me}:{spider.portal.id}")
        for key in (self.workers_key, self.crawl_workers_key, self.dupefilter_key):
            self.server.expire(key, KEY_TTL)

    def _mark_busy(self) -> None:
        self.server.hset(self.workers_key, self.me, f"{time.time():.3f}")

    def next_request(self):
        request = super().next_request()
        if request is not None:
            self._mark_busy()
            self.server.expire(self.queue_key, KEY_TTL)
        return request

    def enqueue_request(self, request):
        added = super().enqueue_request(request)
        if added:
            self.server.expire(self.queue_key, KEY_TTL)
        return added

    def has_pending_requests(self) -> bool:
        """Called by the engine when this process has nothing in flight: stay while the queue holds
        requests or another process of the crawl is busy (it may enqueue more)."""
        if len(self.queue) > 0:
            return True
        self.server.hset(self.workers_key, self.me, "idle")
        now = time.time()
        for name, state in self.server.hgetall(self.workers_key).items():
            name = name.decode() if isinstance(name, bytes) else name
            state = state.decode() if isinstance(state, bytes) else state
            if name != self.me and state != "idle" and now - float(state) < BUSY_TIMEOUT:
                return True
        return False

    def close(self, reason):
        self.server.hdel(self.workers_key, self.me)
        self.server.srem(self.crawl_workers_key, f"{self.me}:{self.spider.portal.id}")
        if self.server.scard(self.crawl_workers_key) == 0:
            # The last process of the crawl: the next run starts a new crawl.
            current = self.server.get(CURRENT_CRAWL_KEY)
            current = current.decode() if isinstance(current, bytes) else current
            if current == self.spider.crawl_id:
                self.server.expire(CURRENT_CRAWL_KEY, GRACE_SECONDS)
        super().close(reason)


def new_crawl_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
