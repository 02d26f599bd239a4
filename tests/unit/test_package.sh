#!/usr/bin/env bash
# test_package.sh - the .deb, never installed on this machine: `cpack -G DEB`
# from the build dir, `dpkg -x` into a temp root, then: each installed program
# runs (--version) from there, spider-sim and the test/bench programs are
# absent, man pages and bash completion exist and work, the Depends list
# covers every library the binaries need, and every path a systemd unit names
# (ExecStart, Documentation=file:, EnvironmentFile, WorkingDirectory,
# ReadWritePaths...) exists in the root or lies under a directory the
# package's tmpfiles.d/spider.conf creates (postinst runs systemd-tmpfiles).
# Also `cmake --install --prefix` into a temp dir: the units name that prefix.
set -uo pipefail
ROOT=${SPIDER_SOURCE_DIR:?}
BUILD=${SPIDER_BUILD_DIR:-$ROOT/build}
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
PROGRAMS="spider-collector spider-differ spider-publisher"
version=$(sed -n 's/.*define SPIDER_VERSION "\(.*\)".*/\1/p' "$ROOT/lib/version.h")

for t in cpack dpkg-deb objdump help2man; do
  check "$t is installed" 'command -v $t >/dev/null'
done
check "build dir has a CPack config" '[ -f "$BUILD/CPackConfig.cmake" ]'
check "cpack -G DEB builds the package" '(cd "$BUILD" && cpack -G DEB -B "$tmp/out" --config CPackConfig.cmake >"$tmp/cpack.log" 2>&1) || { tail -20 "$tmp/cpack.log"; false; }'
debs=("$tmp"/out/*.deb)
check "exactly one .deb, named spider_${version}_*.deb" '[ ${#debs[@]} -eq 1 ] && [[ $(basename "${debs[0]}") == spider_${version}_*.deb ]]'
deb=${debs[0]}
[ -f "$deb" ] || { echo "FAIL: no package to check"; exit 1; }
check "control: Package spider, Version $version" '[ "$(dpkg-deb -f "$deb" Package)" = spider ] && [ "$(dpkg-deb -f "$deb" Version)" = "$version" ]'
depends=$(dpkg-deb -f "$deb" Depends)
for p in librdkafka1 libprotobuf-c1 libjansson4 libcurl4 libmicrohttpd12 libssl3; do
  check "Depends names $p, a real Debian package" 'grep -qE "(^|, )$p( |,|$)" <<<"$depends" && apt-cache policy "$p" | grep "Candidate: [0-9]" >/dev/null'
done

r=$tmp/root
check "dpkg -x into a temp root" 'dpkg -x "$deb" "$r"'
check "the package installs exactly the three services in /usr/bin" '[ "$(ls "$r/usr/bin" | tr "\n" " ")" = "spider-collector spider-differ spider-publisher " ]'
check "spider-sim, condor_* links and test/bench programs are not in the package" '[ -z "$(find "$r" \( -name "*spider-sim*" -o -name "condor_*" -o -name "test_*" -o -name "itest_*" -o -name "bench*" -o -name "spider-testrecords" -o -name "*-drill" -o -name "oracle-*" \) -print)" ]'
check "nothing under /usr/local in the package" '[ ! -e "$r/usr/local" ]'
for p in $PROGRAMS; do
  check "$p --version runs from the temp root" '[[ $("$r/usr/bin/$p" --version) =~ ^$p\ $version\ \(git\ [0-9a-f]+(-dirty)?\)$ ]]'
  man=$r/usr/share/man/man1/$p.1
  check "man page $p.1 (help2man) with NAME and the commands of --help" '[ -s "$man" ] && grep -q "^\.TH ${p^^} \"1\"" "$man" && grep -q "^$p \\\\- " "$man" &&
    for c in $("$r/usr/bin/$p" --help | awk "/^Commands:/{c=1;next} c&&/^[^ ]/{exit} c&&/^  [a-z]/{print \$1}"); do grep -q "^$c\( \|\$\)" "$man" || { echo "  $c missing"; false; }; done'
  comp=$r/usr/share/bash-completion/completions/$p
  first=$("$r/usr/bin/$p" --help | awk '/^Commands:/{c=1;next} c&&/^[^ ]/{exit} c&&/^  [a-z]/{print $1; exit}')
  check "bash completion of $p completes its command $first and --config" '[ -s "$comp" ] && PATH="$r/usr/bin:$PATH" bash -c "
    source \"\$1\"; COMP_WORDS=($p \"\${2:0:2}\"); COMP_CWORD=1; _spider_complete $p; printf \"%s\n\" \"\${COMPREPLY[@]}\" | grep -qx \"\$2\" &&
    COMP_WORDS=($p \"\$2\" --conf); COMP_CWORD=2; _spider_complete $p; printf \"%s\n\" \"\${COMPREPLY[@]}\" | grep -qx -- --config" _ "$comp" "$first"'
done

# Every library a binary needs comes from a package in Depends. The
# sanitizer runtimes are the test build's own (make test packages the
# ASan + UBSan build too), never a release package's.
for p in $PROGRAMS; do
  for lib in $(objdump -p "$r/usr/bin/$p" | awk '$1=="NEEDED" && $2 !~ /^lib(asan|ubsan)\./ {print $2}'); do
    path=$(ldconfig -p | awk -v l="$lib" '$1==l && /x86-64|x86_64/{print $NF; exit}')
    pkg=""
    for q in "$path" "/usr${path#/usr}" "${path#/usr}"; do
      [ -n "$pkg" ] || pkg=$(dpkg -S "$q" 2>/dev/null | head -1 | cut -d: -f1)
    done
    check "$p needs $lib: package ${pkg:-?} is in Depends" '[ -n "$pkg" ] && grep -qE "(^|, )$pkg( |,|$)" <<<"$depends"'
  done
done

# Directories the package creates at configure time (tmpfiles.d, postinst).
tmpfiles=$r/usr/lib/tmpfiles.d/spider.conf
check "tmpfiles.d/spider.conf and sysusers.d/spider.conf are packaged" '[ -s "$tmpfiles" ] && [ -s "$r/usr/lib/sysusers.d/spider.conf" ]'
runtime_dirs=$(awk '$1=="d"{print $2}' "$tmpfiles")
check "postinst creates the spider user and the tmpfiles directories" 'dpkg-deb -e "$deb" "$tmp/ctl" && sh -n "$tmp/ctl/postinst" && grep -q "systemd-sysusers spider.conf" "$tmp/ctl/postinst" && grep -q "systemd-tmpfiles --create spider.conf" "$tmp/ctl/postinst"'
runtime_ok() { # absolute path -> 0 when under a directory tmpfiles creates
  local d; for d in $runtime_dirs; do case $1 in "$d"|"$d"/*) return 0 ;; esac; done; return 1
}

units=("$r"/usr/lib/systemd/system/*.service)
check "the five units are packaged" '[ ${#units[@]} -eq 5 ]'
for u in "${units[@]}"; do
  n=$(basename "$u")
  check "$n names no /usr/local path" '! grep -q /usr/local "$u"'
  while IFS='=' read -r key val; do
    case $key in
      ExecStart|ExecStartPre|ExecStartPost|ExecReload|ExecStop) paths=$(sed 's/^[-@+!:]*//' <<<"$val" | awk '{print $1}') ;;
      Documentation) paths=$(tr ' ' '\n' <<<"$val" | sed -n 's|^file://||p') ;;
      EnvironmentFile) paths=${val#-} ;;
      WorkingDirectory|ReadWritePaths|ReadOnlyPaths|RootDirectory) paths=$(tr ' ' '\n' <<<"$val" | sed 's/^[-+]//') ;;
      StateDirectory) paths=/var/lib/$val ;;
      LogsDirectory) paths=/var/log/$val ;;
      ConfigurationDirectory) paths=/etc/$val ;;
      *) continue ;;
    esac
    for path in $paths; do
      case $key in
        Exec*) check "$n $key $path is in the package and runs" '[ -x "$r$path" ] && "$r$path" --version >/dev/null' ;;
        Documentation) check "$n Documentation $path is in the package" '[ -s "$r$path" ]' ;;
        *) check "$n $key $path exists or is a runtime path the package creates" '[ -e "$r${path//%i/x}" ] || runtime_ok "$path"' ;;
      esac
    done
  done < <(grep -E '^[A-Za-z]+=' "$u")
done

# cmake --install into a prefix of our own: the same files, units rewritten.
pre=$tmp/prefix
check "cmake --install --prefix puts the programs, docs, units and man pages" 'cmake --install "$BUILD" --prefix "$pre" >"$tmp/install.log" 2>&1 &&
  [ -x "$pre/bin/spider-collector" ] && [ ! -e "$pre/bin/spider-sim" ] && [ -s "$pre/share/doc/spider/operations.md" ] &&
  [ -s "$pre/share/man/man1/spider-differ.1" ] && [ -s "$pre/share/bash-completion/completions/spider-publisher" ] &&
  grep -q "^ExecStart=$pre/bin/spider-publisher run" "$pre/lib/systemd/system/spider-publisher.service" &&
  grep -q "^Documentation=file://$pre/share/doc/spider/operations.md" "$pre/lib/systemd/system/spider-publisher.service"'
exit $fail
