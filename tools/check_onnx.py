#!/usr/bin/env python3
"""Proof that an exported ONNX graph computes what Tessel computes.

  check_onnx.py [--tools-dir DIR] [--models NAME,...] [--weights CKPT ...] [--image FILE ...]
                [--opset K] [--runtime onnxruntime|openvino] [--quick] [--table FILE]

For each model (default: every registered one, `tessel-export --list-models`, with fresh
weights and its auxiliary head on where it has one; and each checkpoint given with --weights)
and each case (batch and input size, on random values; then each --image, default scikit-image's
astronaut photograph when scikit-image is installed, at the first case's size; --quick: one small
case), runs `tessel-export --reference`, then checks the ONNX file with onnx.checker (full check)
and runs it with onnxruntime's CPU provider (or OpenVINO's CPU plugin), comparing every output ('out', 'aux') with Tessel's:
the max absolute difference and the max relative error (|ort - tessel| / max |tessel|), which
must be <= 1e-4. So must the same model exported with --fold-bn --dynamic, traced at batch 1
and another size (DYNAMIC_TRACE) and run at the case's batch and size, and that export with
--fp16 too (f16 weights) against the one without with its weights rounded to f16 here; how far
--fp16 is from Tessel is reported, not bounded (rounding the weights of a network with fresh
weights can change its output by tens of percent: ENet's). The label head (--labels u8) must
give Tessel's labels except where Tessel's top two logits are within 1e-6 of each other. A model
that takes only multiples of 16 or 32 is checked at the second case's fallback size instead.
Prints a Markdown table (also to --table FILE).

Needs numpy, onnx and onnxruntime (pip). Without them it exits 77, which ctest counts as
skipped; with $TESSEL_ONNX_PYTHON naming an interpreter that has them, it runs under that one.
"""
import argparse
import json
import os
import pathlib
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx
    import onnx.numpy_helper
    import onnxruntime as ort
except ImportError as missing:
    python = os.environ.pop("TESSEL_ONNX_PYTHON", None)  # popped: tried once
    if python:
        os.execv(python, [python] + sys.argv)
    print(f"check_onnx.py: skipped, {missing} (pip install numpy onnx onnxruntime)")
    sys.exit(77)

RUNTIME = "onnxruntime"  # or "openvino" (--runtime)
REL_TOL = 1e-4
TIE = 1e-6
# batch, WxH, and the WxH for models that take only multiples of 16 or 32: the second case's
# first size is not a multiple of 32.
CASES = [(1, "128x96", None), (3, "100x75", "96x64")]
QUICK = [(2, "96x64", None)]
DYNAMIC_TRACE = "160x96"  # where the --dynamic exports are traced: no case's size
DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "U8": np.uint8}


def read_safetensors(path):
    data = pathlib.Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        out[name] = np.frombuffer(body[lo:hi], DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


def export(tool, source, batch, size, out, extra=()):
    """`source`: the tool's flags that pick the model (and the input)."""
    ref = out.with_suffix(".safetensors")
    cmd = [tool, *source, "--batch", str(batch), "--size", size, "--out", str(out),
           "--reference", str(ref), *extra]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return read_safetensors(ref)


def run(path, x, model=None):
    """`path`'s outputs on x (or those of `model`, the loaded file changed)."""
    model = model or onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    if RUNTIME == "openvino":
        import openvino
        changed = path.with_name("openvino.onnx")
        onnx.save(model, str(changed))
        # f32 arithmetic: on CPUs with bf16 units OpenVINO would otherwise infer in bf16.
        compiled = openvino.Core().compile_model(str(changed), "CPU",
                                                 {"INFERENCE_PRECISION_HINT": "f32"})
        result = compiled({"input": x})
        return {o.get_any_name(): result[o] for o in compiled.outputs}
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {"input": x})))


def rel_error(got, ref):
    """The max absolute difference and max relative error over the outputs."""
    abs_err, rel_err = 0.0, 0.0
    for name, want in ref.items():
        if name == "input":
            continue
        diff = float(np.max(np.abs(got[name].astype(np.float64) - want)))
        abs_err = max(abs_err, diff)
        rel_err = max(rel_err, diff / max(float(np.max(np.abs(want))), 1e-12))
    return abs_err, rel_err


def check_case(tool, source, batch, size, work):
    """One row's numbers: errors of the plain, the folded and dynamic, and the f16 export, and
    the label mismatches."""
    path = work / "model.onnx"
    ref = export(tool, source, batch, size, path)
    x = ref["input"]
    abs_err, rel_err = rel_error(run(path, x), ref)
    model_only = [f for i, f in enumerate(source)
                  if f != "--image" and (i == 0 or source[i - 1] != "--image")]
    export(tool, model_only, 1, DYNAMIC_TRACE, path, ["--fold-bn", "--dynamic"])
    _, folded_err = rel_error(run(path, x), ref)
    rounded = onnx.load(str(path))
    for t in rounded.graph.initializer:
        values = onnx.numpy_helper.to_array(t)
        if values.dtype == np.float32:
            t.CopyFrom(onnx.numpy_helper.from_array(values.astype(np.float16).astype(np.float32),
                                                    t.name))
    rounded_out = dict(run(path, x, rounded), input=x)
    export(tool, model_only, 1, DYNAMIC_TRACE, path, ["--fold-bn", "--dynamic", "--fp16"])
    f16_out = run(path, x)
    _, f16_rounded_err = rel_error(f16_out, rounded_out)
    _, f16_err = rel_error(f16_out, ref)
    export(tool, source, batch, size, path, ["--labels", "u8"])
    labels = run(path, x)["labels"]
    logits = ref["out"]
    top2 = np.sort(logits, axis=1)[:, -2:]
    tied = (top2[:, 1] - top2[:, 0]) < TIE
    wrong = int(np.sum((labels != np.argmax(logits, axis=1)) & ~tied))
    ok = max(rel_err, folded_err, f16_rounded_err) <= REL_TOL and wrong == 0
    return f"{abs_err:.2e} | {rel_err:.2e} | {folded_err:.2e} | {f16_rounded_err:.2e} | " \
           f"{f16_err:.2e} | {wrong}", ok


