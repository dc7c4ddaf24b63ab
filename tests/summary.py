#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Prints one closing line for a meson test run: test cases passed, failed
and skipped, counting each GoogleTest case and each other test once."""
import json
import re
import sys

VM_TOTALS = re.compile(r"^vm: (\d+) passed, (\d+) failed$", re.M)
VM_SKIPPED = re.compile(r"^vm: (\d+) skipped$", re.M)
# One GoogleTest result line: its verdict and the test's name (also read by vm/vm.py).
CASE = re.compile(r"^\[ +(OK|FAILED|SKIPPED) +\] ([^ ,]+)(?:, where .*)? \(\d+ ms\)$", re.M)


def main(log_path):
    counts = {"OK": 0, "FAILED": 0, "SKIPPED": 0}
    with open(log_path) as log:
        for line in log:
            test = json.loads(line)
            stdout = test.get("stdout") or ""
            vm = VM_TOTALS.search(stdout)
            cases = [verdict for verdict, _ in CASE.findall(stdout)]
            if vm:  # the kernel matrix counts its own rows
                counts["OK"] += int(vm.group(1))
                counts["FAILED"] += int(vm.group(2))
                skipped = VM_SKIPPED.search(stdout)
                counts["SKIPPED"] += int(skipped.group(1)) if skipped else 0
            elif cases:
                for result in cases:
                    counts[result] += 1
                if test["result"] != "OK" and "FAILED" not in cases:
                    counts["FAILED"] += 1  # crashed or timed out between cases
            elif test["result"] in ("OK", "EXPECTEDFAIL"):
                counts["OK"] += 1
            elif test["result"] == "SKIP":
                counts["SKIPPED"] += 1
            else:
                counts["FAILED"] += 1
    print(f"{counts['OK']} passed, {counts['FAILED']} failed, {counts['SKIPPED']} skipped")
    return 1 if counts["FAILED"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
