# propdesk — build, run and test. The two commands a new machine needs:
#   make run    install what is missing, start a private PostgreSQL, migrate, seed, serve
#   make test   the whole suite: unit, integration over HTTP with contract checks, linters
SHELL := /bin/bash
.DEFAULT_GOAL := all

CC      ?= gcc
PKGS    := libmicrohttpd jansson libpq libjwt libsodium libcrypto icu-i18n libcurl zlib
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP
CPPFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -Ibuild
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
LDFLAGS += -Wl,-z,noexecstack

SRC       := $(wildcard src/*.c api/*.c)
LIB_SRC   := $(filter-out src/main.c,$(SRC))
UNIT_SRC  := $(wildcard tests/unit/*.c)

# one version for the binary and the contract: openapi.yaml's info.version
build/version.h: openapi.yaml
	@mkdir -p build
	@v=$$(sed -n 's/^  version: *//p' openapi.yaml | head -1); test -n "$$v" && \
	  echo "#define PROPDESK_VERSION \"$$v\"" > $@.tmp && mv $@.tmp $@

build/%.o: %.c | deps-check build/version.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

build/asan/%.o: %.c | deps-check build/version.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -c $< -o $@

# openapi.yaml is linked into the binary so /openapi.yaml always matches the build
build/openapi.o: openapi.yaml
	@mkdir -p build
	ld -r -b binary -z noexecstack -o $@ openapi.yaml

all: build/propdesk

build/propdesk: $(SRC:%.c=build/%.o) build/openapi.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# debug build with AddressSanitizer and UBSan
asan: build/asan/propdesk
build/asan/propdesk: $(SRC:%.c=build/asan/%.o) build/openapi.o
	$(CC) $(LDFLAGS) -fsanitize=address,undefined -o $@ $^ $(LDLIBS)

build/unit_tests: $(UNIT_SRC:%.c=build/%.o) $(LIB_SRC:%.c=build/%.o) build/openapi.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs check)

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- dependencies ---------------------------------------------------------------------
APT_PKGS := build-essential pkg-config libmicrohttpd-dev libjansson-dev libpq-dev \
            libjwt-dev libsodium-dev libssl-dev libicu-dev libcurl4-gnutls-dev zlib1g-dev check postgresql \
            postgresql-contrib tzdata wrk curl shellcheck

# Installs the Debian packages that are missing (as root, or through sudo).
deps:
	@missing=$$(for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# Node (dev tooling only): keep an installed one, else Debian's
	@command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; }

deps-check:
	@pkg-config --exists $(PKGS) || $(MAKE) --no-print-directory deps

node_modules/.installed: package.json package-lock.json | deps
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

npm: node_modules/.installed

# Swagger UI assets served by /docs, copied from the npm package (nothing from a CDN)
docs: node_modules/.installed
	@mkdir -p build/docs
	cp node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	   node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js build/docs/

# ---- the private database -------------------------------------------------------------
PGDIR  := var/pg
PGPORT ?= 54329

var/jwt.secret:
	@mkdir -p var && umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n' > $@

# ---- the two commands -----------------------------------------------------------------
PORT ?= 8080
run: deps all docs var/jwt.secret
	@if [ -z "$$DATABASE_URL" ]; then \
	  bash docker/localdb.sh start $(PGDIR) $(PGPORT) && bash docker/localdb.sh createdb $(PGDIR) $(PGPORT) propdesk; \
	fi
	@export DATABASE_URL=$${DATABASE_URL:-$$(bash docker/localdb.sh url $(PGDIR) $(PGPORT) propdesk)}; \
	export JWT_SECRET=$${JWT_SECRET:-$$(cat var/jwt.secret)} PORT=$(PORT); \
	./build/propdesk migrate && ./build/propdesk seed-demo && \
	echo "" && \
	echo "propdesk on http://localhost:$(PORT)  (docs: http://localhost:$(PORT)/docs)" && \
	echo "demo logins, password demo-pass-1: admin agent tech tech2 super eng-super manager quality," && \
	echo "  owners 13800000001 (3-2-102) 13800000003 (3-2-103) 13800000002 (光华 1-1-101)," && \
	echo "  other org: other-admin, owner 13900000001" && \
	exec ./build/propdesk serve

test: deps all asan build/unit_tests docs
	bash tests/run.sh

bench: deps all
	bash tests/bench/run.sh

bench-tickets: deps all
	bash tests/bench/tickets.sh

bench-complaints: deps all
	bash tests/bench/complaints.sh

bench-announcements: deps all
	bash tests/bench/announcements.sh

bench-surveys: deps all
	bash tests/bench/surveys.sh

bench-stream: deps all
	bash tests/bench/stream.sh

lint: npm
	bash tests/contract/lint.sh

clean:
	rm -rf build

.PHONY: all asan deps deps-check npm docs run test bench bench-tickets bench-complaints bench-announcements bench-surveys bench-stream lint clean
