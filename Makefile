# avrami — build, test, bench.  `make` alone builds build/avrami.
#
#   make run      install missing packages, build, run the main job
#   make test     unit tests + conformance replay, plain and under ASan/UBSan
#   make bench    benchmarks (figures and ratios on stdout)
#   make deps     install missing Debian packages only
#   make fuzz     build and run every libFuzzer target (clang; FUZZ_SECONDS each)
#   make test-clang  the whole suite built with clang under ASan + UBSan
#                 (with float-cast-overflow), in build-clang/
#   make install  PREFIX/bin/avrami and its data in PREFIX/share/avrami
#                 (PREFIX defaults to /usr/local); make uninstall removes them
#
# Every .c file under sim/ is part of the program; sim/cli/main.c is the only
# one left out of the library that tests and benches link against.

CC       ?= cc
BUILD    ?= build
SANITIZE ?=
OPT      ?= -O2
CFLAGS_BASE := -std=c11 -g $(OPT) -Wall -Wextra -Werror -D_GNU_SOURCE -Isim -MMD -MP
# float-cast-overflow: a double out of range of the integer it is cast to
# (a rate times a duration into a capacity) is undefined behaviour that
# -fsanitize=undefined alone does not catch.
ifneq ($(SANITIZE),)
CFLAGS_BASE += -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer
LDSAN := -fsanitize=address,undefined,float-cast-overflow
endif
CFLAGS   += $(CFLAGS_BASE)
# Link-time optimization of the program and the benchmarks (GCC): the
# simulation's time is spread over many small functions in many files
# (docs/simulation.md, "Performance notes"), which only a link-time view can
# inline.  The objects are "fat" (ordinary code beside the LTO form), so the
# unit tests link them plainly and fast.  Off under the sanitizers and for
# other compilers; `make LTO=` turns it off.
ifeq ($(SANITIZE),)
ifneq ($(findstring Free Software Foundation,$(shell $(CC) --version 2>/dev/null)),)
LTO ?= -flto=auto -ffat-lto-objects
endif
endif
# GCC runs LTO at any link of objects that carry it unless told not to.
NO_LTO := $(if $(LTO),-fno-lto)
LDLIBS   := -lgsl -lgslcblas -lgmp -lsqlite3 -lcjson -lpcre2-8 -lutf8proc -lpthread -lm

SRCS     := $(shell find sim -name '*.c' | LC_ALL=C sort)
MAIN_SRC := sim/cli/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libavrami.a
BIN      := $(BUILD)/avrami

.DEFAULT_GOAL := all

# MPI (optional): the sweep's MPI transport is built with mpicc's flags when
# mpicc exists; build/mpi-flags remembers them so that installing MPI later
# rebuilds that file.
MPI_CFLAGS := $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null)
ifneq ($(MPI_LIBS),)
$(BUILD)/sim/sweep/sweep_mpi.o: EXTRA_CFLAGS := $(MPI_CFLAGS) -DAVRAMI_MPI
LDLIBS += $(MPI_LIBS)
endif
$(BUILD)/sim/sweep/sweep_mpi.o: $(BUILD)/mpi-flags
$(BUILD)/mpi-flags: FORCE
	@mkdir -p $(BUILD); echo '$(MPI_LIBS)' | cmp -s - $@ || echo '$(MPI_LIBS)' >$@

TEST_SRCS  := $(wildcard tests/unit/test_*.c)
TEST_BINS  := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)

TRACES   := $(wildcard tests/conformance/*.json)
VSS_TRACES := $(wildcard tests/conformance/vss/*.json)
HYDROGEN_TRACES := $(wildcard tests/conformance/hydrogen/*.json)
SCENARIO ?= scenarios/helium-baseline.json

# Files named *_avx2.c / *_avx512.c hold SIMD kernels chosen at run time.
$(BUILD)/%_avx2.o:   EXTRA_CFLAGS := -mavx2 -mfma -mf16c
$(BUILD)/%_avx512.o: EXTRA_CFLAGS := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx512bf16
# They stay out of LTO: their instruction sets must not spread to callers.
$(BUILD)/%_avx2.o $(BUILD)/%_avx512.o: LTO :=

.PHONY: FORCE all run test test-plain test-asan test-clang unit replay bench deps fuzz clean check-deps install uninstall

all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LTO) $(EXTRA_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(OPT) $(LTO) $(LDSAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(NO_LTO) -Itests $< -o $@ $(LIB) $(LDSAN) -lcmocka $(LDLIBS)

$(BUILD)/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LTO) $(EXTRA_BENCH_CFLAGS) -Itests $< -o $@ $(LIB) $(LDSAN) $(EXTRA_BENCH_LIBS) $(LDLIBS)

# OpenBLAS is only the yardstick of bench_kernels; it comes before LDLIBS so
# that its cblas_sgemm, not GSL's reference one, is the one linked.
$(BUILD)/bench/bench_kernels: EXTRA_BENCH_CFLAGS := -I/usr/include/x86_64-linux-gnu/openblas-pthread
$(BUILD)/bench/bench_kernels: EXTRA_BENCH_LIBS := -lopenblas

deps:
	@scripts/install-deps.sh

# The main job: the default scenario when the simulator exists, otherwise the
# conformance replay of every recorded trace.
run: deps $(BIN)
	@if [ -f "$(SCENARIO)" ] && $(BIN) run --help >/dev/null 2>&1; then \
	  $(BIN) run $(SCENARIO); \
	else \
	  $(BIN) replay $(TRACES); \
	fi

unit: $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do echo "== $$t"; $$t || fail=1; done; exit $$fail

replay: $(BIN)
	@echo "$(BIN) replay --quiet tests/conformance/*.json"
	@$(BIN) replay --quiet $(TRACES)
	@echo "$(BIN) replay --quiet tests/conformance/vss/*.json"
	@$(BIN) replay --quiet $(VSS_TRACES)
	@echo "$(BIN) replay --quiet tests/conformance/hydrogen/*.json"
	@$(BIN) replay --quiet $(HYDROGEN_TRACES)

test-plain: unit replay
	@tests/cli/run.sh $(BIN)

test-asan:
	$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=1 OPT=-O1 test-plain

test-clang:
	$(MAKE) --no-print-directory BUILD=build-clang CC=clang SANITIZE=1 OPT=-O1 test-plain

# make test: everything, once plainly and once under the sanitizers.
test: deps
	$(MAKE) --no-print-directory test-plain
	$(MAKE) --no-print-directory test-asan
	@echo "make test: all suites passed"

bench: deps $(BENCH_BINS) $(BIN)
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b || exit 1; done

fuzz:
	@scripts/fuzz.sh

# avrami finds its data beside the executable (sim/util/datadir.h):
# PREFIX/bin/avrami reads PREFIX/share/avrami/{models,plots}.
PREFIX  ?= /usr/local
DESTDIR ?=
SHARE   := $(DESTDIR)$(PREFIX)/share/avrami
DATA    := models plots scenarios examples python
install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/avrami
	cp -R $(DATA) $(SHARE)/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/avrami
	rm -rf $(SHARE)

clean:
	rm -rf build build-asan build-clang build-fuzz

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d)
