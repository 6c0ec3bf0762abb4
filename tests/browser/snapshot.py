"""Load the demo once per test session; give every later browser test a copy of it.

The machinery is shared with the ``django_db`` tests of ``src/`` (``bahali.testing_demo``):
one load per session serves both.
"""

from bahali.testing_demo import demo

__all__ = ["demo"]
