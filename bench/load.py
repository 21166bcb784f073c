"""The load generator: wrk (installed from Debian when missing) and the figures it reports.

Each run also measures the CPU that processes outside the benchmark took meanwhile: on a
machine shared with other work, a page can look slow only because something else was
running, and the figure says so.
"""

import os
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def ensure_wrk() -> str:
    if shutil.which("wrk") is None:
        print("Installing wrk (Debian package wrk)")
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], check=True)
            subprocess.run(install, check=True)
    return shutil.which("wrk") or sys.exit("wrk is not installed.")


@dataclass
class WrkRun:
    requests_per_second: float
    p50_ms: float | None  # None: not one request finished within the run
    p99_ms: float | None
    requests: int
    bad_responses: int  # neither 2xx nor 3xx
    socket_errors: int
    other_cpu: float  # share of all CPUs taken by processes outside the benchmark
    output: str


def run_wrk(command: list[str], ours) -> WrkRun:
    """Run wrk; ``ours(processes)`` names the pids that belong to the benchmark."""
    before = CpuState.now()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    after = CpuState.now()
    other = after.other_share(before, ours(after.processes))
    return WrkRun(**parse_wrk(done.stdout), other_cpu=other, output=done.stdout)


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return float(number) * UNITS_MS[unit]


def parse_wrk(output: str) -> dict:
    """Throughput, p50 and p99 from ``wrk --latency``; no latencies when nothing finished."""
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.MULTILINE))
    requests = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return {
        "requests_per_second": float(re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)[1]),
        "p50_ms": _milliseconds(percentiles["50"]) if "50" in percentiles else None,
        "p99_ms": _milliseconds(percentiles["99"]) if "99" in percentiles else None,
        "requests": int(requests[1]),
        "bad_responses": int(bad[1]) if bad else 0,
        "socket_errors": sum(map(int, re.findall(r"\d+", errors[1]))) if errors else 0,
    }


@dataclass
class CpuState:
    """CPU seconds used so far: by the machine, by each process, by our waited-for children."""

    at: float
    busy: float  # all CPUs, idle and I/O wait left out
    children: float  # this process's finished children: wrk
    processes: dict[int, tuple[int, float]]  # pid -> (parent pid, CPU seconds)

    @classmethod
    def now(cls) -> "CpuState":
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(time.monotonic(), _busy(), usage.ru_utime + usage.ru_stime, _processes())

    def other_share(self, before: "CpuState", ours: set[int]) -> float:
        """The share of all CPUs used since ``before`` by anything but ``ours`` and wrk."""
        own = sum(
            self.processes[pid][1] - before.processes.get(pid, (0, 0.0))[1]
            for pid in ours
            if pid in self.processes
        )
        other = self.busy - before.busy - own - (self.children - before.children)
        return max(0.0, other) / ((self.at - before.at) * (os.cpu_count() or 1))


def _busy() -> float:
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields)
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def _processes() -> dict[int, tuple[int, float]]:
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # After the command name in parentheses: state, ppid, ... utime (12th), stime.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        found[int(stat.parent.name)] = (int(fields[1]), seconds)
    return found
