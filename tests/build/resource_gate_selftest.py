"""Self-test of scripts/cuda_resource_gate.py (ctest: cuda_resource_gate_selftest).

Runs the gate around a fake nvcc that prints a given ptxas report and exit status: a clean report
passes silently (the report does not reach the build log, other output does), each limit broken
fails the compile with a line naming the demangled function, and the compiler's own failure keeps
its status.
"""
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

REPO = pathlib.Path(__file__).resolve().parents[2]
GATE = REPO / "scripts" / "cuda_resource_gate.py"


def report(name, stack=0, spills=0, registers=32):
    return textwrap.dedent(f"""\
        ptxas info    : 0 bytes gmem
        ptxas info    : Compiling entry function '{name}' for 'sm_90'
        ptxas info    : Function properties for {name}
            {stack} bytes stack frame, {spills} bytes spill stores, {spills} bytes spill loads
        ptxas info    : Used {registers} registers, used 1 barriers, 380 bytes cmem[0]
        """)


class Gate(unittest.TestCase):
    def run_gate(self, stderr, status=0, args=("-c", "kernels/cuda/x.cu", "-o", "x.o")):
        with tempfile.TemporaryDirectory() as tmp:
            fake = pathlib.Path(tmp) / "nvcc"
            fake.write_text("#!/usr/bin/env python3\nimport sys\n"
                            f"assert ('-Xptxas=-v' in sys.argv) == ('-c' in sys.argv)\n"
                            f"sys.stderr.write({stderr!r})\nsys.exit({status})\n")
            fake.chmod(0o755)
            return subprocess.run([sys.executable, str(GATE), str(fake), *args],
                                  capture_output=True, text=True, env=dict(os.environ))

    def test_clean_report_passes_silently(self):
        r = self.run_gate(report("_Z3fooPf") + "x.cu(3): warning: something else\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "x.cu(3): warning: something else\n")

    def test_each_limit_fails_naming_the_function(self):
        for kwargs, words in [({"spills": 8}, "spills registers (8 B stored, 8 B loaded)"),
                              ({"stack": 48}, "has a 48 B stack frame (limit 32 B)"),
                              ({"registers": 129}, "uses 129 registers (limit 128)")]:
            r = self.run_gate(report("_Z3fooPf", **kwargs))
            self.assertEqual(r.returncode, 1, kwargs)
            self.assertIn(f"kernels/cuda/x.cu: error: foo(float*) {words}", r.stderr)
        self.assertEqual(self.run_gate(report("_Z3fooPf", stack=32, registers=128)).returncode, 0)

    def test_listed_exceptions_pass_within_their_allowance(self):
        cub = "_ZN3cub6detail6kernelEv"  # cub::detail::kernel()
        self.assertEqual(self.run_gate(report(cub, registers=200)).returncode, 0)
        self.assertEqual(self.run_gate(report(cub, spills=8)).returncode, 1)
        random = "_ZN6tessel7kernels8RandomFnIfEclEl"  # tessel::kernels::RandomFn<float>::...
        self.assertEqual(self.run_gate(report(random, stack=40)).returncode, 0)
        self.assertEqual(self.run_gate(report(random, stack=48)).returncode, 1)

    def test_compiler_failure_keeps_its_status(self):
        r = self.run_gate("x.cu(1): error: expected a ';'\n", status=2)
        self.assertEqual(r.returncode, 2)
        self.assertIn("expected a ';'", r.stderr)

    def test_non_compile_steps_are_left_alone(self):
        r = self.run_gate(report("_Z3fooPf", spills=8), args=("-E", "x.cu"))
        self.assertEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
