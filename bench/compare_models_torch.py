"""Whole networks side by side: bench/models_bench (ours) and the PyTorch equivalents on the same
shapes, inference and one SGD training step each, with peak memory, printed as one table.

  python3 bench/compare_models_torch.py [--bench-dir build/bench] [--device cpu|cuda]
                                        [--filter REGEX] [--threads N] [--torch-python PY]...

Every registered model that models_bench runs (BM_model/<name>_<infer|train>_<cpu|CUDA>/<batch>/
<size>: CPU 1 or 2 x 3x128x128 and unet_small also at 16x3x96x96, CUDA 8x3x512x512), 21 classes,
against each PyTorch named by --torch-python (an interpreter with torch and torchvision: e.g.
Debian's /usr/bin/python3 with python3-torch 1.13 and a venv with pip's torch 2.x; default this
interpreter), a column pair per PyTorch; the training step is forward,
cross-entropy on "out" plus 0.4 x on each auxiliary head, backward and SGD (momentum 0.9) on
both sides. The PyTorch models are torchvision's (fcn_resnet50, deeplabv3_resnet50 with their
aux heads, lraspp_mobilenet_v3_large), the torch transcriptions in tests/fixtures/gen_*.py,
imported from there, and where pip's packages are importable the real ones (HuggingFace's
SegFormer from transformers 4, segmentation_models_pytorch's Unet, UnetPlusPlus, Linknet, FPN,
MAnet, UPerNet and PAN, timm's DINOv2 ViT-S/14, SuperGradients' DDRNet, STDC-Seg, PP-LiteSeg and RegSeg; a PyTorch without
them prints why and gets "-"); the real-time networks run without their auxiliary heads, as
models_bench runs them.
Every measurement runs in its own process, so that peak memory is its own: on CUDA the caching
allocators' peak allocated bytes, on the CPU the process's peak resident set (VmHWM; each side's
includes its runtime: importing torch alone takes some hundreds of MB). Times: ours Google
Benchmark's (CPU wall time; CUDA events), torch the median of repeats (compare_torch.timeit).
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from compare_torch import timeit  # noqa: E402

CLASSES = 21


def _torchvision(name):
    def build():
        from torchvision.models import segmentation
        aux = name != "lraspp_mobilenet_v3_large"
        kw = {"aux_loss": True} if aux else {}
        model = getattr(segmentation, name)(weights=None, weights_backbone=None, num_classes=CLASSES, **kw)
        return lambda x: model(x), model
    return build


def _at_input_size(make):
    """A transcription returning logits (or a list: out, aux...) at any stride."""
    def build():
        model = make()

        def run(x):
            y = model(x)
            heads = y if isinstance(y, list) else [y]
            heads = [F.interpolate(h, size=x.shape[2:], mode="bilinear", align_corners=False)
                     if h.shape[2:] != x.shape[2:] else h for h in heads]
            return dict(zip(["out"] + [f"aux{i}" for i in range(1, len(heads))], heads))
        return run, model
    return build


class _Logits(torch.nn.Module):
    """HuggingFace's model as a module from images to logits."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(pixel_values=x).logits


def _segformer(variant):
    from gen_segformer import build  # HuggingFace's own, from pip's transformers 4
    return _Logits(build(variant, CLASSES))


def _dinov2():
    from gen_dinov2 import DinoV2Seg  # timm's ViT-S/14 (from pip) and DINOv2's BNHead
    return DinoV2Seg(CLASSES)


def _smp(name, encoder="resnet34"):
    import segmentation_models_pytorch as smp  # from pip
    return getattr(smp, name)(encoder, encoder_weights=None, classes=CLASSES)


def _enet():
    from gen_enet_bisenetv2 import ENet
    return ENet(CLASSES)


def _unet():
    from gen_unet_models import unet
    return unet(CLASSES)


def _unet_small():
    from gen_unet_models import unet_small
    return unet_small(CLASSES)


