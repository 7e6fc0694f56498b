"""Where the build's time goes: our build once more under cProfile, summarised by stage and
by plugin."""

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.stage import Stage, measure

ROOT = Path(__file__).resolve().parent.parent

PROFILE_CODE = """
import cProfile, sys
from pelican import main
# The default (wall-clock) timer: a CPU-time timer costs a system call per event and
# inflates the profile ~4x; preemption by other processes stretches every function alike.
profile = cProfile.Profile()
sys.argv = ["pelican", *sys.argv[2:]]
profile.enable()
try:
    main()
except SystemExit as exc:
    if exc.code:
        raise
finally:
    profile.disable()
    profile.dump_stats(PROFILE_PATH)
"""

# (label, file suffix, function name): inclusive CPU time of these functions, in this order.
PROFILE_ROWS = (
    ("reading: Pelican readers (all)", "pelican/readers.py", "read_file"),
    ("  of which a new Markdown() per file", "markdown/core.py", "__init__"),
    ("  of which Markdown convert", "markdown/core.py", "convert"),
    ("writing: templates + files (all)", "pelican/writers.py", "write_file"),
    ("  of which Jinja rendering", "jinja2/environment.py", "render"),
    ("feeds (Atom)", "pelican/writers.py", "write_feed"),
    ("article pages", "pelican/generators.py", "generate_articles"),
    ("period archives (year/month/day)", "pelican/generators.py", "generate_period_archives"),
    (
        "direct templates (index, archives, search)",
        "pelican/generators.py",
        "generate_direct_templates",
    ),
    ("URL computation (Content.url)", "pelican/contents.py", "url"),
    (
        "  of which relpath (get_relative_source_path)",
        "pelican/contents.py",
        "get_relative_source_path",
    ),
    ("date formatting (pelican.utils.strftime)", "pelican/utils.py", "strftime"),
)


def profile_build(pelican_command: Sequence[str], path: Path, log: Path) -> Path:
    """``pelican_command`` (``python -m pelican …``) once more, under cProfile, into ``path``."""
    code = PROFILE_CODE.replace("PROFILE_PATH", repr(str(path)))
    command = [sys.executable, "-c", code, *pelican_command[3:]]
    measure(Stage("ours", "profiled build"), command, log)
    return path


def profile_summary(path: Path) -> list[str]:
    """Inclusive time by stage and by plugin, from a profile of the build."""
    import pstats

    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    total = max(ct for (_cc, _nc, _tt, ct, _callers) in stats.values())

    def inclusive(suffix: str, name: str) -> float:
        # The outermost call of a recursive function carries the inclusive time.
        return max(
            (v[3] for (f, _l, n), v in stats.items() if f.endswith(suffix) and n == name),
            default=0.0,
        )

    lines = [f"profile of our build: {total:.1f} s in all under cProfile (inclusive times overlap)"]
    for label, suffix, name in PROFILE_ROWS:
        seconds = inclusive(suffix, name)
        lines.append(f"  {label:<52}{seconds:>8.2f} s {100 * seconds / total:>5.1f}%")
    plugins: dict[str, float] = {}
    for (filename, _line, _name), value in stats.items():
        if filename.startswith(f"{ROOT / 'plugins'}{os.sep}"):
            plugin = Path(filename).relative_to(ROOT / "plugins").parts[0]
            plugins[plugin] = max(plugins.get(plugin, 0.0), value[3])
    for plugin, seconds in sorted(plugins.items(), key=lambda kv: -kv[1]):
        lines.append(f"  plugin {plugin:<45}{seconds:>8.2f} s {100 * seconds / total:>5.1f}%")
    return lines
