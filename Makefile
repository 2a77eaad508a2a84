# Builds and installs libcos like any C library.
#   make                                   # cargo build --release
#   make install PREFIX=/usr/local         # (DESTDIR= for staging, as packagers expect)
#   make uninstall PREFIX=/usr/local
# Variables: PREFIX, LIBDIR, INCLUDEDIR, BINDIR, DESTDIR; PROFILE=release|debug (which cargo build to
# install); NO_BUILD=1 installs what is already built without calling cargo.
#
# Installed: lib/libcos.so.<major>.<minor>.<patch> (soname libcos.so.<major>, debug info stripped into
# lib/.debug/, where gdb looks), the libcos.so.<major> and libcos.so links, lib/libcos.a (one object whose only
# global symbols are cos_*, so it links beside any other Rust static library), include/cos.h (and cos.hpp when
# present), lib/pkgconfig/cos.pc, lib/cmake/cos/ (find_package(cos) -> cos::cos and cos::cos_static), and
# bin/cos when the command-line tool is built.

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
PROFILE    ?= release
CARGO      ?= cargo
# GNU ar loads every bfd plugin it finds, and LLVM's chokes on an object with as many sections as ours;
# gcc-ar loads only GCC's.
ARCHIVER   ?= $(shell command -v gcc-ar || echo ar)

ROOT    := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' $(ROOT)/Cargo.toml | head -n 1)
MAJOR   := $(word 1,$(subst ., ,$(VERSION)))
BUILT   := $(ROOT)/target/$(PROFILE)
STAGE   ?= $(BUILT)/install
SONAME  := libcos.so.$(MAJOR)
REAL    := libcos.so.$(VERSION)
# What the Rust standard library needs from the system when libcos.a is linked (rustc --print
# native-static-libs, less libgcc_s, which the compiler driver adds as it sees fit).
LIBS_PRIVATE := -lpthread -ldl -lm -lrt -lutil

ifeq ($(PROFILE),release)
CARGO_FLAGS := --release
else
CARGO_FLAGS :=
endif

.PHONY: all build stage install uninstall
all: build

build:
ifneq ($(NO_BUILD),1)
	cd $(ROOT) && $(CARGO) build $(CARGO_FLAGS) --lib
	test ! -d $(ROOT)/cli || (cd $(ROOT) && $(CARGO) build $(CARGO_FLAGS) -p cos-cli)
endif

# Everything to install, prepared under target/<profile>/install.
stage: build
	rm -rf $(STAGE) && mkdir -p $(STAGE)/.debug
	objcopy --only-keep-debug $(BUILT)/libcos.so $(STAGE)/.debug/$(REAL).debug
	objcopy --strip-debug --add-gnu-debuglink=$(STAGE)/.debug/$(REAL).debug $(BUILT)/libcos.so $(STAGE)/$(REAL)
	ld -r --whole-archive $(BUILT)/libcos.a -o $(STAGE)/cos.o
	objcopy --wildcard --keep-global-symbol='cos_*' --keep-global-symbol='DW.ref.*' $(STAGE)/cos.o
	$(ARCHIVER) rcs $(STAGE)/libcos.a $(STAGE)/cos.o
	rm $(STAGE)/cos.o
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|g' \
	    $(ROOT)/install/cos.pc.in > $(STAGE)/cos.pc
	for f in cosConfig.cmake cosConfigVersion.cmake; do \
	  sed -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	      -e 's|@SONAME@|$(SONAME)|g' -e 's|@REAL@|$(REAL)|g' -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|g' \
	      $(ROOT)/install/$$f.in > $(STAGE)/$$f; \
	done

install: stage
	install -d $(DESTDIR)$(LIBDIR)/.debug $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR)/cmake/cos \
	           $(DESTDIR)$(INCLUDEDIR)
	install -m 755 $(STAGE)/$(REAL) $(DESTDIR)$(LIBDIR)/$(REAL)
	install -m 644 $(STAGE)/.debug/$(REAL).debug $(DESTDIR)$(LIBDIR)/.debug/$(REAL).debug
	ln -sf $(REAL) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libcos.so
	install -m 644 $(STAGE)/libcos.a $(DESTDIR)$(LIBDIR)/libcos.a
	install -m 644 $(ROOT)/include/cos.h $(DESTDIR)$(INCLUDEDIR)/cos.h
	test ! -f $(ROOT)/include/cos.hpp || install -m 644 $(ROOT)/include/cos.hpp $(DESTDIR)$(INCLUDEDIR)/cos.hpp
	install -m 644 $(STAGE)/cos.pc $(DESTDIR)$(LIBDIR)/pkgconfig/cos.pc
	install -m 644 $(STAGE)/cosConfig.cmake $(STAGE)/cosConfigVersion.cmake $(DESTDIR)$(LIBDIR)/cmake/cos/
	test ! -x $(BUILT)/cos || { install -d $(DESTDIR)$(BINDIR) && install -m 755 $(BUILT)/cos $(DESTDIR)$(BINDIR)/cos; }

# Removes exactly what install puts there, and the directories it made if they are left empty.
uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REAL) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libcos.so \
	      $(DESTDIR)$(LIBDIR)/.debug/$(REAL).debug $(DESTDIR)$(LIBDIR)/libcos.a \
	      $(DESTDIR)$(INCLUDEDIR)/cos.h $(DESTDIR)$(INCLUDEDIR)/cos.hpp \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/cos.pc \
	      $(DESTDIR)$(LIBDIR)/cmake/cos/cosConfig.cmake $(DESTDIR)$(LIBDIR)/cmake/cos/cosConfigVersion.cmake \
	      $(DESTDIR)$(BINDIR)/cos
	-rmdir $(DESTDIR)$(LIBDIR)/.debug $(DESTDIR)$(LIBDIR)/cmake/cos $(DESTDIR)$(LIBDIR)/cmake \
	       $(DESTDIR)$(LIBDIR)/pkgconfig 2>/dev/null
