# Build the kernel (with every user program embedded), run it, grade it.
#
#   make            build bin/kernel
#   make qemu       boot it and run forktest   (PROG=hello, MEM=256M, CPUS=4,
#                   TRACE=cow, BOOTARGS="key=value ..." to change that)
#   make grade      build once, run every test (LAB=cow: one lab's tests;
#                   T="cow dirty": the tests whose names contain a word;
#                   CPUS=N: harts per boot, 2 unless a test says;
#                   JSON=FILE Gradescope's results.json, JUNIT=FILE JUnit XML)
#   make stress     fault-injection sweeps, fuzzing and fork stress
#   make bench      fork and COW-fault costs, under -icount and in wall-clock time (obj/bench/;
#                   make bench-docs writes the figures of docs/perf/)
#   make docs       redraw the state-machine pictures in docs/
#   make debug      boot and wait for gdb (GDBPORT=1234);  make gdb  attaches gdb-multiarch
#   make handout LAB=cow    a student tree in handout/cow/;  make handout-check  all labs
#   make lab-docs   regenerate the tables of docs/labs/ (regions, tests, mistakes)
#   make handin     (in a student tree) the student's changes and grade logs, packed
#   make autograder LAB=cow     autograder-cow.zip for Gradescope
#   make grade-handins LAB=cow DIR=folder    grade every handin in folder
#   make compile_commands.json   for clangd and other editors

CROSS   ?= riscv64-unknown-elf-
CC      := $(CROSS)gcc
LD      := $(CROSS)ld
OBJDUMP := $(CROSS)objdump
QEMU    := qemu-system-riscv64
GDB     := gdb-multiarch

PROG     ?= forktest
GDBPORT  ?= 1234
MEM      ?= 128M
CPUS     ?= 2
export CPUS
TRACE    ?=
BOOTARGS ?=

ARCHFLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
CFLAGS    := $(ARCHFLAGS) -std=gnu11 -O2 -g -Wall -Wextra -Werror \
             -ffreestanding -fno-builtin -nostdlib -nostdinc \
             -fno-stack-protector -fno-pic -fno-omit-frame-pointer \
             -fno-strict-aliasing -MMD -MP
ASFLAGS   := $(ARCHFLAGS) -g -MMD -MP -D__ASSEMBLY__

KERN_DIRS := boot kern/init kern/debug kern/driver kern/trap kern/mm \
             kern/process kern/schedule kern/syscall kern/sync kern/libs kern/fs
KERN_INC  := -Ilibs $(addprefix -I,$(wildcard $(KERN_DIRS)))
USER_INC  := -Ilibs -Iuser/libs

LIBS_SRC  := $(wildcard libs/*.c)
KERN_SRC  := $(foreach d,$(KERN_DIRS),$(wildcard $(d)/*.c $(d)/*.S)) $(LIBS_SRC)
ULIB_SRC  := $(wildcard user/libs/*.c user/libs/*.S) $(LIBS_SRC)
# A user program is one file, user/NAME.c, or a directory, user/NAME/,
# whose *.c files are linked together (user/libs and user/rootfs are not).
USER_SRC  := $(wildcard user/*.c)
USER_DIR_SRC := $(filter-out user/libs/% user/rootfs/%,$(wildcard user/*/*.c))
USER_DIR_PROGS := $(sort $(notdir $(patsubst %/,%,$(dir $(USER_DIR_SRC)))))
USER_PROGS := $(sort $(basename $(notdir $(USER_SRC))) $(USER_DIR_PROGS))
$(foreach p,$(filter $(USER_DIR_PROGS),$(basename $(notdir $(USER_SRC)))),\
    $(error user/$(p).c and user/$(p)/ are both program $(p): keep one))

KERN_OBJ  := $(patsubst %,obj/kern/%.o,$(basename $(KERN_SRC))) obj/userprogs.o obj/rootfs.o
ULIB_OBJ  := $(patsubst %,obj/ulib/%.o,$(basename $(ULIB_SRC)))
USER_ELF  := $(patsubst %,obj/user/%.elf,$(USER_PROGS))

