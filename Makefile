# Kinerja - plain Makefile. `make` builds, `make check` runs every test,
# `make check-asan` runs them again under AddressSanitizer and UBSan,
# `make run` starts the daemon on ./var with a demo school, `make bench`.

PKGS     := lmdb libgit2 msgpack libsodium libevent_core libevent_pthreads inih jansson
CC       ?= cc
O        ?= build
SAN      ?=
OPT      ?= -O2
CFLAGS   += -std=c11 -D_GNU_SOURCE -g $(OPT) -Wall -Wextra -Werror -Wshadow \
            -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers \
            -fno-strict-aliasing $(SAN)
LDFLAGS  += $(SAN) -pthread
# Recursive (=), not :=, on purpose: pkg-config runs when a recipe uses
# them, which is after $(DEPS_OK) (below), so after scripts/deps.sh has
# installed pkg-config and the libraries on a fresh machine.
DEPCFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TESTLIBS  = $(shell pkg-config --libs cmocka 2>/dev/null)

LIB_SRC  := $(wildcard util/*.c store/*.c domain/*.c sync/*.c)
SRV_SRC  := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
CLI_SRC  := $(filter-out client/main.c,$(wildcard client/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
TLIB_SRC := $(wildcard tests/lib/*.c)
BENCH_SRC:= $(wildcard bench/*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(O)/%.o)
SRV_OBJ  := $(SRV_SRC:%.c=$(O)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(O)/%.o)
TLIB_OBJ := $(TLIB_SRC:%.c=$(O)/%.o)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
BENCHES  := $(BENCH_SRC:bench/%.c=$(O)/bench/%)

.PHONY: all deps check check-unit check-e2e check-asan bench run clean FORCE

ifneq ($(and $(filter clean,$(MAKECMDGOALS)),$(filter-out clean,$(MAKECMDGOALS))),)
# `make -j8 clean all`: with -j, make would run clean next to the build,
# having judged the build up to date before clean removed it. Make each
# goal in turn instead, each in its own make (still with -j).
$(MAKECMDGOALS): goals-in-order ; @:
.PHONY: $(MAKECMDGOALS) goals-in-order
goals-in-order:
	@for g in $(MAKECMDGOALS); do $(MAKE) --no-print-directory $$g || exit 1; done
else

all: $(O)/kinerjad $(O)/kinerja

# The Debian packages are checked (and, as root, installed) once per build
# directory, before anything is compiled: every compile and link below has
# $(DEPS_OK) as an order-only prerequisite (after the |), so with -j no
# compiler starts while scripts/deps.sh is still installing, and the stamp's
# date never makes an object out of date. `make deps` checks again.
DEPS_OK := $(O)/.deps-ok
$(DEPS_OK): scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(dir $@)
	@touch $@
ifneq ($(filter deps,$(MAKECMDGOALS)),)
$(DEPS_OK): FORCE
endif
FORCE:

deps: $(DEPS_OK)

$(O)/%.o: %.c $(wildcard */*.h tests/lib/*.h) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPCFLAGS) -c -o $@ $<

$(O)/libkinerja.a: $(LIB_OBJ) | $(DEPS_OK)
	@rm -f $@
	ar rcs $@ $^

$(O)/libkinerjad.a: $(SRV_OBJ) | $(DEPS_OK)
	@rm -f $@
	ar rcs $@ $^

$(O)/kinerjad: $(O)/daemon/main.o $(O)/libkinerjad.a $(O)/libkinerja.a | $(DEPS_OK)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

$(O)/kinerja: $(O)/client/main.o $(CLI_OBJ) $(O)/libkinerja.a | $(DEPS_OK)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

# helpers shared by the test and benchmark drivers (tests/lib/*.c)
$(O)/libkntest.a: $(TLIB_OBJ) | $(DEPS_OK)
	@rm -f $@
	ar rcs $@ $^

$(O)/tests/%: $(O)/tests/unit/%.o $(O)/libkntest.a $(O)/libkinerjad.a $(O)/libkinerja.a | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS) $(TESTLIBS)

$(O)/bench/%: $(O)/bench/%.o $(O)/libkntest.a $(O)/libkinerjad.a $(O)/libkinerja.a | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

# Every test: unit tests (cmocka), then end-to-end scripts against the real
# daemon and CLI. Each writes under a fresh temporary directory.
check: $(DEPS_OK)
	@$(MAKE) --no-print-directory $(O)/kinerjad $(O)/kinerja $(UNITS)
	@scripts/run-tests.sh $(O)

check-asan:
	@$(MAKE) --no-print-directory O=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" check

bench: $(DEPS_OK)
	@$(MAKE) --no-print-directory $(O)/kinerjad $(O)/kinerja $(BENCHES) $(TOOLS)
	@for b in $(BENCHES); do $$b $(O) || exit 1; done

# The main job: the daemon on ./var with a demo school (see README.md).
run: all
	@mkdir -p var
	@scripts/run-demo.sh $(O)

clean:
	rm -rf build
.SECONDARY:

# ---- durability (tests/durability): the system-call-order shim and its
# test (run by `make check`), and the kill -9 crash loop (`make check-crash`,
# bounded by CRASH_ROUNDS and CRASH_SECONDS; seed CRASH_SEED).
DUR_HDR  := tests/durability/durlib.h tests/durability/syncshim.h tests/lib/kntest.h
# The shim is loaded into the daemon: position independent, never sanitized
# itself (it sits in front of libasan), and defining read/write must not
# clash with fortified inline wrappers.
SHIM_CFLAGS = $(filter-out $(SAN),$(CFLAGS)) -U_FORTIFY_SOURCE -fPIC

$(O)/tests/syncshim.so: tests/durability/syncshim.c tests/durability/syncshim.h | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_CFLAGS) -shared -o $@ $< -ldl -pthread

$(O)/tests/durability/durlib.o $(O)/tests/durability/sync_order.o $(O)/tests/durability/crashloop.o: $(DUR_HDR)

$(O)/tests/durability/sync_order: $(O)/tests/durability/sync_order.o $(O)/tests/durability/durlib.o \
    $(O)/libkntest.a $(O)/libkinerja.a | $(DEPS_OK)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

$(O)/tests/durability/crashloop: $(O)/tests/durability/crashloop.o $(O)/tests/durability/durlib.o \
    $(O)/libkntest.a $(O)/libkinerja.a | $(DEPS_OK)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

check: $(O)/tests/syncshim.so $(O)/tests/durability/sync_order

.PHONY: check-crash
check-crash: $(DEPS_OK)
	@$(MAKE) --no-print-directory $(O)/kinerjad $(O)/tests/durability/crashloop
	@$(O)/tests/durability/crashloop $(O)

# ---- test tools (tests/tools): standalone programs that tests run, such
# as faultproxy, the fault-injecting TCP proxy; see tests/tools/README.md.
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOLS    := $(TOOL_SRC:tests/tools/%.c=$(O)/tests/tools/%)

$(O)/tests/tools/%: $(O)/tests/tools/%.o | $(DEPS_OK)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

.PHONY: tools
tools: $(TOOLS)
check: $(TOOLS)

endif

# ---- faults (tests/faults): sync over a bad link through faultproxy, at most
# FAULT_SECONDS (240 by default; plus 30 s of setup at most); SEED=N repeats a run (the seed is printed).
.PHONY: check-faults
check-faults: $(DEPS_OK)
	@$(MAKE) --no-print-directory $(O)/kinerjad $(O)/kinerja $(TOOLS)
	@s=$${FAULT_SECONDS:-240}; KINERJA_BUILD=$$(cd $(O) && pwd) FAULT_SECONDS=$$s \
	    timeout -k 10 $$((s + 30)) sh tests/faults/bad_link.sh

# ---- convergence (tests/e2e/converge.sh): a hub and one or two schools, random
# work on both sides, random syncs, restarts, kills and restored backups, then
# equal fingerprints and views. `make check` runs 3 seeds (at most ~45 s);
# `make check-converge SEEDS=N` runs N seeds from SEED (default: from the clock),
# STEPS random steps each (40), BULK=N for N records lost and found at the end; a failing seed is printed with the line that reruns it.
.PHONY: check-converge
check-converge: $(DEPS_OK)
	@$(MAKE) --no-print-directory $(O)/kinerjad $(O)/kinerja
	@n=$${SEEDS:-20}; b=$${SEED:-$$(( $$(date +%s) % 100000 ))}; \
	    KINERJA_BUILD=$$(cd $(O) && pwd) CONVERGE_SECONDS=$${CONVERGE_SECONDS:-1000000} \
	    CONVERGE_STEPS=$${STEPS:-40} CONVERGE_BULK=$${BULK:-0} CONVERGE_SEEDS="$$(seq -s ' ' $$b $$((b + n - 1)))" sh tests/e2e/converge.sh

# ---- scale (tests/scale): many simulated schools syncing with one hub at
# once (tests/scale/schools.sh, run by `make check` through tests/e2e/scale.sh).
check: $(O)/tests/scale/schools
$(O)/tests/scale/schools: $(O)/tests/scale/schools.o $(O)/libkinerja.a | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

.PHONY: check-scale
check-scale: $(DEPS_OK)
	@$(MAKE) --no-print-directory $(O)/kinerjad $(O)/kinerja $(O)/tests/scale/schools
	@KINERJA_BUILD=$$(cd $(O) && pwd) sh tests/scale/schools.sh
