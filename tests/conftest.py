"""The checks' conftest: it hands pytest the kata's plugin, where every hook and fixture lives.

See ``kata/harness/plugin.py`` for what it does (the target folder, the friendly messages, the
one-line-per-exercise summary, threads that learner code leaves behind).
"""

from kata.harness.plugin import *  # noqa: F401,F403 - the hooks and fixtures pytest looks for here
