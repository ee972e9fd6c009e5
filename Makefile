# tgstream: tgproducer and tgcount.  Non-recursive; sources are found by
# wildcard, so a new module needs no edit here.
#
#   make                 bin/tgproducer, bin/tgcount (and test helpers)
#   make SANITIZE=1      the same with ASan+UBSan, under build/sanitize/
#   make WERROR=1        warnings are errors (CI)
#   make test            dependencies, build, unit + integration tests
#   make unit            unit tests only
#   make bench           the benchmark (see README)
#   make demo            the pipeline on synthetic data, in seconds
#   make demo-live       the same, live, in tgcount --live (q quits)
#   make live            the real pipeline (needs TELEGRAM_BOT_TOKEN)
#   make install PREFIX=/usr/local   (also DESTDIR, BINDIR, MANDIR, UNITDIR)
#   make uninstall       the same variables
#   make format-check    clang-format --dry-run --Werror on every tracked .c/.h
#   make format          the same, rewriting the files
#   make V=1             show every command

# Where make install puts things (GNU conventions; DESTDIR for staging).
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
CC ?= cc
CFLAGS ?= -O2 -g
PKGS := rdkafka libcurl jansson
PKG_CONFIG ?= pkg-config

ifeq ($(SANITIZE),1)
  O := build/sanitize
  OUT_BIN := $(O)/bin
  SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
  O := build/release
  OUT_BIN := bin
  SAN_FLAGS :=
endif

ifeq ($(V),1)
  Q :=
  say = @true
else
  Q := @
  say = @printf '  %-6s %s\n'
endif

WARNINGS := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wpointer-arith -Wcast-qual \
	-Wwrite-strings -Wundef -Wvla -Wnull-dereference -Wimplicit-fallthrough
ifeq ($(WERROR),1)
  WARNINGS += -Werror
endif

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(SAN_FLAGS) \
	-Icommon $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)
LIBS = $(PKG_LIBS) -lm -lpthread
# ncursesw draws tgcount --live: only tgcount links it.
CURSES_CFLAGS = $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null)
CURSES_LIBS = $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw)

