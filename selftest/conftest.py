"""The project's own tests: they run the kata's checks in child processes and judge the outcome."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