def _sg(name):
    """SuperGradients' own network (from pip), without auxiliary heads; SG's names of Tessel's
    registry names as in tests/fixtures/gen_super_gradients.py."""
    import logging
    logging.disable(logging.WARNING)
    from super_gradients.training import models
    sg_name = {"pp_liteseg_t": "pp_lite_t_seg", "pp_liteseg_b": "pp_lite_b_seg"}.get(name, name)
    arch = {} if name == "regseg48" else {"use_aux_heads": False}
    return models.get(sg_name, num_classes=CLASSES, arch_params=arch)


def _bisenetv2():
    from gen_enet_bisenetv2 import BiSeNetV2
    return BiSeNetV2(CLASSES)


# Our registry name -> builder of (callable returning the heads, module), or None where the
# transcription has no forward. The real-time networks without their auxiliary heads, as
# models_bench runs them.
TORCH = {
    "fcn_resnet50": _torchvision("fcn_resnet50"),
    "deeplabv3_resnet50": _torchvision("deeplabv3_resnet50"),
    "lraspp_mobilenet_v3_large": _torchvision("lraspp_mobilenet_v3_large"),
    **{f"segformer_{v}": _at_input_size(lambda v=v: _segformer(v))
       for v in ("b0", "b1", "b2", "b3", "b4", "b5")},
    "unet_resnet34": _at_input_size(lambda: _smp("Unet")),
    "unet_resnet50": _at_input_size(lambda: _smp("Unet", "resnet50")),
    "upernet_resnet34": _at_input_size(lambda: _smp("UPerNet")),
    "upernet_resnet50": _at_input_size(lambda: _smp("UPerNet", "resnet50")),
    "dinov2_vits14": _at_input_size(_dinov2),
    "pan_resnet34": _at_input_size(lambda: _smp("PAN")),
    "pan_resnet50": _at_input_size(lambda: _smp("PAN", "resnet50")),
    "linknet_resnet34": _at_input_size(lambda: _smp("Linknet")),
    "fpn_resnet34": _at_input_size(lambda: _smp("FPN")),
    "manet_resnet34": _at_input_size(lambda: _smp("MAnet")),
    "unetplusplus_resnet34": _at_input_size(lambda: _smp("UnetPlusPlus")),
    "enet": _at_input_size(_enet),
    "bisenetv2": _at_input_size(_bisenetv2),
    **{name: _at_input_size(lambda name=name: _sg(name))
       for name in ("regseg48", "ddrnet_23_slim", "ddrnet_23", "ddrnet_39", "stdc1_seg",
                    "stdc2_seg", "pp_liteseg_t", "pp_liteseg_b")},
    "unet": _at_input_size(_unet),
    "unet_small": _at_input_size(_unet_small),
    "fcn_resnet101": _torchvision("fcn_resnet101"),
    "deeplabv3_resnet101": _torchvision("deeplabv3_resnet101"),
}


def peak_mb(device):
    """CUDA: the caching allocator's peak; CPU: VmHWM (ru_maxrss would include the launching
    process's size, which survives exec)."""
    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 1e6
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return kb * 1024 / 1e6


def torch_one(name, mode, n, hw, device):
    """Times one model in this process; prints seconds and peak MB as JSON."""
    torch.manual_seed(0)
    run, model = TORCH[name]()
    model.to(device)
    x = torch.randn(n, 3, hw, hw, device=device)
    labels = torch.randint(0, CLASSES, (n, hw, hw), device=device)
    if mode == "infer":
        model.eval()

        def step():
            with torch.no_grad():
                run(x)["out"]
    else:
        model.train()
        sgd = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

        def step():
            sgd.zero_grad()
            y = run(x)
            loss = F.cross_entropy(y["out"], labels)
            for head, logits in y.items():
                if head != "out":
                    loss = loss + 0.4 * F.cross_entropy(logits, labels)
            loss.backward()
            sgd.step()
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    seconds = timeit(step, device, repeat=5, warmup=1) if device == "cpu" else timeit(step, device)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(device)}))


