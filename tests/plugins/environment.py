"""The test suite marks itself as not production (PERKS_ENV=test), so the app and the rq workers it spawns
may run on the public development secret; production refuses to start without real ones (issue 18)."""

import os

os.environ.setdefault("PERKS_ENV", "test")
