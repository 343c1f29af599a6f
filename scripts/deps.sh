#!/bin/sh
# Check the Debian build and test dependencies of Kinerja; install the missing
# ones with apt-get when run as root, otherwise print the exact command.
# Usage: scripts/deps.sh [--quiet]
set -u
PKGS="pkg-config:pkg-config gcc:gcc make:make"
LIBS="lmdb:liblmdb-dev libgit2:libgit2-dev msgpack:libmsgpack-dev libsodium:libsodium-dev libevent_core:libevent-dev libevent_pthreads:libevent-dev inih:libinih-dev jansson:libjansson-dev cmocka:libcmocka-dev"
TOOLS="git:git"
missing=""
for p in $PKGS $TOOLS; do
	cmd=${p%%:*}; pkg=${p#*:}
	command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
if command -v pkg-config >/dev/null 2>&1; then
	for p in $LIBS; do
		mod=${p%%:*}; pkg=${p#*:}
		pkg-config --exists "$mod" || missing="$missing $pkg"
	done
else
	for p in $LIBS; do missing="$missing ${p#*:}"; done
fi
# de-duplicate
missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
missing=${missing% }
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "kinerja: installing missing Debian packages: $missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 && apt-get install -y -qq $missing >&2 && exit 0
	echo "kinerja: apt-get failed; run: apt-get update && apt-get install -y $missing" >&2
	exit 1
fi
echo "kinerja: missing build dependencies. Run this, then try again:" >&2
echo "  sudo apt-get update && sudo apt-get install -y $missing" >&2
exit 1