def aux_flag(tool, model, work):
    """["--aux"] where the model has an auxiliary head to export, else []."""
    probe = subprocess.run([tool, "--model", model, "--aux", "--size", "64x64", "--out",
                            str(work / "aux.onnx")], capture_output=True, text=True)
    return ["--aux"] if probe.returncode == 0 else []


def default_images(work):
    """A real photograph: scikit-image's astronaut (public domain, NASA), when installed."""
    try:
        import skimage.data
        import skimage.io
    except ImportError:
        print("check_onnx.py: no scikit-image, so no real image unless --image is given")
        return []
    path = work / "astronaut.png"
    skimage.io.imsave(path, skimage.data.astronaut(), check_contrast=False)
    return [str(path)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--tools-dir", default="build/tools")
    ap.add_argument("--models", help="comma separated (default: every registered model)")
    ap.add_argument("--weights", action="append", default=[],
                    help="also a checkpoint (repeatable); the model is the one it names")
    ap.add_argument("--image", action="append", default=[],
                    help="also a real input (repeatable; default: scikit-image's astronaut)")
    ap.add_argument("--opset", type=int, default=17, help="exported at this opset (default: 17)")
    ap.add_argument("--runtime", choices=["onnxruntime", "openvino"], default="onnxruntime",
                    help="run the graphs in onnxruntime's CPU provider (default) or OpenVINO's "
                         "CPU plugin (pip install openvino)")
    ap.add_argument("--quick", action="store_true", help="one small case per model")
    ap.add_argument("--table", help="also write the table to this file")
    args = ap.parse_args()
    global RUNTIME
    RUNTIME = args.runtime
    tool = str(pathlib.Path(args.tools_dir) / "tessel-export")
    listed = subprocess.run([tool, "--list-models"], check=True, capture_output=True, text=True)
    models = args.models.split(",") if args.models else listed.stdout.split()
    opset = ["--opset", str(args.opset)]
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        images = args.image or default_images(work)
        sources = [(m, ["--model", m, "--classes", "7", *opset, *aux_flag(tool, m, work)])
                   for m in models]
        sources += [(w, ["--weights", w, *opset]) for w in args.weights]
        cases = [(*c, None) for c in (QUICK if args.quick else CASES)]
        cases += [(1, cases[0][1], "96x64", image) for image in images]
        runtime = f"onnxruntime {ort.__version__}, CPU provider"
        if RUNTIME == "openvino":
            import openvino
            runtime = f"OpenVINO {openvino.__version__}, CPU plugin, f32 inference precision"
        lines = [f"{runtime}, onnx {onnx.__version__}, opset {args.opset}; relative error: "
                 "max |runtime - tessel| / max |tessel| over every "
                 "output ('out', and 'aux' where the model has it: +aux)", "",
                 "| model | input | batch | WxH | max abs diff | max rel error | rel error, "
                 f"--fold-bn --dynamic (traced at batch 1, {DYNAMIC_TRACE}) | the same + --fp16 "
                 "vs its weights rounded to f16 | the same + --fp16 vs Tessel | label errors "
                 "(--labels u8) | ok |",
                 "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        print("\n".join(lines), flush=True)
        for model, source in sources:
            name = model + (" +aux" if "--aux" in source else "")
            for batch, size, fallback, image in cases:
                given = source + (["--image", image] if image else [])
                what = pathlib.Path(image).name if image else "random"
                try:
                    try:
                        numbers, ok = check_case(tool, given, batch, size, work)
                    except subprocess.CalledProcessError as e:
                        if not fallback or "must be multiples of" not in e.stderr:
                            raise
                        size = fallback  # the model's own rule, not export's
                        numbers, ok = check_case(tool, given, batch, size, work)
                    row = f"| {name} | {what} | {batch} | {size} | {numbers} | " \
                          f"{'yes' if ok else 'NO'} |"
                except Exception as e:  # a failed export or run is a row too
                    detail = e.stderr.strip() if isinstance(e, subprocess.CalledProcessError) \
                        else str(e)
                    ok, row = False, f"| {name} | {what} | {batch} | {size} | - | - | - | - | - " \
                                     f"| - | NO: {detail.splitlines()[-1] if detail else repr(e)} |"
                if not ok:
                    failed.append(model)
                lines.append(row)
                print(row, flush=True)
    if args.table:
        pathlib.Path(args.table).write_text("\n".join(lines) + "\n")
    if failed:
        print(f"check_onnx.py: {len(set(failed))} model(s) failed: {', '.join(sorted(set(failed)))}")
        sys.exit(1)


if __name__ == "__main__":
    main()
