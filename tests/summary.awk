# Sum the per-case results of automake's .trs files into one line.
/^:test-result: (PASS|XFAIL)/ { pass++ }
/^:test-result: (FAIL|XPASS|ERROR)/ { fail++ }
/^:test-result: SKIP/ { skip++ }
END {
	printf "%d passed, %d failed", pass, fail
	if (skip) printf ", %d skipped", skip
	printf "\n"
}
