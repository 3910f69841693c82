"""Reading a check id: which round of ``--rounds`` it is and which check it is."""

from __future__ import annotations

#: The id pytest gives the N-th round of a check: ``test_x[round2]``.
ROUND_MARKER = "round"


def round_of(nodeid: str) -> int:
    """``tests/test_ex03.py::test_x[round2]`` -> 2; a check run without rounds is round 0."""
    if nodeid.endswith("]") and ROUND_MARKER in nodeid:
        return int(nodeid[nodeid.rindex(ROUND_MARKER) + len(ROUND_MARKER) : -1])
    return 0


def check_name(nodeid: str) -> str:
    """``tests/test_ex03.py::test_x[round2]`` -> ``test_x``."""
    name = nodeid.split("::")[-1]
    return name.split("[", 1)[0]
