#!/bin/sh
# structure.sh - measures the source tree's structure, for architecture work
# (issue 14): #include edges between the folders of lib/, services/ and
# tools/ (and any file of one service that includes another's header, or of
# one part of a program, a subfolder such as services/differ/stream/, that
# includes a header of another part or of the program's own folder),
# include cycles between files, the largest files and functions.
#
#   docs/structure.sh [--files N] [--functions N]
#
# Reads the sources as text; runs nothing of them. Needs awk and Universal
# Ctags (for function extents). Prints plain text, sections headed "== ".
set -eu
cd "$(dirname "$0")/.."
NFILES=12
NFUNCS=12
while [ $# -gt 0 ]; do
    case "$1" in
        --files) NFILES=$2; shift 2 ;;
        --functions) NFUNCS=$2; shift 2 ;;
        *) echo "usage: $0 [--files N] [--functions N]" >&2; exit 2 ;;
    esac
done

SOURCES=$(find lib services tools -name '*.[ch]' | sort)

# Every quoted include as "from-file to-file", resolved the way the build
# does: the including file's folder first, then lib/, then any other folder
# holding a header of that name (that is a cross-service include).
edges() {
    for f in $SOURCES; do
        dir=$(dirname "$f")
        sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
        while read -r inc; do
            case "$inc" in proto/*|*.pb-c.h|githash.h) continue ;; esac
            base=$(basename "$inc")
            if [ -f "$dir/$inc" ]; then to="$dir/$inc"
            elif [ -f "lib/$base" ]; then to="lib/$base"
            else to=$(printf '%s\n' $SOURCES | grep "/$base\$" | head -n 1 || true)
            fi
            # "dir/../other/x.h" -> "other/x.h", so its folder is the real one
            to=$(printf '%s\n' "$to" | sed -e ':a' -e 's#[^/.][^/]*/\.\./##' -e 'ta')
            # none: a header generated into gen/ (pycase_data.h)
            if [ -n "$to" ]; then echo "$f $to"; fi
        done
    done
}
EDGES=$(edges)

echo "== include edges between folders (count)"
printf '%s\n' "$EDGES" | awk '{ a = $1; b = $2; sub(/\/[^\/]*$/, "", a); sub(/\/[^\/]*$/, "", b);
    if (a != b) n[a " -> " b]++ } END { for (k in n) printf "%5d  %s\n", n[k], k }' | sort -k2

# The program a folder belongs to: services/<name> or tools/<name>, whose
# subfolders are its parts; any other folder (lib) is its own.
PROGRAM='function program(d,   p) { split(d, p, "/");
    return (p[1] == "services" || p[1] == "tools") && p[2] != "" ? p[1] "/" p[2] : d }'

echo "== includes of another service's or tool's header"
printf '%s\n' "$EDGES" | awk "$PROGRAM"'{ a = $1; b = $2; sub(/\/[^\/]*$/, "", a); sub(/\/[^\/]*$/, "", b);
    if (program(a) != program(b) && b != "lib") print "  " $1 " -> " $2 }' | sort
echo "  (end)"

echo "== includes from a part of a program (subfolder) outside that part"
# Only the program's own folder (main.c) includes its parts; a part
# includes lib/ and itself, not a sibling part nor the folder above.
printf '%s\n' "$EDGES" | awk "$PROGRAM"'{ a = $1; b = $2; sub(/\/[^\/]*$/, "", a); sub(/\/[^\/]*$/, "", b);
    if (a != b && program(a) == program(b) && a != program(a)) print "  " $1 " -> " $2 }' | sort
echo "  (end)"

echo "== include cycles between files"
# Depth-first search over the file graph; prints each cycle once, by its
# smallest file name first.
printf '%s\n' "$EDGES" | awk '
    { adj[$1] = adj[$1] " " $2; nodes[$1] = 1; nodes[$2] = 1 }
    function dfs(v, depth,   i, n, list, w, j, cyc, m, start) {
        onstack[v] = depth; stack[depth] = v; seen[v] = 1
        n = split(adj[v], list, " ")
        for (i = 1; i <= n; i++) {
            w = list[i]
            if (w in onstack) {
                cyc = ""; m = w; start = onstack[w]
                for (j = start; j <= depth; j++) if (stack[j] < m) m = stack[j]
                for (j = start; j <= depth; j++) cyc = cyc " " stack[j]
                if (!(cyc in printed)) { printed[cyc] = 1; print "  " cyc " -> " w; found++ }
            } else if (!(w in seen)) dfs(w, depth + 1)
        }
        delete onstack[v]
    }
    END { for (v in nodes) if (!(v in seen)) dfs(v, 0); if (!found) print "  none" }'

echo "== largest files (lines; generated data tables excluded)"
for f in $SOURCES; do case "$f" in *_data.h) continue ;; esac; wc -l "$f"; done |
    sort -rn | head -n "$NFILES" | awk '{ printf "%6d  %s\n", $1, $2 }'
echo "  files over 900 lines: $(for f in $SOURCES; do case "$f" in *_data.h) continue ;; esac; wc -l < "$f"; done | awk '$1 > 900' | wc -l)"

echo "== largest functions (lines)"
ctags -x --c-kinds=f --fields=+ne --_xformat='%{end} %{line} %{input} %{name}' $SOURCES 2>/dev/null |
    awk '{ printf "%6d  %s:%d %s\n", $1 - $2 + 1, $3, $2, $4 }' | sort -rn | head -n "$NFUNCS"
echo "  functions over 60 lines: $(ctags -x --c-kinds=f --fields=+ne --_xformat='%{end} %{line}' $SOURCES 2>/dev/null | awk '$1 - $2 + 1 > 60' | wc -l)"
