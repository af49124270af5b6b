#!/usr/bin/env python3
"""Compiler launcher for nvcc: runs the compile with ptxas's resource report (-Xptxas=-v) and fails
it when a kernel or device function spills registers, keeps a stack frame over 32 bytes, or uses
more than 128 registers; everything else nvcc prints passes through, the report itself does not.

CMake calls it as CMAKE_CUDA_COMPILER_LAUNCHER: `cuda_resource_gate.py nvcc ARGS...`. The limits
are where a kernel starts to lose occupancy or go through local memory on sm_90; see
docs/ARCHITECTURE.md. A compile that fails for its own reasons keeps its exit status.
"""
import re
import subprocess
import sys

MAX_REGISTERS = 128
MAX_STACK = 32

# Functions allowed past a limit, matched against the demangled name, each with its reason.
# (pattern, limit, most allowed, why)
EXCEPTIONS = [
    (re.compile(r"^(void )?(cub|thrust)::"), "registers", None,
     "CUB's and Thrust's kernels are tuned for their register use by their authors"),
    (re.compile(r"RandomFn<"), "stack", 40,
     "double sin and cos keep a 40 B array for reducing huge arguments (Payne-Hanek); "
     "Box-Muller's angle is below 2 pi, so it is never touched"),
]

ENTRY = re.compile(r"ptxas info\s*: Compiling entry function '([^']+)'")
PROPERTIES = re.compile(r"ptxas info\s*: Function properties for (\S+)")
FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
USED = re.compile(r"ptxas info\s*: Used (\d+) registers")
REPORT = re.compile(r"^(ptxas info\s*:|\s+\d+ bytes stack frame)")


def demangle(names):
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True,
                             check=True).stdout.splitlines()
        return out if len(out) == len(names) else names
    except (OSError, subprocess.CalledProcessError):
        return names


def violations(report):
    """(function, limit, amount, problem) for each limit a function of ptxas's -v report breaks."""
    found, current = [], None
    for line in report.splitlines():
        m = ENTRY.search(line) or PROPERTIES.search(line)
        if m:
            current = m.group(1)
            continue
        m = FRAME.search(line)
        if m and current:
            stack, stores, loads = (int(g) for g in m.groups())
            if stores or loads:
                found.append((current, "spills", stores + loads,
                              f"spills registers ({stores} B stored, {loads} B loaded)"))
            if stack > MAX_STACK:
                found.append((current, "stack", stack,
                              f"has a {stack} B stack frame (limit {MAX_STACK} B)"))
            continue
        m = USED.search(line)
        if m and current and int(m.group(1)) > MAX_REGISTERS:
            found.append((current, "registers", int(m.group(1)),
                          f"uses {m.group(1)} registers (limit {MAX_REGISTERS})"))
    return found


def excused(name, limit, amount):
    return any(pattern.search(name) and limit == kind and (most is None or amount <= most)
               for pattern, kind, most, _ in EXCEPTIONS)


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: cuda_resource_gate.py NVCC [ARGS...]")
    command = argv[1:]
    compiles_device_code = "-c" in command and not any(a in ("-E", "-M", "-MM") for a in command)
    if compiles_device_code:
        command = command + ["-Xptxas=-v"]
    run = subprocess.run(command, capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    # ptxas writes its report on stderr; pass on everything that is not part of it.
    sys.stderr.write("".join(line for line in run.stderr.splitlines(keepends=True)
                             if not REPORT.match(line)))
    if run.returncode != 0 or not compiles_device_code:
        return run.returncode
    found = violations(run.stderr)
    names = demangle([f for f, *_ in found])
    found = [(name, problem) for name, (_, limit, amount, problem) in zip(names, found)
             if not excused(name, limit, amount)]
    if not found:
        return 0
    source = next((a for a in reversed(argv) if a.endswith(".cu")), "a CUDA source")
    for name, problem in found:
        sys.stderr.write(f"{source}: error: {name} {problem}\n")
    sys.stderr.write(f"{source}: error: kernel resources over the limits of "
                     f"scripts/cuda_resource_gate.py\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
