"""Are two versions' outputs the same? Every bundled scenario, two seeds, 20,000 firms.

A refactor must not change what a run writes. This runs every bundled scenario at
20,000 firms with seeds 1 and 2 through `Results.write`, once on the working tree and
once on another commit (checked out into a temporary git worktree), each in a fresh
process, and compares the SHA-256 of every parquet file and of the manifest's
scenario, seed and firm counts. Provenance names the commit, so both sides write with
the commit left out; timings and creation time are not outputs.

A change of floating-point order (a faster sum, a log taken apart) changes the last
bits, not the run: with ``--rtol`` every file must hold the same rows, the same
events in the same order and every text or integer value equal, and each float
within ``atol + rtol·|other|`` of the other side (numpy's ``isclose``; ``atol``
1e-12 by default, for differences of nearly equal numbers such as the gap).

    python benchmarks/identical.py --base 1a2b3c4        # this tree against a commit
    python benchmarks/identical.py --base HEAD~3 --firms 2000 --seeds 1
    python benchmarks/identical.py --base HEAD~1 --rtol 1e-9
    python benchmarks/identical.py --digests out.json    # this tree's digests only

Exits 1 and names every file that differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, sys
from pathlib import Path
import econsim
from econsim import bundled_scenarios, load_scenario, simulate
firms, seeds, out = int(sys.argv[1]), [int(s) for s in sys.argv[2].split(",")], Path(sys.argv[3])
for name in bundled_scenarios():
    for seed in seeds:
        results = simulate(load_scenario(name, {"economy.firms": firms}), seed)
        results.manifest["commit"] = None  # provenance names the commit: leave it out
        run = results.write(out / f"{name}-seed{seed}")
        kept = {k: results.manifest[k] for k in ("scenario", "seed", "firms", "events")}
        (run / "kept.json").write_text(json.dumps(kept))
print(json.dumps({"econsim": econsim.__file__}))
"""


def runs(source: Path, firms: int, seeds: str, out: Path) -> Path:
    """Every scenario's run folder under ``out``, written by the econsim found at ``source``."""
    with tempfile.TemporaryDirectory() as elsewhere:  # not a folder with econsim in it
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(firms), seeds, str(out)],
            cwd=elsewhere,
            env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            text=True,
        )
    where = json.loads(done.stdout.strip().splitlines()[-1])["econsim"]
    if not Path(where).resolve().is_relative_to(source.resolve()):
        raise SystemExit(f"the child imported econsim from {where}, not from {source}")
    return out


def digests(folder: Path) -> dict[str, dict[str, str]]:
    """``{scenario-seed: {file: SHA-256}}`` of the parquet files and the kept manifest."""
    return {
        run.name: {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted([*run.glob("*.parquet"), run / "kept.json"])
        }
        for run in sorted(folder.iterdir())
    }


def checkout(base: str, into: Path) -> Path:
    """``base`` checked out into a temporary worktree under ``into``."""
    tree = into / "base"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree), base],
        check=True,
    )
    return tree


def far_apart(new: Path, old: Path, rtol: float, atol: float) -> str | None:
    """Why two files differ beyond the tolerance (None if they do not)."""
    if new.suffix != ".parquet":
        return None if new.read_bytes() == old.read_bytes() else "differs"
    a, b = pl.read_parquet(new), pl.read_parquet(old)
    if a.schema != b.schema or a.height != b.height:
        return f"shape or columns differ: {a.shape} against {b.shape}"
    for name, dtype in a.schema.items():
        x, y = a[name], b[name]
        if not dtype.is_float():
            if not x.equals(y):
                return f"{name}: values differ"
            continue
        u, v = x.to_numpy(), y.to_numpy()
        if not np.all(np.isclose(u, v, rtol=rtol, atol=atol, equal_nan=True)):
            off = np.abs(u - v)
            with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 where both are 0
                relative = np.nanmax(off / np.abs(v))
            return f"{name}: off by {np.nanmax(off):.2e} (relative {relative:.2e})"
    return None


def differences(
    new: Path, old: Path, a: dict[str, dict[str, str]], rtol: float | None, atol: float
) -> list[str]:
    """``scenario-seed: file`` for every file that differs, is missing, or is too far off.

    ``a`` holds the digests of ``new``, already taken.
    """
    b = digests(old)
    changed = []
    for run in sorted(a.keys() | b.keys()):
        for name in sorted(a.get(run, {}).keys() | b.get(run, {}).keys()):
            if a.get(run, {}).get(name) == b.get(run, {}).get(name):
                continue
            missing = name not in a.get(run, {}) or name not in b.get(run, {})
            if rtol is None or missing:
                changed.append(f"{run}: {name}")
            elif why := far_apart(new / run / name, old / run / name, rtol, atol):
                changed.append(f"{run}: {name}: {why}")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a commit to compare the working tree against")
    parser.add_argument("--firms", type=int, default=20_000)
    parser.add_argument("--seeds", default="1,2", help="comma-separated (default 1,2)")
    parser.add_argument("--rtol", type=float, help="floats may differ by this (default: bytes)")
    parser.add_argument("--atol", type=float, default=1e-12, help="with --rtol (default 1e-12)")
    parser.add_argument("--digests", type=Path, help="write this tree's digests here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        new = runs(ROOT, args.firms, args.seeds, Path(scratch) / "new")
        ran = digests(new)
        if args.digests:
            args.digests.write_text(json.dumps(ran, indent=1, sort_keys=True) + "\n")
        if not args.base:
            print(f"{len(ran)} runs digested")
            return 0
        tree = checkout(args.base, Path(scratch))
        try:
            old = runs(tree, args.firms, args.seeds, Path(scratch) / "old")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)])
        changed = differences(new, old, ran, args.rtol, args.atol)
    files = sum(len(v) for v in ran.values())
    how = "bytes" if args.rtol is None else f"rtol {args.rtol:g}, atol {args.atol:g}"
    print(f"{len(ran)} runs, {files} files ({how}): {len(changed)} differ from {args.base}")
    for line in changed:
        print(f"  {line}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
