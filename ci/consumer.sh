#!/usr/bin/env bash
# Proves the install: installs BUILD into a temporary prefix, builds tests/consumer against it twice (CMake's
# find_package(chord), then `pkg-config --cflags --libs chord` alone) and runs both on MODEL, printing their output.
#   bash ci/consumer.sh BUILD MODEL
[[ "${1:-}" == --help || "${1:-}" == -h ]] && { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0; } # the header
set -euo pipefail
build=$1 model=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
echo "ci/consumer.sh: installed $(grep -c '^-- Installing' "$tmp/install.log") files into a temporary prefix:"
(cd "$prefix" && ls include/chord lib/cmake/chord lib/pkgconfig)

cmake -S tests/consumer -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" > "$tmp/cmake.log"
cmake --build "$tmp/cmake" > "$tmp/cmake-build.log"
echo "ci/consumer.sh: find_package(chord) build:"
"$tmp/cmake/chord-consumer" "$model"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
libdir=$(pkg-config --variable=libdir chord)
# shellcheck disable=SC2046 # pkg-config's words are separate arguments
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/chord-consumer-pc" tests/consumer/consumer.c \
  $(pkg-config --cflags --libs chord) -lm -Wl,-rpath,"$libdir"
echo "ci/consumer.sh: pkg-config build ($(pkg-config --cflags --libs chord)):"
"$tmp/chord-consumer-pc" "$model"