def ours(bench_dir, benchmark, threads):
    """One models_bench entry in its own process (its peak RSS is its own)."""
    out = subprocess.run([os.path.join(bench_dir, "models_bench"), f"--benchmark_filter=^{re.escape(benchmark)}$",
                          "--benchmark_format=json", "--benchmark_min_time=0.5"],
                         capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    if out.returncode != 0 or not out.stdout.strip():
        return None, out.stderr.strip()[-300:]
    rows = [b for b in json.loads(out.stdout)["benchmarks"] if not b.get("error_occurred")]
    return (rows[0] if rows else None), ""


def benchmarks(bench_dir, device):
    """models_bench's entries for `device`: (benchmark name, model, mode, batch, size)."""
    dev = "CUDA" if device == "cuda" else "cpu"
    out = subprocess.run([os.path.join(bench_dir, "models_bench"), "--benchmark_list_tests"],
                         capture_output=True, text=True, check=True)
    pattern = re.compile(rf"^BM_model/(\w+)_(infer|train)_{dev}/(\d+)/(\d+)/\w+$")
    return [(m.group(0), m.group(1), m.group(2), int(m.group(3)), int(m.group(4)))
            for m in map(pattern.match, out.stdout.split()) if m]


def torch_run(python, name, mode, n, hw, device, threads):
    """(seconds, peak MB) of one torch measurement in its own process, or (None, None)."""
    if TORCH.get(name) is None:
        return None, None
    t = subprocess.run([python, __file__, "--device", device, "--threads", str(threads),
                        "--torch-one", name, mode, str(n), str(hw)], capture_output=True, text=True)
    if t.returncode != 0:
        print(f"# {python}: torch {name} {mode} failed: {t.stderr.strip()[-300:]}", flush=True)
        return None, None
    r = json.loads(t.stdout.strip().splitlines()[-1])
    return r["seconds"], r["peak_mb"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench-dir", default="build/bench")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--filter", default=".")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="CPU threads of both sides (OMP_NUM_THREADS for ours); on a busy machine 1 avoids "
                         "oversubscribed OpenMP loops")
    ap.add_argument("--torch-python", action="append",
                    help="an interpreter with torch and torchvision to compare with (repeatable; default this one)")
    ap.add_argument("--torch-one", nargs=4, metavar=("NAME", "MODE", "BATCH", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.torch_one:
        name, mode, n, hw = args.torch_one
        torch_one(name, mode, int(n), int(hw), args.device)
        return
    dev = args.device
    pythons = args.torch_python or [sys.executable]
    where = torch.cuda.get_device_name() if dev == "cuda" else f"CPU, {args.threads} thread(s) each side"
    mem = "MB" if dev == "cuda" else "RSS MB"
    print(f"# {where}; {CLASSES} classes; f32; times in ms, peak memory in MB "
          f"({'the caching allocators' if dev == 'cuda' else 'peak resident set'})")
    for i, python in enumerate(pythons):
        probe = ("import torch, torchvision; print(torch.__version__, open('/proc/self/status')"
                 ".read().split('VmHWM:')[1].split()[0])")
        version, kb = subprocess.run([python, "-c", probe], capture_output=True, text=True,
                                     check=True).stdout.split()
        print(f"# torch{i + 1}: {python}: torch {version}; its peak RSS after importing torch and "
              f"torchvision alone: {int(kb) * 1024 / 1e6:.0f} MB")
    head = f"{'model':<27} {'step':<6} {'input':<12} {'ours ms':>8} {'ours ' + mem:>10}"
    for i in range(len(pythons)):
        head += f" {f'torch{i + 1} ms':>10} {'speed-up':>8} {f'torch{i + 1} ' + mem:>12}"
    print(head)
    for benchmark, name, mode, n, hw in benchmarks(args.bench_dir, dev):
        if not re.search(args.filter, name):
            continue
        b, err = ours(args.bench_dir, benchmark, args.threads)
        if b is None:
            print(f"{name:<27} {mode:<6} models_bench failed: {err}", flush=True)
            continue
        ours_s = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        ours_mb = b.get("peak_MB", b.get("peak_rss_MB", 0))
        line = f"{name:<27} {mode:<6} {f'{n}x3x{hw}x{hw}':<12} {ours_s * 1e3:8.1f} {ours_mb:10.0f}"
        for python in pythons:
            torch_s, torch_mb = torch_run(python, name, mode, n, hw, dev, args.threads)
            line += (f" {torch_s * 1e3:10.1f} {torch_s / ours_s:8.2f} {torch_mb:12.0f}" if torch_s
                     else f" {'-':>10} {'-':>8} {'-':>12}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
