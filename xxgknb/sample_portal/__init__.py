"""A local imitation of Chinese government portals, for developing and testing the crawler.

See ``docs/sample-portal.md``.  ``SamplePortal`` serves it on loopback; ``manifest`` says what
every URL holds and which numbers a parser must read from each report.
"""

from xxgknb.sample_portal.server import SamplePortal

__all__ = ["SamplePortal"]
