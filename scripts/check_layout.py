#!/usr/bin/env python3
"""The layout guard: every op family in its six places, and each layer including only below it.

  python3 scripts/check_layout.py [--root DIR]

Exits 0 silently when the layout is right; otherwise prints one line per defect and exits 1.

1. Families are the stems of engine/ops/*.h, engine/ops/*.cpp and kernels/*.h, where
   kernels/X_math.h belongs to family X. kernels/common/ holds helpers shared by families, not
   families.
2. Family X has engine/ops/X.h and .cpp, kernels/X.h, kernels/cpu/X.cpp, kernels/cuda/X.cu,
   tests/engine/X_test.cpp and bench/X_bench.cpp, unless engine/ops/X.h (engine/ops/X.cpp when
   there is no header) declares why not with a line "// No kernels: <reason>" (the three kernel
   files), "// No header: <reason>", "// No test: <reason>" or "// No bench: <reason>".
3. Every kernels/cpu/*.cpp and kernels/cuda/*.cu belongs to a family with kernels/X.h: X.cpp, or
   X_<part>.cpp where a family splits one backend (headers in cpu/ and cuda/ are backend
   helpers).
4. A file includes ("L/...") only its own layer and those below it (DESIGN.md); absent layers are
   skipped. Above the engine only the engine's op API is an interface: no kernels/.
5. Nothing under engine/ includes engine/ops.h, the users' umbrella.
6. No SM count baked into kernels/cuda/ (the literal 132): it comes from the kernel context.
7. The op API names no kernel types: engine/ops/*.h include nothing from kernels/.
8. One autograd mechanism: no Node subclasses or FunctionNode anywhere in engine/ (a node is
   edges plus a rule, engine/autograd.h).
"""
import argparse
import pathlib
import re
import sys

ALLOWED = {  # layer -> the layers its files may include
    "core": ["core"],
    "kernels": ["core", "kernels"],
    "engine": ["core", "kernels", "engine"],
    "dist": ["core", "engine", "dist"],
    "nn": ["core", "engine", "dist", "nn"],
    "data": ["core", "engine", "data"],
    "models": ["core", "engine", "nn", "models"],
    "train": ["core", "engine", "dist", "nn", "data", "models", "train"],
    "deploy": ["core", "engine", "nn", "models", "deploy"],
    "tools": ["core", "kernels", "engine", "dist", "nn", "data", "models", "train", "deploy",
              "tools"],
    "fuzz": ["core", "engine", "dist", "nn", "data", "models", "train", "fuzz"],
}
INCLUDABLE = set(ALLOWED) | {"tests", "bench"}  # top folders an include is checked against
SOURCES = {".h", ".hpp", ".cpp", ".cc", ".cu", ".cuh"}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
REASON = re.compile(r"^[ \t]*//[ \t]*No (kernels|header|test|bench):(.*)$", re.M)
SM_COUNT = re.compile(r"\b132\b")


def stems(folder, *suffixes):
    return {p.stem for s in suffixes for p in folder.glob("*" + s) if p.is_file()}


def families(root):
    ops, kernels = root / "engine" / "ops", root / "kernels"
    kernel_families = {s.removesuffix("_math") for s in stems(kernels, ".h")}
    return sorted(stems(ops, ".h", ".cpp") | kernel_families)


def check_family(root, x):
    ops = root / "engine" / "ops"
    declared_in = ops / f"{x}.h" if (ops / f"{x}.h").exists() else ops / f"{x}.cpp"
    where = declared_in.relative_to(root).as_posix()
    text = declared_in.read_text(errors="replace") if declared_in.exists() else ""
    excused, out = set(), []
    for kind, reason in REASON.findall(text):
        if reason.strip():
            excused.add(kind)
        else:
            out.append(f'family {x!r}: empty reason in "// No {kind}:" in {where}')
    required = [("header", f"engine/ops/{x}.h"), (None, f"engine/ops/{x}.cpp"),
                ("kernels", f"kernels/{x}.h"), ("kernels", f"kernels/cpu/{x}.cpp"),
                ("kernels", f"kernels/cuda/{x}.cu"), ("test", f"tests/engine/{x}_test.cpp"),
                ("bench", f"bench/{x}_bench.cpp")]
    for kind, path in required:
        if kind in excused or (root / path).exists():
            continue
        hint = f'declare "// No {kind}: <reason>" in {where} if it has none' if kind else \
            "every family has its op and backward there"
        out.append(f"family {x!r}: missing {path} ({hint})")
    return out


def check_kernel_sources(root):
    out = []
    for backend, suffix in (("cpu", ".cpp"), ("cuda", ".cu")):
        for src in sorted((root / "kernels" / backend).glob("*" + suffix)):
            # A family may split a backend over X.cpp and X_<part>.cpp (conv's im2col and direct
            # paths): X_<part> belongs to X where kernels/X.h exists.
            parts = src.stem.split("_")
            owners = ["_".join(parts[:i]) for i in range(len(parts), 0, -1)]
            if not any((root / "kernels" / f"{o}.h").exists() for o in owners):
                out.append(f"kernels/{backend}/{src.name}: no kernels/{src.stem}.h, so it belongs "
                           "to no family (helpers shared by families go in kernels/common/)")
    return out


def check_includes(root):
    out = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((root / layer).rglob("*")):
            if path.suffix not in SOURCES or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            for inc in INCLUDE.findall(path.read_text(errors="replace")):
                top = inc.split("/", 1)[0]
                if "/" in inc and top in INCLUDABLE and top not in allowed:
                    may = ", ".join(f"{a}/" for a in allowed)
                    out.append(f"{rel} includes {inc}: {layer}/ may include only {may}")
                elif rel.startswith("engine/ops/") and path.suffix == ".h" and top == "kernels":
                    out.append(f"{rel} includes {inc}: an op header names no kernel types "
                               "(declare the op's own, and convert in its .cpp)")
                elif layer == "engine" and inc == "engine/ops.h":
                    out.append(f"{rel} includes engine/ops.h: inside engine/ include the op "
                               "headers used (engine/ops.h is the users' umbrella)")
    return out


def check_sm_count(root):
    out = []
    for path in sorted((root / "kernels" / "cuda").glob("*")):
        if path.suffix not in (".cu", ".cuh"):
            continue
        for no, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if SM_COUNT.search(line):
                out.append(f"{path.relative_to(root).as_posix()}:{no}: constant SM count 132: "
                           "the SM count comes from the kernel context")
    return out


SECOND_NODE = re.compile(r"\bFunctionNode\b|:\s*(?:public\s+)?Node\b")


def check_one_node_type(root):
    out = []
    for path in sorted((root / "engine").rglob("*")):
        if path.suffix not in SOURCES or not path.is_file():
            continue
        for no, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if SECOND_NODE.search(line.split("//", 1)[0]):
                out.append(f"{path.relative_to(root).as_posix()}:{no}: a second kind of autograd "
                           "node: record() a Node and give it a rule (engine/autograd.h)")
    return out


def check(root):
    defects = []
    for x in families(root):
        defects += check_family(root, x)
    return (defects + check_kernel_sources(root) + check_includes(root) + check_sm_count(root) +
            check_one_node_type(root))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=pathlib.Path,
                    default=pathlib.Path(__file__).resolve().parent.parent)
    args = ap.parse_args(argv)
    if not args.root.is_dir():
        ap.error(f"--root {args.root} is not a directory")
    defects = check(args.root)
    for d in defects:
        print(d)
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
