"""Print the mutation score of the last `mutmut run`: killed mutants out of those tested.

    python scripts/mutation_score.py [--min 80]

Reads mutmut's results in mutants/ (one .meta file per mutated module). A
mutant counts as killed when a test failed, timed out or a type check caught
it; "survived" and "no tests" (no test runs the mutated code) count against
the score; mutants not run yet (a run limited to some modules, or stopped
early) are left out and reported separately. With --min the exit code is 1
when the total score is below that percentage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "timeout", "caught by type check"}
NOT_RUN = {"not checked", "skipped", "check was interrupted by user"}


def scores(mutants_dir: Path) -> dict[str, Counter]:
    by_module: dict[str, Counter] = {}
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        module = str(meta.relative_to(mutants_dir))[: -len(".meta")]
        by_module[module] = Counter(status_by_exit_code[code] for code in codes.values())
    return by_module


def line(name: str, counts: Counter) -> tuple[str, float | None]:
    tested = sum(n for status, n in counts.items() if status not in NOT_RUN)
    killed = sum(counts[status] for status in KILLED)
    not_run = sum(counts[status] for status in NOT_RUN)
    score = 100 * killed / tested if tested else None
    shown = f"{score:5.1f}%" if score is not None else "   -  "
    details = ", ".join(
        f"{counts[s]} {s}" for s in ("survived", "no tests", "suspicious", "segfault") if counts[s]
    )
    text = f"{shown}  {killed:4d}/{tested:<4d} killed  {name}"
    if details:
        text += f"  ({details})"
    if not_run:
        text += f"  [{not_run} not run]"
    return text, score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=float, default=None, help="fail below this percentage")
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    args = parser.parse_args()
    by_module = scores(args.mutants)
    if not by_module:
        print("No mutmut results in mutants/: run `make mutation` first.")
        return 1
    total: Counter = Counter()
    for module, counts in by_module.items():
        if sum(n for s, n in counts.items() if s not in NOT_RUN):
            print(line(module, counts)[0])
        total += counts
    text, score = line("total", total)
    print(text)
    if score is None:
        print("No mutant ran.")
    else:
        print(f"Mutation score: {score:.1f}% of mutants killed")
    if args.min is not None and (score is None or score < args.min):
        print(f"Below the required {args.min:g}%.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
