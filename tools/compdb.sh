#!/bin/bash
# Write a compile_commands.json (for clangd and other editors) to stdout.
# Usage: tools/compdb.sh CC "KERNEL FLAGS" "USER FLAGS"
#   (make compile_commands.json passes the Makefile's own flags)
# Sources under boot/, kern/ and libs/ get the kernel flags; those under
# user/ get the user flags. Each entry's directory is the repository root.
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 CC \"KERNEL CFLAGS\" \"USER CFLAGS\"" >&2
    exit 2
fi
cc=$1 kflags=$2 uflags=$3
cd "$(dirname "$0")/.."
root=$(pwd)

# Print $1 as a JSON string.
json_str() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}

# Print one entry: source file $1, object $2, compiled with flags $3.
entry() {
    local src=$1 obj=$2 word
    local -a args
    read -ra args <<< "$3"
    printf '  {\n    "directory": %s,\n    "file": %s,\n    "output": %s,\n    "arguments": [%s' \
        "$(json_str "$root")" "$(json_str "$src")" "$(json_str "$obj")" "$(json_str "$cc")"
    for word in "${args[@]}"; do
        case $word in -MMD|-MP) continue ;; esac   # no .d files from editors
        printf ', %s' "$(json_str "$word")"
    done
    case $src in *.S) printf ', "-D__ASSEMBLY__"' ;; esac
    printf ', "-c", %s, "-o", %s]\n  }' "$(json_str "$src")" "$(json_str "$obj")"
}

# List the .c and .S files under the given directories, sorted.
sources() {
    find "$@" -type f \( -name '*.c' -o -name '*.S' \) 2>/dev/null | LC_ALL=C sort
}

# Object paths follow the Makefile: obj/kern/..., obj/user/NAME.o,
# obj/user/NAME/FILE.o (a directory program, which also gets -Iuser/NAME),
# obj/ulib/...
sep=
echo '['
while IFS= read -r f; do
    [ -n "$f" ] || continue
    printf '%s' "$sep"; sep=$',\n'
    entry "$f" "obj/kern/${f%.*}.o" "$kflags"
done < <(sources boot kern libs)
while IFS= read -r f; do
    [ -n "$f" ] || continue
    flags=$uflags
    case $f in
    user/libs/*)   obj=obj/ulib/${f%.*}.o ;;
    user/rootfs/*) continue ;;
    user/*/*)      obj=obj/${f%.*}.o; flags="$uflags -I$(dirname "$f")" ;;
    *)             obj=obj/user/$(basename "${f%.*}").o ;;
    esac
    printf '%s' "$sep"; sep=$',\n'
    entry "$f" "$obj" "$flags"
done < <(sources user)
printf '\n]\n'
