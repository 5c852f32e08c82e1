# Sourced by CLI tests (tests/cli/*.sh): `check NAME EXPECTED-SUBSTRING ACTUAL` prints ok or FAIL
# (with the output) and sets fail=1 on a failure; the test ends with `exit $fail`.
fail=0
check() {  # check NAME EXPECTED-SUBSTRING ACTUAL
  if [[ "$3" == *"$2"* ]]; then echo "ok   $1"; else echo "FAIL $1: expected to find [$2] in:"; echo "$3"; fail=1; fi
}
