#!/bin/sh
# 200 simulated schools sync with one hub at once while one more stalls:
# tests/scale/schools.sh (its driver, tests/scale/schools.c, is built by `make check`).
exec sh "$(dirname "$0")/../scale/schools.sh"
