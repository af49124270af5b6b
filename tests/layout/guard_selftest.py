"""Self-test of scripts/check_layout.py (ctest: layout_guard_selftest).

Builds a small synthetic tree that is laid out right (one family in all six places, one composed
family declaring "// No kernels:", one without a header, every layer including only below it) and
checks that the guard passes on it silently, then that each injected defect fails it with lines
that all name the family or file at fault. A last case copies the repository's own source folders
and checks that injected defects add exactly their lines to whatever the guard reports there.
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = pathlib.Path(__file__).resolve().parents[2]
GUARD = REPO / "scripts" / "check_layout.py"

GOOD = {
    "core/dtype.h": '#pragma once\n#include "core/half.h"\n',
    "core/half.h": "#pragma once\n#include <cstdint>\n",
    "kernels/upsample.h": '#pragma once\n#include "core/dtype.h"\n'
                          '#include "kernels/common/philox.h"\n',
    "kernels/upsample_math.h": '#pragma once\n#include "core/half.h"\n',
    "kernels/common/philox.h": '#pragma once\n#include "core/dtype.h"\n',
    "kernels/cpu/upsample.cpp": '#include "kernels/upsample.h"\n'
                                '#include "kernels/cpu/parallel.h"\n',
    "kernels/cpu/parallel.h": "#pragma once\n",
    "kernels/cuda/upsample.cu": '#include "kernels/upsample.h"\n'
                                '#include "kernels/cuda/launch.cuh"\n',
    "kernels/cuda/launch.cuh": "#pragma once\n// Blocks: a few per SM (the count from the context).\n"
                               "inline int grid(int sms) { return sms * 4; }\n",
    "engine/tensor.h": '#pragma once\n#include "core/dtype.h"\n',
    "engine/tensor.cpp": '#include "engine/tensor.h"\n#include "engine/ops/upsample.h"\n',
    "engine/ops.h": '#pragma once\n#include "engine/ops/focal.h"\n'
                    '#include "engine/ops/upsample.h"\n',
    "engine/ops/upsample.h": '// Bilinear upsampling.\n#pragma once\n#include "engine/tensor.h"\n',
    "engine/ops/upsample.cpp": '#include "engine/ops/upsample.h"\n#include "kernels/upsample.h"\n',
    "engine/ops/focal.h": "// Sigmoid focal loss.\n// No kernels: composed of elementwise ops.\n"
                          '#pragma once\n#include "engine/tensor.h"\n',
    "engine/ops/focal.cpp": '#include "engine/ops/focal.h"\n',
    "engine/ops/view.cpp": "// No header: declared as Tensor methods in engine/tensor.h.\n"
                           "// No kernels: views move no data.\n// No bench: views move no data.\n"
                           '#include "engine/tensor.h"\n',
    "nn/module.h": '#pragma once\n#include "engine/ops.h"\n#include "core/dtype.h"\n',
    "data/loader.h": '#pragma once\n#include "engine/tensor.h"\n#include <thread>\n',
    "models/net.h": '#pragma once\n#include "nn/module.h"\n',
    "train/trainer.h": '#pragma once\n#include "models/net.h"\n#include "data/loader.h"\n',
    "tools/train.cpp": '#include "train/trainer.h"\n#include "kernels/upsample.h"\n',
    "tests/engine/upsample_test.cpp": '#include "engine/ops.h"\n',
    "tests/engine/focal_test.cpp": '#include "engine/ops.h"\n',
    "tests/engine/view_test.cpp": '#include "engine/ops.h"\n',
    "bench/upsample_bench.cpp": '#include "engine/ops.h"\n',
    "bench/focal_bench.cpp": '#include "engine/ops.h"\n',
}


def guard(root):
    r = subprocess.run([sys.executable, str(GUARD), "--root", str(root)], capture_output=True,
                       text=True)
    return r.returncode, r.stdout.splitlines(), r.stderr


def write(root, files):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def append(root, rel, text):
    write(root, {rel: (root / rel).read_text() + text})


class Guard(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.tmp.name)
        write(self.root, GOOD)

    def tearDown(self):
        self.tmp.cleanup()

    def expect_defect(self, culprit, *needles, lines=None):
        """The guard fails; every line names `culprit`, and some line holds each of `needles`."""
        rc, out, err = guard(self.root)
        self.assertEqual(rc, 1, f"guard passed a defect ({culprit}); stderr: {err}")
        self.assertTrue(out, "no defect printed")
        for line in out:
            self.assertIn(culprit, line, f"a line not about {culprit}: {out}")
        for needle in needles:
            self.assertTrue(any(needle in line for line in out), f"{needle!r} not in {out}")
        if lines is not None:
            self.assertEqual(len(out), lines, out)

    def test_good_tree_passes_silently(self):
        self.assertEqual(guard(self.root), (0, [], ""))

    def test_missing_bench(self):
        (self.root / "bench/upsample_bench.cpp").unlink()
        self.expect_defect("family 'upsample'", "missing bench/upsample_bench.cpp",
                           '"// No bench: <reason>" in engine/ops/upsample.h', lines=1)

    def test_missing_test(self):
        (self.root / "tests/engine/focal_test.cpp").unlink()
        self.expect_defect("family 'focal'", "missing tests/engine/focal_test.cpp", lines=1)

    def test_missing_header_of_a_family_named_by_kernels(self):
        (self.root / "engine/ops/upsample.h").unlink()
        self.expect_defect("family 'upsample'", "missing engine/ops/upsample.h", lines=1)

    def test_math_header_makes_a_family(self):
        write(self.root, {"kernels/lovasz_math.h": '#pragma once\n#include "core/half.h"\n'})
        self.expect_defect("family 'lovasz'", "missing kernels/lovasz.h",
                           "missing engine/ops/lovasz.cpp", lines=7)

    def test_empty_reason(self):
        text = (self.root / "engine/ops/focal.h").read_text()
        text = text.replace("// No kernels: composed of elementwise ops.", "// No kernels:   ")
        write(self.root, {"engine/ops/focal.h": text})
        self.expect_defect("family 'focal'",
                           'empty reason in "// No kernels:" in engine/ops/focal.h',
                           "missing kernels/focal.h", "missing kernels/cpu/focal.cpp",
                           "missing kernels/cuda/focal.cu", lines=4)

    def test_reason_in_cpp_counts_only_without_header(self):
        write(self.root, {"engine/ops/view.h": "#pragma once\n"})
        self.expect_defect("family 'view'", "missing kernels/view.h",
                           "missing bench/view_bench.cpp", lines=4)

    def test_kernels_header_including_engine(self):
        append(self.root, "kernels/upsample.h", '#include "engine/tensor.h"\n')
        self.expect_defect("kernels/upsample.h", "kernels/upsample.h includes engine/tensor.h: "
                           "kernels/ may include only core/, kernels/", lines=1)

    def test_core_including_kernels(self):
        append(self.root, "core/dtype.h", '#include "kernels/upsample.h"\n')
        self.expect_defect("core/dtype.h", "core/dtype.h includes kernels/upsample.h: core/ may "
                           "include only core/", lines=1)

    def test_nn_including_kernels(self):
        append(self.root, "nn/module.h", '#include "kernels/upsample.h"\n')
        self.expect_defect("nn/module.h", "includes kernels/upsample.h", lines=1)

    def test_models_including_train(self):
        append(self.root, "models/net.h", '#include "train/trainer.h"\n')
        self.expect_defect("models/net.h", "includes train/trainer.h", lines=1)

    def test_tools_including_tests(self):
        append(self.root, "tools/train.cpp", '#include "tests/op_harness.h"\n')
        self.expect_defect("tools/train.cpp", "includes tests/op_harness.h", lines=1)

    def test_engine_including_the_umbrella(self):
        append(self.root, "engine/tensor.cpp", '#include "engine/ops.h"\n')
        self.expect_defect("engine/tensor.cpp", "engine/tensor.cpp includes engine/ops.h", lines=1)

    def test_orphan_kernel_source(self):
        write(self.root, {"kernels/cpu/foo.cpp": '#include "kernels/upsample.h"\n'})
        self.expect_defect("kernels/cpu/foo.cpp", "no kernels/foo.h", lines=1)

    def test_part_of_a_family_belongs_to_it(self):
        write(self.root, {"kernels/cpu/upsample_direct.cpp": '#include "kernels/upsample.h"\n'})
        self.assertEqual(guard(self.root), (0, [], ""))
        write(self.root, {"kernels/cpu/resample_direct.cpp": '#include "kernels/upsample.h"\n'})
        self.expect_defect("kernels/cpu/resample_direct.cpp", "no kernels/resample_direct.h",
                           lines=1)

    def test_sm_count_constant(self):
        append(self.root, "kernels/cuda/launch.cuh", "inline int blocks() { return 132 * 4; }\n")
        self.expect_defect("kernels/cuda/launch.cuh", "kernels/cuda/launch.cuh:4:",
                           "the SM count comes from the kernel context", lines=1)

    def test_op_header_naming_a_kernel_type(self):
        append(self.root, "engine/ops/upsample.h", '#include "kernels/upsample.h"\n')
        self.expect_defect("engine/ops/upsample.h", "includes kernels/upsample.h: an op header "
                           "names no kernel types", lines=1)

    def test_second_node_mechanism(self):
        append(self.root, "engine/ops/upsample.cpp", "struct UpsampleBackward : Node {};\n")
        self.expect_defect("engine/ops/upsample.cpp", "engine/ops/upsample.cpp:3: a second kind "
                           "of autograd node", lines=1)


class RealTree(unittest.TestCase):
    """On a copy of the repository's sources (whatever the guard finds there today), injected
    defects add exactly their own lines."""

    FOLDERS = ["core", "kernels", "engine", "nn", "data", "models", "train", "tools",
               "tests/engine", "bench"]

    def test_injected_defects_are_reported(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            for folder in self.FOLDERS:
                if (REPO / folder).is_dir():
                    shutil.copytree(REPO / folder, root / folder)
            _, before, _ = guard(root)
            (root / "bench/focal_bench.cpp").unlink()
            write(root, {"kernels/cpu/foo.cpp": "\n"})
            append(root, "engine/tensor.cpp", '#include "engine/ops.h"\n')
            rc, after, _ = guard(root)
            self.assertEqual(rc, 1)
            added = sorted(set(after) - set(before))
            self.assertEqual(len(added), 3, added)
            for needle in ("family 'focal': missing bench/focal_bench.cpp", "kernels/cpu/foo.cpp",
                           "engine/tensor.cpp includes engine/ops.h"):
                self.assertTrue(any(needle in line for line in added), f"{needle!r} not in {added}")
            self.assertEqual(set(before) - set(after), set())


if __name__ == "__main__":
    unittest.main()
