# cti - threat-indicator exchange toolkit.
#
#   make                 build $(O)/cti, $(O)/libcti.a and $(O)/libcti.so
#   make check           every test (shell, unit, man pages)
#   make check-fuzz      short fuzz runs (FUZZ_SECONDS each)
#   make SAN=1 check     the same under AddressSanitizer and UBSan
#   make fuzz            build the libFuzzer targets (clang)
#   make bench           benchmarks against gzip and minisign
#   make demo            pack, sign, verify, show and diff the shipped samples
#   make install         PREFIX, DESTDIR, BINDIR, LIBDIR, MANDIR,
#                        BASHCOMPDIR, ZSHCOMPDIR honoured
#
# O=DIR builds out of tree (default: build).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
PKG_CONFIG ?= pkg-config
O ?= build

CC ?= cc
CFLAGS ?= -O2 -g
DEPS = libsodium zlib libcjson
# the transports (lib/net/): libcurl, loaded by lib/net/curl.c when first
# used (dlopen), so it is compiled against and named in libcti.pc, not linked
DEPS += libcurl
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEPS))
DEP_LIBS := $(shell $(PKG_CONFIG) --libs $(filter-out libcurl,$(DEPS))) -ldl
WARN = -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
	-fstack-protector-strong -pthread
ALL_LDFLAGS = $(LDFLAGS) -pthread

ifeq ($(SAN),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
ALL_LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_SRC += $(sort $(wildcard lib/net/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(O)/%.o)
UNIT_BIN := $(UNIT_SRC:%.c=$(O)/%)
FUZZ_BIN := $(FUZZ_SRC:%.c=$(O)/%)
MANPAGES := $(sort $(wildcard man/*.[0-9]))

VERSION := $(shell sed -n 's/^\#define CTI_VERSION "\(.*\)"/\1/p' lib/cti.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME = libcti.so.$(SOMAJOR)
SHLIB = libcti.so.$(VERSION)

all: $(O)/cti $(O)/libcti.a $(O)/$(SHLIB) $(O)/libcti.pc

$(O)/%.o: %.c $(wildcard lib/*.h lib/net/*.h cmd/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Library objects serve the static and the shared library alike.
$(O)/lib/%.o: lib/%.c $(wildcard lib/*.h lib/net/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

$(O)/libcti.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# The shared library exports the public API (cti_*) only: lib/libcti.map.
$(O)/$(SHLIB): $(LIB_OBJ) lib/libcti.map
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script=lib/libcti.map -o $@ $(LIB_OBJ) $(DEP_LIBS)
	ln -sf $(SHLIB) $(O)/$(SONAME)
	ln -sf $(SONAME) $(O)/libcti.so

$(O)/cti: $(CMD_OBJ) $(O)/libcti.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) $(O)/libcti.a $(DEP_LIBS)

# Remade on every run (quietly, replaced only when it changes) so that
# `make install PREFIX=...` after `make` installs the right paths.
$(O)/libcti.pc: libcti.pc.in Makefile FORCE
	@mkdir -p $(O)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@DEPS@|$(DEPS)|' libcti.pc.in > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
FORCE:

$(O)/tests/unit/%: tests/unit/%.c $(O)/libcti.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(O)/libcti.a $(DEP_LIBS)

# libFuzzer targets: clang only, always with ASan and UBSan.
FUZZ_CC ?= clang
FUZZ_SAN = address,undefined
FUZZ_FLAGS = -g -O1 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) -pthread
# Library objects get the coverage instrumentation without libFuzzer's main.
$(O)/fuzz/%.o: lib/%.c $(wildcard lib/*.h lib/net/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<
.PRECIOUS: $(O)/fuzz/%.o
$(O)/tests/fuzz/%: tests/fuzz/%.c $(LIB_SRC:lib/%.c=$(O)/fuzz/%.o)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< \
		$(LIB_SRC:lib/%.c=$(O)/fuzz/%.o) $(DEP_LIBS)

fuzz: $(FUZZ_BIN)

FUZZ_SECONDS ?= 20
check: all $(UNIT_BIN) lint-man
	@O=$(abspath $(O)) SAN=$(SAN) CTI=$(abspath $(O)/cti) sh tests/run.sh $(UNIT_BIN)

check-fuzz: fuzz
	@for f in $(FUZZ_BIN); do \
		n=$$(basename $$f); mkdir -p $(O)/corpus/$$n; \
		seeds=tests/fuzz/corpus/$$n; [ -d $$seeds ] || seeds=; \
		echo "fuzz: $$n ($(FUZZ_SECONDS)s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 \
		   -print_final_stats=0 $(O)/corpus/$$n $$seeds \
		   > $(O)/corpus/$$n.log 2>&1 || { tail -n 40 $(O)/corpus/$$n.log; exit 1; }; \
	done

bench: all
	@CTI=$(abspath $(O)/cti) O=$(abspath $(O)) sh tests/bench/run.sh

demo: all
	@CTI=$(abspath $(O)/cti) O=$(abspath $(O)) sh tests/demo.sh

lint-man:
	$(if $(MANPAGES),mandoc -Tlint -Wwarning $(MANPAGES))

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 755 $(O)/cti $(DESTDIR)$(BINDIR)/cti
	install -m 644 $(O)/libcti.a $(DESTDIR)$(LIBDIR)/libcti.a
	install -m 755 $(O)/$(SHLIB) $(DESTDIR)$(LIBDIR)/$(SHLIB)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libcti.so
	-[ -n "$(DESTDIR)" ] || [ "$$(id -u)" != 0 ] || ldconfig
	install -m 644 lib/cti.h $(DESTDIR)$(INCLUDEDIR)/cti.h
	install -m 644 $(O)/libcti.pc $(DESTDIR)$(LIBDIR)/pkgconfig/libcti.pc
	install -m 644 $(filter %.1,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(filter %.3,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man3
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 644 completion/cti.bash $(DESTDIR)$(BASHCOMPDIR)/cti
	install -m 644 completion/_cti $(DESTDIR)$(ZSHCOMPDIR)/_cti

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cti $(DESTDIR)$(LIBDIR)/libcti.a \
		$(DESTDIR)$(LIBDIR)/$(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME) \
		$(DESTDIR)$(LIBDIR)/libcti.so \
		$(DESTDIR)$(BASHCOMPDIR)/cti $(DESTDIR)$(ZSHCOMPDIR)/_cti \
		$(DESTDIR)$(INCLUDEDIR)/cti.h $(DESTDIR)$(LIBDIR)/pkgconfig/libcti.pc
	for m in $(notdir $(MANPAGES)); do \
		rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m; done

clean:
	rm -rf $(O)

.PHONY: all check check-fuzz fuzz bench demo install uninstall clean lint-man FORCE