COMMON_SRC := $(wildcard common/*.c)
COUNT_SRC := $(filter-out consumer/tgcount.c,$(wildcard consumer/*.c))
PROD_SRC := $(filter-out producer/tgproducer.c,$(wildcard producer/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
TOOL_SRC := $(wildcard scripts/*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(O)/%.o)
COUNT_OBJ := $(COUNT_SRC:%.c=$(O)/%.o)
PROD_OBJ := $(PROD_SRC:%.c=$(O)/%.o)

LIBCOMMON := $(O)/libtgcommon.a
LIBCOUNT := $(O)/libtgcount.a
LIBPROD := $(O)/libtgproducer.a

PROGRAMS := $(OUT_BIN)/tgproducer $(OUT_BIN)/tgcount
TOOLS := $(TOOL_SRC:scripts/%.c=$(OUT_BIN)/tg-%)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)

.PHONY: all clean install uninstall test unit integration bench demo demo-live live deps fuzz \
	format format-check check-deps
# Keep every object, test and tool objects included: none is a throwaway
# intermediate, and a deleted one would be rebuilt by the next make.  This
# must stay the only .SECONDARY rule: one listing files would make only
# those secondary.
.SECONDARY:
all: $(PROGRAMS) $(TOOLS)

# Before anything is compiled: are the -dev packages there?  Without them
# the compiler would stop on a missing header; one line saying what to run
# helps more.  $(error) prints just that line; as a recipe it is expanded
# only when an object is to be made, so clean, format, deps never ask.
# Order-only, so it never makes an object out of date.
DEPS_MISSING = $(strip $(foreach p,$(PKGS) ncursesw,$(if $(shell $(PKG_CONFIG) --exists $(p) \
	>/dev/null 2>&1 && echo ok),,$(p))))
check-deps:
	$(if $(DEPS_MISSING),$(error missing build dependencies (pkg-config: \
	$(DEPS_MISSING)): run scripts/install-deps.sh --build))
	@:

$(O)/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBCOMMON): $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(say) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(LIBCOUNT): $(COUNT_OBJ)
	@mkdir -p $(dir $@)
	$(say) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(LIBPROD): $(PROD_OBJ)
	@mkdir -p $(dir $@)
	$(say) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(OUT_BIN)/tgcount: $(O)/consumer/tgcount.o $(LIBCOUNT) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(CURSES_LIBS)
$(O)/consumer/tc_tui.o: ALL_CFLAGS += $(CURSES_CFLAGS)
$(OUT_BIN)/tgproducer: $(O)/producer/tgproducer.o $(LIBPROD) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
# tg-changelog drives tgcount's changelog modules, so it links their library.
$(OUT_BIN)/tg-changelog: $(O)/scripts/changelog.o $(LIBCOUNT) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
$(O)/scripts/changelog.o: ALL_CFLAGS += -Iconsumer
$(OUT_BIN)/tg-%: $(O)/scripts/%.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Every unit test links against all three libraries; archives pull in only
# the modules a test uses.
$(O)/tests/%: $(O)/tests/unit/%.o $(LIBCOUNT) $(LIBPROD) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
$(O)/tests/unit/%.o: ALL_CFLAGS += -Itests/unit -Iconsumer -Iproducer

deps:
	@scripts/install-deps.sh

unit-bins: $(UNIT_BINS)
.PHONY: unit-bins

unit: deps
	@$(MAKE) --no-print-directory all unit-bins
	@tests/run --bindir $(OUT_BIN) --unitdir $(O)/tests --unit-only

integration: deps
	@$(MAKE) --no-print-directory all unit-bins
	@tests/run --bindir $(OUT_BIN) --unitdir $(O)/tests --integration-only

test: deps
	@$(MAKE) --no-print-directory all unit-bins
	@tests/run --bindir $(OUT_BIN) --unitdir $(O)/tests

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench --bindir $(OUT_BIN)

demo:
	@scripts/install-deps.sh --build
	@$(MAKE) --no-print-directory all
	@scripts/demo --bindir $(OUT_BIN)

demo-live:
	@scripts/install-deps.sh --build
	@$(MAKE) --no-print-directory all
	@scripts/demo-live --bindir $(OUT_BIN)

live:
	@scripts/install-deps.sh --build
	@$(MAKE) --no-print-directory all
	@TG_BINDIR=$(OUT_BIN) scripts/live

# The programs, scripts/tgplot, the man pages and the systemd units, whose
# ExecStart= is pointed at $(BINDIR).
UNITS := scripts/tgproducer.service scripts/tgcount.service
install: $(PROGRAMS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(PROGRAMS) scripts/tgplot $(DESTDIR)$(BINDIR)/
	install -m 0644 producer/tgproducer.1 consumer/tgcount.1 $(DESTDIR)$(MANDIR)/man1/
	for u in $(UNITS); do \
	    sed 's|/usr/local/bin/|$(BINDIR)/|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
	    mv -f $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tgproducer $(DESTDIR)$(BINDIR)/tgcount $(DESTDIR)$(BINDIR)/tgplot
	rm -f $(DESTDIR)$(MANDIR)/man1/tgproducer.1 $(DESTDIR)$(MANDIR)/man1/tgcount.1
	rm -f $(DESTDIR)$(UNITDIR)/tgproducer.service $(DESTDIR)$(UNITDIR)/tgcount.service

clean:
	rm -rf build bin

# The tracked sources (any .c/.h when this is no git checkout), formatted
# with the checked-in .clang-format.
FORMAT_SRC = $(or $(shell git ls-files '*.c' '*.h' 2>/dev/null), \
	$(wildcard common/*.[ch] consumer/*.[ch] producer/*.[ch] scripts/*.c \
	tests/unit/*.[ch] tests/fuzz/*.[ch]))
CLANG_FORMAT ?= clang-format
format-check:
	$(Q)$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_SRC)
format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_SRC)

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- fuzz ----------------------------------------------------------------
# libFuzzer targets tests/fuzz/fuzz_NAME.c, built with clang (ASan + UBSan)
# into build/fuzz/ from the library sources, then each run for FUZZ_SECONDS
# by tests/fuzz/run (see tests/fuzz/README.md):
#   make fuzz FUZZ_SECONDS=60
#   make fuzz FUZZ_TARGETS="time record"
#   make fuzz FUZZ_SEED=1          (the same mutations every run, as in CI)
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_SEED ?=
FUZZ_TARGETS ?=
FUZZ_O := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	-Icommon -Iconsumer -Iproducer $(PKG_CFLAGS) -MMD -MP
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_O)/%)
FUZZ_LIB := $(FUZZ_O)/libtgfuzz.a
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_O)/obj/%.o,$(COMMON_SRC) $(COUNT_SRC) $(PROD_SRC))

$(FUZZ_O)/obj/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
# The targets themselves get the project's warnings (and -Werror with WERROR=1).
$(FUZZ_O)/obj/tests/fuzz/%.o: FUZZ_CFLAGS += $(WARNINGS)
$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^
$(FUZZ_O)/fuzz_%: $(FUZZ_O)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) -lm -lpthread

# The targets' objects are kept by the .SECONDARY rule above, so that a
# rerun links nothing again.
fuzz-bins: $(FUZZ_BINS)
fuzz:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
	    echo "make fuzz: $(FUZZ_CC) not found; libFuzzer needs clang (make deps)" >&2; \
	    exit 1; }
	@$(MAKE) --no-print-directory fuzz-bins
	@tests/fuzz/run --bindir $(FUZZ_O) --seconds $(FUZZ_SECONDS) \
	    $(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) $(FUZZ_TARGETS)
.PHONY: fuzz-bins