.PHONY: all qemu debug gdb grade stress bench bench-docs docs clean toolchain handout handout-check handin \
        lab-docs autograder grade-handins

# Keep intermediate objects (make would delete them after linking).
.SECONDARY:
all: bin/kernel

# Install the cross compiler and QEMU on first use (Debian/Ubuntu).
toolchain:
	@command -v $(CC) >/dev/null && command -v $(QEMU) >/dev/null || tools/setup.sh

# ---- kernel ---------------------------------------------------------------
obj/kern/%.o: %.c | toolchain
	@mkdir -p $(@D)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS) $(KERN_INC) -c $< -o $@

obj/kern/%.o: %.S | toolchain
	@mkdir -p $(@D)
	@echo "  AS    $<"
	@$(CC) $(ASFLAGS) $(KERN_INC) -c $< -o $@

bin/kernel: $(KERN_OBJ) tools/kernel.ld
	@mkdir -p $(@D)
	@echo "  LD    $@"
	@$(LD) -m elf64lriscv -nostdlib -T tools/kernel.ld -o $@ $(KERN_OBJ)
	@$(OBJDUMP) -S $@ > obj/kernel.asm

# ---- user programs, embedded in the kernel image ---------------------------
obj/ulib/%.o: %.c | toolchain
	@mkdir -p $(@D)
	@echo "  CC    $< (user)"
	@$(CC) $(CFLAGS) $(USER_INC) -c $< -o $@

obj/ulib/%.o: %.S | toolchain
	@mkdir -p $(@D)
	@$(CC) $(ASFLAGS) $(USER_INC) -c $< -o $@

# Programs in user/ may be students' unchanged ucore sources: their
# warnings are shown but do not stop the build (the kernel's do).
# The files of a directory program also find its headers (-Iuser/NAME).
$(patsubst %.c,obj/%.o,$(USER_DIR_SRC)): PROG_INC = -I$(<D)

obj/user/%.o: user/%.c | toolchain
	@mkdir -p $(@D)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS) -Wno-error $(USER_INC) $(PROG_INC) -c $< -o $@

