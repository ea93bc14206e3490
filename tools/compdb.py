#!/usr/bin/env python3
"""tools/compdb.py CC "KERNEL FLAGS" "USER FLAGS": print compile_commands.json
(for clangd) with the Makefile's compiler and flags: the kernel's for boot/,
kern/ and libs/, the user ones for user/; objects named as the Makefile does."""

import json
import os
import sys

def sources(*tops):
    return sorted(os.path.join(d, f) for top in tops for d, _, files in os.walk(top)
                  for f in files if f.endswith((".c", ".S")))

def entry(cc, src, obj, flags):
    args = [cc] + [w for w in flags.split() if w not in ("-MMD", "-MP")]
    args += ["-D__ASSEMBLY__"] * src.endswith(".S") + ["-c", src, "-o", obj]
    return {"directory": os.getcwd(), "file": src, "output": obj, "arguments": args}

def main(cc, kflags, uflags):
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    out = [entry(cc, f, f"obj/kern/{os.path.splitext(f)[0]}.o", kflags) for f in sources("boot", "kern", "libs")]
    for f in sources("user"):
        base, parts = os.path.splitext(f)[0], f.split("/")
        if parts[1] == "libs":
            out.append(entry(cc, f, f"obj/ulib/{base}.o", uflags))
        elif parts[1] != "rootfs":
            deep = len(parts) > 2
            obj = f"obj/{base}.o" if deep else f"obj/user/{os.path.basename(base)}.o"
            out.append(entry(cc, f, obj, uflags + (f" -I{os.path.dirname(f)}" if deep else "")))
    print(json.dumps(out, indent=2))

if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]) if len(sys.argv) == 4 else __doc__)
