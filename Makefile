# The two commands of the README, and a few more for developers.
#   make run    install what is missing, build, start the server (SQLite, sandbox)
#   make test   install, build, run every test on SQLite and PostgreSQL
#   make install [PREFIX=/usr/local] [DESTDIR=]   the server, its files and unit
#   make deb    the Debian package of the same files, in build/packages
SHELL := /bin/bash
PREFIX ?= /usr/local
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime
JOBS ?= $(shell nproc)

.PHONY: deps build run test install deb bench fuzz format clean

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default -j $(JOBS) --target ujumbe

run: build
	@mkdir -p var
	UJUMBE_DATA_DIR=$${UJUMBE_DATA_DIR:-var} UJUMBE_SANDBOX_GATEWAY=$${UJUMBE_SANDBOX_GATEWAY:-true} \
		./build/bin/ujumbe serve

test: deps
	@bash scripts/test.sh

# The configuration file and data directory follow PREFIX (/usr: /etc and
# /var/lib/ujumbe; else PREFIX/etc, PREFIX/var/lib/ujumbe).
install: deps
	@cmake --preset default -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build --preset default -j $(JOBS) --target ujumbe ujumbe_conf
	DESTDIR="$(DESTDIR)" cmake --install build

# The package installs under /usr (so /etc/ujumbe and /var/lib/ujumbe).
deb: deps
	@cmake --preset default -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
	@cmake --build --preset default -j $(JOBS) --target ujumbe ujumbe_conf
	cd build && cpack -G DEB

bench: build
	@bash bench/run.sh

fuzz:
	@bash scripts/fuzz.sh

format:
	@clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build build-asan build-fuzz