# The objects of program NAME: obj/user/NAME.o, or obj/user/NAME/*.o.
user_objs = $(patsubst user/%.c,obj/user/%.o,$(or $(wildcard user/$(1).c),$(wildcard user/$(1)/*.c)))

.SECONDEXPANSION:
obj/user/%.elf: $$(call user_objs,$$*) $(ULIB_OBJ) tools/user.ld
	@$(LD) -m elf64lriscv -nostdlib -T tools/user.ld -o $@ $(ULIB_OBJ) $(call user_objs,$*)

# The tables are rewritten only when the set of embedded files changes.
ROOTFS_FILES := $(shell find user/rootfs -type f 2>/dev/null | sort)

obj/userprogs.S: $(USER_ELF) tools/mkembed.sh FORCE
	@mkdir -p $(@D)
	@tools/mkembed.sh $@ user_programs $(foreach p,$(USER_PROGS),$(p)=obj/user/$(p).elf)

obj/rootfs.S: $(ROOTFS_FILES) tools/mkembed.sh FORCE
	@mkdir -p $(@D)
	@tools/mkembed.sh $@ rootfs_files $(foreach f,$(ROOTFS_FILES),$(f:user/rootfs/%=%)=$(f))

obj/userprogs.o: obj/userprogs.S $(USER_ELF)
	@echo "  EMBED $(words $(USER_PROGS)) user programs"
	@$(CC) $(ASFLAGS) -c $< -o $@

obj/rootfs.o: obj/rootfs.S $(ROOTFS_FILES)
	@echo "  EMBED $(words $(ROOTFS_FILES)) files from user/rootfs"
	@$(CC) $(ASFLAGS) -c $< -o $@

.PHONY: FORCE
FORCE:

# ---- running --------------------------------------------------------------
RUNARGS := -m $(MEM) -- prog=$(PROG) $(if $(TRACE),trace=$(TRACE)) $(BOOTARGS)

qemu: bin/kernel
	@tools/qemu.sh $(RUNARGS)

debug: bin/kernel
	@echo "QEMU waits for gdb on localhost:$(GDBPORT) (run 'make gdb GDBPORT=$(GDBPORT)' in another terminal)"
	@GDBPORT=$(GDBPORT) tools/qemu.sh -g $(RUNARGS)

gdb:
	$(GDB) -q -ex 'set architecture riscv:rv64' -ex 'file bin/kernel' \
	    -ex 'target remote localhost:$(GDBPORT)'

grade: | toolchain
	@$(if $(LAB),GRADE_LAB='$(LAB)') $(if $(JSON),GRADE_JSON='$(abspath $(JSON))') \
	    $(if $(JUNIT),GRADE_JUNIT='$(abspath $(JUNIT))') ./grade.sh $(T)

# Labs (tools/handout.py): a student tree, the proof that every lab can be
# handed out, and (in a student tree) the student's work packed for the teacher.
handout:
	@test -n "$(LAB)" || { echo "make handout LAB=lab5|cow|dirtycow"; exit 2; }
	@python3 tools/handout.py handout $(LAB)

handout-check: | toolchain
	@python3 tools/handout.py check

# The tables of docs/labs/LAB*.md: regions, tests and points, mistakes.
lab-docs:
	@python3 tools/handout.py docs

handin:
	@tools/handin.sh

# Teachers (tools/teacher.py): Gradescope's autograder zip, and a folder of
# handins graded at once (JOBS handins at a time, LIMIT seconds each).
autograder:
	@test -n "$(LAB)" || { echo "make autograder LAB=lab5|cow|dirtycow"; exit 2; }
	@python3 tools/teacher.py autograder $(LAB)

grade-handins: | toolchain
	@test -n "$(LAB)" -a -n "$(DIR)" || { echo "make grade-handins LAB=cow DIR=folder" \
	    "[JOBS=N] [LIMIT=seconds] [REGRADE=1]"; exit 2; }
	@python3 tools/teacher.py grade-handins $(LAB) '$(DIR)' '$(JOBS)' '$(LIMIT)' '$(REGRADE)'

stress: bin/kernel
	@python3 tools/stress.py

bench: bin/kernel
	@python3 tools/bench.py

bench-docs: bin/kernel
	@python3 tools/bench.py --docs

# The pictures of docs/ from their sources (the SVGs are committed, so that a
# git web page shows them), and the coverage tables of docs/cow*.md from a
# real state-machine check.
docs: bin/kernel $(patsubst %.dot,%.svg,$(wildcard docs/*.dot)) docs/cow-sequence.svg
	@python3 tools/cow_fsm_check.py --update-docs > obj/cow-fsm-docs.log || \
	    { cat obj/cow-fsm-docs.log; exit 1; }
	@grep '^  TABLE' obj/cow-fsm-docs.log

docs/%.svg: docs/%.dot
	@command -v dot >/dev/null || tools/setup.sh
	@dot -Tsvg $< > $@.tmp && mv $@.tmp $@ && echo "  DRAW  $@"

docs/cow-sequence.svg: docs/cow-sequence.py
	@python3 $< > $@.tmp && mv $@.tmp $@ && echo "  DRAW  $@"

compile_commands.json: FORCE
	@python3 tools/compdb.py "$(CC)" "$(CFLAGS) $(KERN_INC)" "$(CFLAGS) $(USER_INC)" > $@

clean:
	rm -rf obj bin compile_commands.json

# This tree's dependency files (not those of the copies under obj/handout-check).
-include $(wildcard obj/*.d) $(shell find obj/kern obj/ulib obj/user -name '*.d' 2>/dev/null)
