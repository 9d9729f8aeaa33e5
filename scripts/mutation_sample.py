"""Estimate the money modules' mutation score from a random sample of their mutants.

    python scripts/mutation_sample.py --size 400 [--seed 2026] [--children 1] [--min 80]

A full `make mutation` run tests every one of the ~3,100 mutants of the money
modules, several hours on a two-core machine. This script gives an unbiased
figure in a fraction of that time:

1. mutmut generates the mutants of the current code (as `mutmut run` does);
2. a simple random sample of ``--size`` mutants is drawn over all of them,
   with a fixed seed so the same code gives the same sample;
3. every sampled mutant whose verdict is not already "killed" for the current
   code (mutmut forgets a verdict when its function changes) is tested again
   with `mutmut run <names>`: surviving and "no tests" mutants always are,
   since tests may have been added since;
4. the share of the sample killed is printed with its 95% confidence
   interval (Wilson), by module, and every surviving mutant is listed so it
   can be looked at with `mutmut show <name>`.

With --min the exit code is 1 when the estimate is below that percentage.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path


def refresh_other_files() -> None:
    """Copy templates, static files and data into mutants/ afresh.

    mutmut keeps its copy of each app and updates only the Python it mutates,
    so a template changed since the last run would otherwise be served stale
    to every mutant's tests (and fail them for the wrong reason).
    """
    import shutil
    import tomllib

    config = tomllib.loads(Path("pyproject.toml").read_text())["tool"]["mutmut"]
    for root in config["source_paths"]:
        if Path(root).is_dir():
            shutil.copytree(
                root,
                Path("mutants") / root,
                dirs_exist_ok=True,
                ignore=lambda folder, names: [
                    n for n in names if n.endswith((".py", ".pyc")) or n == "__pycache__"
                ],
            )


def generate() -> None:
    """Copy the code into mutants/ and write every mutant, keeping verdicts of unchanged code."""
    from mutmut import __main__ as mutmut

    mutmut.set_mutant_under_test("mutant_generation")
    Path("mutants").mkdir(exist_ok=True)
    refresh_other_files()
    mutmut.copy_src_dir()
    mutmut.copy_also_copy_files()
    mutmut.setup_source_paths()
    mutmut.store_lines_covered_by_tests()
    mutmut.create_mutants(os.cpu_count() or 1)


def verdicts(mutants_dir: Path) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        found.update(json.loads(meta.read_text())["exit_code_by_key"])
    return found


def status(code: int | None) -> str:
    from mutmut.stats import status_by_exit_code

    return "not run" if code is None else status_by_exit_code[code]


def is_killed(code: int | None) -> bool:
    return status(code) in {"killed", "timeout", "caught by type check"}


def wilson(killed: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 0.0
    p = killed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - spread, centre + spread


def module_of(name: str) -> str:
    return name.split(".x_", 1)[0].rsplit(".", 1)[0] if ".x_" in name else name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=400)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--children", type=int, default=1)
    parser.add_argument("--min", type=float, default=None)
    parser.add_argument("--no-run", action="store_true", help="report the sample's verdicts only")
    parser.add_argument(
        "--refresh-only", action="store_true", help="only copy templates and data into mutants/"
    )
    args = parser.parse_args()
    if args.refresh_only:
        refresh_other_files()
        return 0

    print("== generating the mutants of the current code", flush=True)
    generate()
    every = verdicts(Path("mutants"))
    names = sorted(every)
    sample = sorted(random.Random(args.seed).sample(names, min(args.size, len(names))))
    to_run = [name for name in sample if not is_killed(every[name])]
    print(
        f"== {len(names)} mutants; a sample of {len(sample)} (seed {args.seed}); "
        f"{len(sample) - len(to_run)} already killed for this code, {len(to_run)} to test",
        flush=True,
    )
    if to_run and not args.no_run:
        mutmut = Path(sys.executable).with_name("mutmut")
        subprocess.run(
            [str(mutmut), "run", "--max-children", str(args.children), *to_run], check=False
        )
        every = verdicts(Path("mutants"))

    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    for name in sample:
        state = status(every[name])
        by_module[module_of(name)][state] += 1
        if not is_killed(every[name]) and state != "not run":
            survivors.append((name, state))
    tested = killed = 0
    for module, counts in sorted(by_module.items()):
        n = sum(v for s, v in counts.items() if s != "not run")
        k = sum(v for s, v in counts.items() if s in {"killed", "timeout", "caught by type check"})
        tested, killed = tested + n, killed + k
        extra = ", ".join(f"{v} {s}" for s, v in sorted(counts.items()) if s != "killed")
        share = f"{100 * k / n:5.1f}%" if n else "   -  "
        print(f"{share}  {k:3d}/{n:<3d} killed  {module}" + (f"  ({extra})" if extra else ""))
    low, high = wilson(killed, tested)
    print("Surviving mutants in the sample (see `mutmut show <name>`):")
    for name, state in survivors:
        print(f"  {name}  [{state}]")
    if not tested:
        print("No sampled mutant has a verdict.")
        return 1
    score = 100 * killed / tested
    print(
        f"Mutation score (sample of {tested} of {len(names)} mutants): {score:.1f}% killed, "
        f"95% confidence interval {100 * low:.1f}% to {100 * high:.1f}%"
    )
    if args.min is not None and score < args.min:
        print(f"Below the required {args.min:g}%.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
