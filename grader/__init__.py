"""Grade a class's submissions: every exercise's checks in its own child process, with a time limit.

    python -m grader SUBMISSION_DIR [SUBMISSION_DIR ...] [--json PATH] [--timeout SECONDS]
"""

#: The grader's version: results, autograder zips and `--version` carry it.
__version__ = "1.0.0"
