"""What the check scripts here share: how they report and exit.

Imported by the scripts beside it (run as `python3 tests/python/NAME.py`,
so this directory is on sys.path).
"""

import sys


def finish(problems, summary):
    """Print each problem, then the summary line; exit 1 if there was any."""
    for p in problems:
        print(p)
    print(summary)
    sys.exit(1 if problems else 0)
