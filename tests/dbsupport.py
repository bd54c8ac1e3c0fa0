"""Where the test PostgreSQL server is (a plain module, so tests import it without conftest shadowing)."""

import os

POSTGRES_URL = os.environ.get("COTAG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# .ci/run sets this: there a missing server is a failure, not a skip.
REQUIRE_POSTGRES = os.environ.get("COTAG_REQUIRE_POSTGRES") == "1"
