# SPDX-License-Identifier: Apache-2.0
# hull — build, test, demo.  See README.md.
PREFIX    ?= /usr/local
# Where CNI plugins live (Debian's containernetworking-plugins): hull is one
# there as a link to the binary (runtime/cni.c).
CNIDIR    ?= /usr/lib/cni
CC        ?= cc
PKGS      := yajl libseccomp libcap
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-missing-field-initializers
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -D_GNU_SOURCE -I. $(WARN) $(PKG_CFLAGS) -fno-strict-aliasing
LDFLAGS   ?=
LDLIBS    := $(PKG_LIBS)
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRCS  := $(wildcard spec/*.c cgroups/*.c seccomp/*.c netns/*.c) overlay/store.c \
	$(filter-out runtime/main.c,$(wildcard runtime/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=build/%.o) build/trampoline.o build/profile.o build/clone_vm.o build/imagetool.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/unit/%)
ASAN_BINS := $(UNIT_SRCS:tests/unit/%.c=build/asan/%)
ASAN_LIB_OBJS := $(LIB_SRCS:%.c=build/asan/%.o) build/trampoline.o build/profile.o build/clone_vm.o build/imagetool.o
TOOL_SRCS := $(wildcard tests/tools/*.c)
# The registry client (overlay/registry.h) needs libcurl, which cannot be
# linked statically here: it is not in LIB_SRCS (hull is a static PIE) but
# goes into a dynamically linked helper.  -lssl for the TLS context hook
# that adds a cert dir's CAs (SSL_CTX_get_cert_store).
REG_SRCS  := overlay/registry.c
REG_OBJS  := $(REG_SRCS:%.c=build/%.o)
REG_LIBS  := -lcurl -lssl -lcrypto -lpthread
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=build/tools/%)
HDRS      := $(wildcard */*.h tests/unit/*.h)

.PHONY: all install demo check unit unit-asan integration deps test-deps bench bench-images bench-network clean fuzz fuzz-build
all: hull

# hull itself is a static PIE: no dynamic loader, no shared libraries to map
# and relocate on every command (state: ~1.5 -> ~0.9 ms of cpu; peak RSS
# ~2.0 -> ~1.3 MiB), still fully randomised (ASLR).  Only the systemd driver
# dlopens libsystemd.so.0, when --systemd-cgroup is used (glibc's static
# dlopen: the warning below about it is expected).
HULL_LIBS := -lyajl_s -lseccomp -lcap
# Linked aside, then copied in with one sequential write and renamed: the
# linker's scattered writes leave the file in the page cache in small pieces,
# so each run of hull would take more page faults to map its code (about
# ten more per `hull run` here); a copied file maps like an installed one.
hull: build/runtime/main.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -static-pie -o build/hull.ld $^ $(HULL_LIBS)
	cp build/hull.ld $@.tmp && mv -f $@.tmp $@

# The exec trampoline: a tiny static program embedded in hull (see
# runtime/trampoline/trampoline.c for why).
build/trampoline: runtime/trampoline/trampoline.c
	@mkdir -p $(dir $@)
	$(CC) -static -nostdlib -nostartfiles -ffreestanding -fno-builtin -Os -fno-stack-protector \
		-fno-asynchronous-unwind-tables -fno-pie -no-pie -Wall -Wextra -Werror -s \
		-Wl,--build-id=none -Wl,-z,noseparate-code -Wl,-n -o $@ $<

build/trampoline.o: runtime/trampoline/blob.S build/trampoline
	$(CC) -c -DTRAMPOLINE_BIN='"build/trampoline"' -o $@ $<

# The image helper (overlay/tool.c: image pull, import, export): linked
# dynamically, because libcurl and libarchive exist here only as shared
# libraries, and embedded in hull, which starts it from a memfd for those
# commands only (runtime/image.c).  Nothing else maps it.
# libarchive is not linked but loaded when a layer or an archive is read
# (overlay/libarchive.h): its ten libraries would cost every pull's start.
HELPER_SRCS := overlay/tool.c overlay/ingest.c overlay/archive.c overlay/layer.c overlay/libarchive.c \
	overlay/digest.c overlay/registry.c
HELPER_LIBS := -lyajl -lz -lzstd -lssl -lcrypto -lcurl -lpthread
HELPER_OBJS := $(HELPER_SRCS:%.c=build/%.o) build/spec/image.o build/spec/parse.o build/spec/json.o \
	build/spec/config.o build/overlay/store.o build/runtime/util.o
build/hull-image: $(HELPER_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -s -o $@ $^ $(HELPER_LIBS)

build/imagetool.o: runtime/imagetool.S build/hull-image
	$(CC) -c -DIMAGETOOL_BIN='"build/hull-image"' -o $@ $<

# clone3 for `run`'s init when it shares hull's memory (runtime/spawn.c).
build/clone_vm.o: runtime/clone_vm.S
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

# The default seccomp profile, embedded for `hull spec --seccomp`.
build/profile.o: runtime/profile.S contrib/seccomp/default.json
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

build/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lseccomp

# regfetch drives the registry client for tests/integration/registry.bats.
build/tools/regfetch: tests/tools/regfetch.c $(LIB_OBJS) $(REG_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJS) $(REG_OBJS) $(LDLIBS) $(REG_LIBS)

# sysnr runs inside test containers, whose rootfs has no libc: static.
build/tools/sysnr: tests/tools/sysnr.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -static -o $@ $<

build/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

build/asan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -O1 -c -o $@ $<

build/unit/%: tests/unit/%.c $(LIB_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

build/asan/%: tests/unit/%.c $(ASAN_LIB_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -O1 -o $@ $< $(ASAN_LIB_OBJS) $(LDLIBS)

# Image support (overlay/): libarchive, zlib, libzstd and libcrypto have no
# static libraries here, so this code stays out of LIB_SRCS and the static
# hull; it goes into a dynamically linked helper.  Its unit test and fuzz
# harness (picked up by the wildcards of `unit`, `unit-asan`, `fuzz-build`)
# link it besides the library, by the three rules below.
IMG_SRCS  := overlay/layer.c overlay/libarchive.c overlay/digest.c
IMG_LIBS  := -larchive -lz -lzstd -lcrypto -lpthread

build/unit/test_layer: tests/unit/test_layer.c $(LIB_OBJS) $(IMG_SRCS:%.c=build/%.o) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJS) $(IMG_SRCS:%.c=build/%.o) $(LDLIBS) $(IMG_LIBS)

build/asan/test_layer: tests/unit/test_layer.c $(ASAN_LIB_OBJS) $(IMG_SRCS:%.c=build/asan/%.o) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -O1 -o $@ $< $(ASAN_LIB_OBJS) $(IMG_SRCS:%.c=build/asan/%.o) $(LDLIBS) $(IMG_LIBS)

# Fuzzing (tests/fuzz): libFuzzer harnesses of the config.json and
# state.json readers and of the image documents and references (spec/image.c),
# built with clang and its sanitizers.  `make fuzz` runs
# each for FUZZ_TIME seconds; `make check` runs them shortly (tests/run.sh).
# (clang warns of -Wsign-compare inside the kernel's NLMSG_OK macro, which gcc
# does not: that one warning is off for these objects.)
FUZZ_CC   ?= clang
FUZZ_TIME ?= 180
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -I. $(WARN) $(PKG_CFLAGS) -fno-strict-aliasing \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=build/fuzz/%.o) build/trampoline.o build/profile.o build/clone_vm.o build/imagetool.o
.SECONDARY: $(FUZZ_LIB_OBJS) $(IMG_SRCS:%.c=build/fuzz/%.o)

build/fuzz/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-sign-compare -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(LDLIBS)

build/fuzz/fuzz_layer: tests/fuzz/fuzz_layer.c $(FUZZ_LIB_OBJS) $(IMG_SRCS:%.c=build/fuzz/%.o) $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(IMG_SRCS:%.c=build/fuzz/%.o) \
		$(LDLIBS) $(IMG_LIBS)

fuzz-build: $(FUZZ_BINS)
fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_TIME)

# The binary, the manual pages (man/*.8) and the bash, zsh and fish completions.
MANPAGES  := $(wildcard man/*.8)
install: hull
	install -D -m 0755 hull $(DESTDIR)$(PREFIX)/bin/hull
	install -d $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 $(MANPAGES) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -D -m 0644 contrib/completions/hull.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/hull
	install -D -m 0644 contrib/completions/_hull $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_hull
	install -D -m 0644 contrib/completions/hull.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/hull.fish
	install -d $(DESTDIR)$(CNIDIR)
	ln -sfn $(PREFIX)/bin/hull $(DESTDIR)$(CNIDIR)/hull

# Packages a fresh Debian 12 needs to build and test hull (installed only when missing).
# libarchive, libcurl, zlib, libzstd, libssl: the image helper (HELPER_SRCS).
BUILD_DEPS := gcc make pkg-config libyajl-dev libseccomp-dev libcap-dev libsystemd-dev busybox-static jq \
	libnftnl-dev libnftnl11 \
	libarchive-dev libcurl4-openssl-dev libzstd-dev zlib1g-dev libssl-dev
# The image tests run Debian's docker-registry themselves (tests/lib/registry.bash);
# installing that package also enables its own service (on :5000), which the
# tests do not use.
TEST_DEPS  := bats iproute2 procps util-linux groff-base strace clang nftables containernetworking-plugins \
	docker-registry skopeo umoci apache2-utils python3-cryptography openssl curl attr zstd libcap2-bin
deps:
	@sh contrib/apt-install.sh $(BUILD_DEPS)
test-deps:
	@sh contrib/apt-install.sh $(BUILD_DEPS) $(TEST_DEPS)

demo: deps
	$(MAKE) hull
	sh contrib/demo.sh

unit: $(UNIT_BINS) $(TOOL_BINS)
unit-asan: $(ASAN_BINS)

check: test-deps
	$(MAKE) hull unit unit-asan fuzz-build
	sh tests/run.sh

# hull, crun and runc side by side (contrib/bench/bench.sh; ROUNDS=N to change),
# then the image store next to podman, skopeo + umoci and tar
# (contrib/bench/images.sh; IMAGES_ROUNDS=N to change, default 5), then
# networks next to the reference CNI plugins and a bare veth pair, in a
# private network namespace (contrib/bench/network.sh; NET_ROUNDS=N, default 15).
bench: deps
	$(MAKE) hull
	bash contrib/bench/bench.sh
	bash contrib/bench/images.sh $${IMAGES_ROUNDS:-5}
	bash contrib/bench/network.sh $${NET_ROUNDS:-15}

bench-images: deps
	$(MAKE) hull
	bash contrib/bench/images.sh $${IMAGES_ROUNDS:-5}

bench-network: deps
	$(MAKE) hull
	bash contrib/bench/network.sh $${NET_ROUNDS:-15}

clean:
	rm -rf build hull demo
