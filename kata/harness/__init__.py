"""What the checks stand on: bounded calls, forced interleavings, spies, and the pytest plugin."""

from kata.harness.support import *  # noqa: F401,F403
