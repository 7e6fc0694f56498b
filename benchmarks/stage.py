"""Measuring one child process tree: wall time, CPU time, peak RSS and the CPU other
processes used meanwhile (the benchmark machines are shared)."""

import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


class BenchError(Exception):
    """A stage failed; the message names it and where its log is."""


# --- Measuring one child process tree --------------------------------------------------------


@dataclass(slots=True)
class Stage:
    system: str
    name: str
    wall: float = 0.0
    user: float = 0.0
    sys: float = 0.0
    peak_rss: int = 0
    other_cpu: float = 0.0  # core-seconds used by other processes while the stage ran
    # core-seconds the hypervisor gave to other machines while this one wanted to run
    # (/proc/stat "steal"): on a shared host every stage runs slower by about this much
    steal: float = 0.0
    note: str = ""
    skipped: str = ""
    # Which measurement of the stage this is: the pass (ours and Hugo are measured twice, in
    # ABBA order) or, for the incremental stages, the story added (1, 2, …).
    round: int = 1

    @property
    def cpu(self) -> float:
        return self.user + self.sys


def _cpu_seconds() -> tuple[float, float]:
    """(busy CPU time of this machine since boot, all cores; CPU time stolen from it by the
    hypervisor), from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq) / CLOCK_TICKS, steal / CLOCK_TICKS


def _tree_rss(root_pid: int) -> int:
    """Resident bytes of ``root_pid`` and its descendants, read from /proc (Linux; 0 where
    there is no /proc, and ``ru_maxrss`` stands in). Follows ``/proc/PID/task/TID/children``
    rather than scanning every process: ~0.1 ms a poll instead of ~6 ms on a busy machine."""
    total, pending = 0, [root_pid]
    while pending:
        pid = pending.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
            for task in os.scandir(f"/proc/{pid}/task"):
                pending += [int(c) for c in Path(task.path, "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue  # the process ended between two reads
    return total


def measure(stage: Stage, command: Sequence[str], log: Path, cwd: Path = ROOT) -> Stage:
    """Run ``command`` to completion, filling in ``stage``; raise BenchError on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    busy_before, own_before = _cpu_seconds(), os.times()
    started = time.perf_counter()
    with log.open("wb") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            stage.peak_rss = max(stage.peak_rss, _tree_rss(child.pid))
            time.sleep(POLL_SECONDS)
    child.returncode = os.waitstatus_to_exitcode(status)
    stage.wall = time.perf_counter() - started
    own_after = os.times()
    stage.user, stage.sys = usage.ru_utime, usage.ru_stime
    stage.peak_rss = max(stage.peak_rss, usage.ru_maxrss * 1024)
    own = (own_after.user - own_before.user) + (own_after.system - own_before.system)
    busy_after = _cpu_seconds()
    stage.other_cpu = max(0.0, busy_after[0] - busy_before[0] - stage.cpu - own)
    stage.steal = max(0.0, busy_after[1] - busy_before[1])
    if child.returncode != 0:
        tail = log.read_text(errors="replace")[-1500:]
        raise BenchError(f"{stage.system} {stage.name} failed ({child.returncode}); {log}:\n{tail}")
    return stage
