"""Are two versions' outputs byte-identical? Every bundled scenario, two seeds, 20,000 firms.

A refactor must not change what a run writes. This runs every bundled scenario at
20,000 firms with seeds 1 and 2 through `Results.write`, once on the working tree and
once on another commit (checked out into a temporary git worktree), each in a fresh
process, and compares the SHA-256 of every parquet file and of the manifest's
scenario, seed and firm counts. Provenance names the commit, so both sides write with
the commit left out; timings and creation time are not outputs.

    python benchmarks/identical.py --base 1a2b3c4        # this tree against a commit
    python benchmarks/identical.py --base HEAD~3 --firms 2000 --seeds 1
    python benchmarks/identical.py --digests out.json    # this tree's digests only

Exits 1 and names every file that differs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import hashlib, json, sys, tempfile
from pathlib import Path
import econsim
from econsim import bundled_scenarios, load_scenario, simulate
firms, seeds = int(sys.argv[1]), [int(s) for s in sys.argv[2].split(",")]
digests = {"econsim": econsim.__file__}
for name in bundled_scenarios():
    for seed in seeds:
        results = simulate(load_scenario(name, {"economy.firms": firms}), seed)
        results.manifest["commit"] = None  # provenance names the commit: leave it out
        with tempfile.TemporaryDirectory() as folder:
            run = results.write(Path(folder) / "run")
            files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                     for p in sorted(run.glob("*.parquet"))}
        kept = {k: results.manifest[k] for k in ("scenario", "seed", "firms", "events")}
        files["manifest"] = hashlib.sha256(json.dumps(kept).encode()).hexdigest()
        digests[f"{name}/seed{seed}"] = files
print(json.dumps(digests))
"""


def digests(source: Path, firms: int, seeds: str) -> dict[str, dict[str, str]]:
    """Every scenario's file digests, computed by the econsim found at ``source``."""
    with tempfile.TemporaryDirectory() as elsewhere:  # not a folder with econsim in it
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(firms), seeds],
            cwd=elsewhere,
            env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            text=True,
        )
    found: dict[str, dict[str, str]] = json.loads(done.stdout.strip().splitlines()[-1])
    where = found.pop("econsim")
    if not Path(where).resolve().is_relative_to(source.resolve()):
        raise SystemExit(f"the child imported econsim from {where}, not from {source}")
    return found


def checkout(base: str, into: Path) -> Path:
    """``base`` checked out into a temporary worktree under ``into``."""
    tree = into / "base"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree), base],
        check=True,
    )
    return tree


def differences(new: dict[str, dict[str, str]], old: dict[str, dict[str, str]]) -> list[str]:
    """``scenario/seed: file`` for every file whose digest differs or is missing."""
    return [
        f"{run}: {name}"
        for run in sorted(new.keys() | old.keys())
        for name in sorted(new.get(run, {}).keys() | old.get(run, {}).keys())
        if new.get(run, {}).get(name) != old.get(run, {}).get(name)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a commit to compare the working tree against")
    parser.add_argument("--firms", type=int, default=20_000)
    parser.add_argument("--seeds", default="1,2", help="comma-separated (default 1,2)")
    parser.add_argument("--digests", type=Path, help="write this tree's digests here")
    args = parser.parse_args(argv)
    new = digests(ROOT, args.firms, args.seeds)
    if args.digests:
        args.digests.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
    if not args.base:
        print(f"{len(new)} runs digested")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        tree = checkout(args.base, Path(scratch))
        try:
            old = digests(tree, args.firms, args.seeds)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)])
    changed = differences(new, old)
    files = sum(len(v) for v in new.values())
    print(f"{len(new)} runs, {files} files: {len(changed)} differ from {args.base}")
    for line in changed:
        print(f"  {line}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
