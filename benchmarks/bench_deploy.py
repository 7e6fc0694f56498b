"""Publishing by ``git push``: what one more story costs an editor, with the real hook.

    .venv/bin/python -m benchmarks.bench_deploy --n 20000        # = make bench-deploy

One run, on N synthetic stories imported by the real importer (``benchmarks/synth.py``, then
``scripts/import_articles.py``), against a local bare repository with ``deploy/post-receive``
and ``deploy/release.py`` installed as ``deploy/README.md`` says (``deploy.install false``:
the build uses this project's venv):

1. **first push**: the project and N stories, a clean build (nothing to build on);
2. **one story added**: story N+1 imported, committed and pushed: the hook builds over the
   last good build (incremental);
3. **same commit, clean**: ``release.py deploy --clean`` of that commit, which is what every
   push cost before the hook built incrementally.

Each push is a real ``git push`` (the hook runs inside it, so its wall time is what the editor
waits for); CPU time and peak RSS are the push's process tree's. It prints each one with the
hook's own "live: ... (X s)" figure, the build mode it reported, and the ratio of step 2 to
step 3. The two releases of step 2 and 3 must be identical (the hook's tests check that byte
for byte; here their file lists are compared as a sanity check).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks import synth
from benchmarks.bench_pipeline import import_command
from benchmarks.stage import ROOT, BenchError, Stage, measure

PROJECT = (
    "pelicanconf.py", "publishconf.py", "Makefile", "pyproject.toml", ".gitignore", "theme",
    "plugins", "newsarchive", "scripts",
)
IDENTITY = ["-c", "user.name=Bench", "-c", "user.email=bench@example.invalid",
            "-c", "commit.gpgsign=false"]
LIVE = re.compile(
    r"deploy: live: .* \(([\d.]+) s(?:: build ([\d.]+), copy ([\d.]+); (\d+) files copied, "
    r"(\d+) shared with the previous release)?\)"
)
MODE = re.compile(r"deploy: building \S+ into \S+ \((.*)\)")


def git_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def run_git(*args: str | Path, cwd: Path) -> None:
    done = subprocess.run(["git", *IDENTITY, *map(str, args)], cwd=cwd, env=git_env(),
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise BenchError(f"git {' '.join(map(str, args))}: {done.stderr.strip()}")


def set_up(root: Path) -> tuple[Path, Path]:
    """The bare repository with the hook, and an editor's clone with the project in it."""
    bare, work = hooked_repository(root)
    copy_project(work)
    return bare, work


def hooked_repository(root: Path) -> tuple[Path, Path]:
    """``root/archive.git`` with the hook installed and configured as deploy/README.md says
    (web root ``root/www/archive``; the build uses this interpreter's venv, never installs),
    and an editor's empty clone ``root/work`` (tests/test_publish.py uses it too)."""
    bare, work = root / "archive.git", root / "work"
    run_git("init", "--quiet", "--bare", "--initial-branch=main", bare, cwd=root)
    for name in ("post-receive", "release.py"):
        shutil.copy2(ROOT / "deploy" / name, bare / "hooks" / name)
    for key, value in {
        "deploy.webroot": str(root / "www" / "archive"),
        "deploy.venv": str(Path(sys.executable).parent.parent),
        "deploy.install": "false",
        "deploy.siteurl": "https://archive.example.test",
    }.items():
        run_git("config", key, value, cwd=bare)
    run_git("clone", "--quiet", bare, work, cwd=root)
    return bare, work


def copy_project(work: Path) -> None:
    """What an editor's clone of the project holds (tests/test_publish.py uses it too)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in PROJECT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=ignore)
        else:
            shutil.copy2(source, work / name)


def import_stories(root: Path, work: Path, n: int, start: int, name: str) -> None:
    inputs = root / f"inputs-{name}"
    synth.write_corpus(inputs, n, mode="text", start=start)
    stage = measure(Stage("deploy", f"import {name}"),
                    import_command(work / "content", root / f"{name}.jsonl", inputs),
                    root / "logs" / f"import-{name}.log")
    print(f"  import ({name}): {stage.wall:.1f} s", flush=True)


def push(root: Path, work: Path, message: str, name: str) -> tuple[Stage, str, str]:
    run_git("add", "--all", cwd=work)
    run_git("commit", "--quiet", "-m", message, cwd=work)
    return _hook_stage(Stage("deploy", name), ["git", *IDENTITY, "push", "--quiet", "origin",
                                               "HEAD:main"], root / "logs" / f"{name}.log", work)


def _hook_stage(stage: Stage, command: list[str], log: Path, cwd: Path) -> tuple[Stage, str, str]:
    measure(stage, command, log, cwd=cwd)
    text = log.read_text(encoding="utf-8", errors="replace")
    live, mode = LIVE.search(text), MODE.search(text)
    if live is None or mode is None:
        raise BenchError(f"{stage.name}: the hook published nothing; see {log}")
    figure = f"{live[1]} s" + (
        f" (build {live[2]}, copy {live[3]}: {live[4]} files copied, {live[5]} linked)"
        if live[2]
        else ""
    )
    return stage, figure, mode[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="stories in the archive")
    parser.add_argument("--workdir", type=Path, help="keep everything here (default: a temp dir)")
    args = parser.parse_args(argv)
    root = args.workdir or Path(tempfile.mkdtemp(prefix="newsarchive-deploy-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        print(f"bench_deploy: {args.n} stories in {root}", flush=True)
        bare, work = set_up(root)
        import_stories(root, work, args.n, 0, "archive")
        rows = [push(root, work, f"{args.n} stories", "first push")]
        import_stories(root, work, 1, args.n, "one-more")
        rows.append(push(root, work, "One more story", "one story added"))
        clean = _hook_stage(
            Stage("deploy", "same commit, clean"),
            [sys.executable, str(bare / "hooks" / "release.py"), "--git-dir", str(bare),
             "deploy", "--clean", "main"],
            root / "logs" / "clean.log", work,
        )
        rows.append(clean)
    except BenchError as exc:
        print(f"bench_deploy: {exc}", file=sys.stderr)
        return 1
    releases = sorted(p for p in (root / "archive-deploy" / "releases").iterdir() if p.is_dir())
    same = sorted(p.relative_to(releases[-2]) for p in releases[-2].rglob("*")) == sorted(
        p.relative_to(releases[-1]) for p in releases[-1].rglob("*")
    )
    print(f"\npublishing by git push, {args.n} stories (wall s / CPU s / peak RSS MB; hook's "
          "own figure; build mode)")
    for stage, live, mode in rows:
        print(f"  {stage.name:20s} {stage.wall:7.1f} / {stage.cpu:7.1f} / "
              f"{stage.peak_rss / 2**20:7.0f}   hook {live}   {mode}")
    print(f"  one story added / same commit clean: {rows[1][0].wall / rows[2][0].wall:.2f} "
          f"by wall, {rows[1][0].cpu / rows[2][0].cpu:.2f} by CPU")
    print(f"  incremental and clean releases have the same files: {same}")
    if args.workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
