#!/bin/sh
# Install the ssmix build into a fresh prefix and use it the way a downstream project does:
#  1. cmake --install <build> --prefix <work>/prefix; check the files of the package;
#  2. <prefix>/bin/ssmix info finds libssmix (RPATH) and the installed modules, not the build tree's;
#  3. the examples build with find_package(ssmix CONFIG) and with pkg-config (command line and
#     examples/Makefile) and run on the cpu backend.
# Nothing may come from LD_LIBRARY_PATH, SSMIX_BACKEND_PATH or the build tree.
# usage: install_test.sh <build dir> <source dir> <cmake> <C compiler> <libdir> <includedir> <bindir> <work dir> [consumer flags]
# consumer flags: extra compile+link flags for the examples (the sanitizer runtime of a sanitized build).
set -eu
build=$1 src=$2 cmake=$3 cc=$4 libdir=$5 includedir=$6 bindir=$7 work=$8 xflags=${9:-}
prefix=$work/prefix

fail() { echo "install_test: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

unset LD_LIBRARY_PATH SSMIX_BACKEND_PATH SSMIX_BACKEND CMAKE_PREFIX_PATH PKG_CONFIG_PATH DESTDIR 2>/dev/null || true
export SSMIX_CACHE_DIR=off
rm -rf "$work"
mkdir -p "$work"

step "cmake --install $build --prefix $prefix"
"$cmake" --install "$build" --prefix "$prefix" > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install failed"; }

step "package files"
for f in "$includedir/ssmix.h" "$includedir/ssmix_cuda.h" "$includedir/ssmix_hip.h" "$includedir/ssmix_opencl.h" \
         "$libdir/libssmix.so" "$bindir/ssmix" "$libdir/pkgconfig/ssmix.pc" \
         "$libdir/cmake/ssmix/ssmixConfig.cmake" "$libdir/cmake/ssmix/ssmixConfigVersion.cmake" \
         "$libdir/cmake/ssmix/ssmixTargets.cmake"; do
  [ -e "$prefix/$f" ] || fail "missing $prefix/$f"
done
ls "$prefix/$libdir"/libssmix.so.* > /dev/null 2>&1 || fail "no versioned libssmix.so.* in $prefix/$libdir"
[ -L "$prefix/$libdir/libssmix.so" ] || fail "$prefix/$libdir/libssmix.so is not a symlink to the versioned library"
modules=""
for m in "$build"/lib/ssmix/libssmix-*.so; do
  [ -e "$m" ] || continue
  name=$(basename "$m" .so); name=${name#libssmix-}
  [ -e "$prefix/$libdir/ssmix/libssmix-$name.so" ] || fail "module $m was not installed to $prefix/$libdir/ssmix/"
  modules="$modules $name"
done
echo "installed modules:${modules:- (none built)}"

# The tree must be self-contained: resolved libssmix comes from the prefix.
check_ldd() { # <executable>
  if command -v ldd > /dev/null 2>&1; then
    line=$(ldd "$1" | grep 'libssmix\.so' || true)
    case "$line" in
      *"$prefix/"*) ;;
      *) fail "$1 does not resolve libssmix from the prefix: ${line:-not found}" ;;
    esac
  fi
}

step "$prefix/$bindir/ssmix info"
check_ldd "$prefix/$bindir/ssmix"
SSMIX_BACKEND=cpu SSMIX_LOG=info "$prefix/$bindir/ssmix" info > "$work/info.out" 2> "$work/info.err" \
  || { cat "$work/info.out" "$work/info.err"; fail "installed ssmix info failed"; }
cat "$work/info.out"
grep -q "resolves to: cpu" "$work/info.out" || fail "ssmix info did not resolve SSMIX_BACKEND=cpu"
if grep -F "$build/lib/" "$work/info.err"; then fail "installed ssmix info looked into the build tree"; fi
# The loader logs the module paths it tried (possibly as <prefix>/bin/../lib/...): compare real paths.
for name in $modules; do
  path=$prefix/$libdir/ssmix/libssmix-$name.so
  found=no
  for p in $(sed -n "s|.* \(/[^ ]*/libssmix-$name\.so\).*|\1|p" "$work/info.err"); do
    [ "$(readlink -f "$p")" = "$(readlink -f "$path")" ] && found=yes
  done
  [ $found = yes ] || { cat "$work/info.err"; fail "ssmix info did not try the installed $name module $path"; }
  if [ "$name" = opencl ]; then # dlopens the OpenCL loader itself: it must always load
    grep -E "opencl module: loaded /.*/libssmix-opencl\.so" "$work/info.err" > /dev/null \
      || { cat "$work/info.err"; fail "the installed opencl module did not load"; }
  fi
  echo "ssmix info found the installed $name module"
done

run_examples() { # <dir> <how>
  for ex in hydra_mixer ssd_native_memory; do
    check_ldd "$1/$ex"
    "$1/$ex" cpu > "$1/$ex.out" 2>&1 || { cat "$1/$ex.out"; fail "$ex ($2) failed"; }
    grep -q "$ex: ok" "$1/$ex.out" || { cat "$1/$ex.out"; fail "$ex ($2) did not report ok"; }
    echo "$ex ($2): $(grep -E '^checksum|^out:' "$1/$ex.out")"
  done
}

step "examples with find_package(ssmix CONFIG)"
"$cmake" -S "$src/examples" -B "$work/ex_cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="-Werror $xflags" -DCMAKE_EXE_LINKER_FLAGS="$xflags" > "$work/ex_cmake.log" 2>&1 \
  || { cat "$work/ex_cmake.log"; fail "configuring examples/ with find_package failed"; }
grep -F "from $prefix/" "$work/ex_cmake.log" > /dev/null || { cat "$work/ex_cmake.log"; fail "find_package did not pick the installed package"; }
"$cmake" --build "$work/ex_cmake" > "$work/ex_cmake_build.log" 2>&1 \
  || { cat "$work/ex_cmake_build.log"; fail "building examples/ with find_package failed"; }
run_examples "$work/ex_cmake" find_package

if command -v pkg-config > /dev/null 2>&1; then
  export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
  step "examples with pkg-config ($(pkg-config --modversion ssmix))"
  pc_libdir=$(pkg-config --variable=libdir ssmix)
  [ "$(cd "$pc_libdir" && pwd -P)" = "$(cd "$prefix/$libdir" && pwd -P)" ] || fail "ssmix.pc libdir $pc_libdir is not $prefix/$libdir"
  mkdir -p "$work/ex_pc"
  for ex in hydra_mixer ssd_native_memory; do
    # shellcheck disable=SC2046
    "$cc" -std=c11 -O2 -Wall -Wextra -Werror $xflags $(pkg-config --cflags ssmix) -o "$work/ex_pc/$ex" "$src/examples/$ex.c" \
      $(pkg-config --libs ssmix) -Wl,-rpath,"$pc_libdir" -lm || fail "building $ex with pkg-config failed"
  done
  run_examples "$work/ex_pc" pkg-config
  if command -v make > /dev/null 2>&1; then
    step "examples/Makefile"
    mkdir -p "$work/ex_make"
    make -s -C "$work/ex_make" -f "$src/examples/Makefile" VPATH="$src/examples" CC="$cc" CFLAGS="-O2 -Wall -Wextra -Werror $xflags" LDFLAGS="$xflags" \
      > "$work/ex_make.log" 2>&1 || { cat "$work/ex_make.log"; fail "examples/Makefile failed"; }
    run_examples "$work/ex_make" Makefile
  fi
else
  echo "pkg-config not found: skipping the pkg-config builds"
fi

echo "install_test: ok"
