"""Whole networks side by side: bench/models_bench (ours) and the PyTorch equivalents on the same
shapes, inference and one SGD training step each, with peak memory, printed as one table.

  /usr/bin/python3 bench/compare_models_torch.py [--bench-dir build/bench] [--device cpu|cuda]
                                                 [--filter REGEX] [--threads N]

Shapes come from models_bench's entries (BM_model/<name>_<infer|train>_<cpu|CUDA>/<batch>/<size>:
CPU 1 or 2 x 3x128x128, CUDA 8x3x512x512), 21 classes; the training step is forward,
cross-entropy on "out" plus 0.4 x on each auxiliary head, backward and SGD (momentum 0.9) on
both sides. The PyTorch models are torchvision's (fcn_resnet50, deeplabv3_resnet50 with their
aux heads, lraspp_mobilenet_v3_large) and the torch transcriptions in tests/fixtures/gen_*.py,
imported from there; a model whose transcription only counts parameters (no forward) gets "-"
(the real-time networks run without their auxiliary heads, as models_bench runs them).
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


def _segformer():
    from gen_segformer import SegformerForSemanticSegmentation
    return SegformerForSemanticSegmentation(CLASSES)


def _enet():
    from gen_enet_bisenetv2 import ENet
    return ENet(CLASSES)


def _unet():
    from gen_unet_stdc_models import unet
    return unet(CLASSES)


def _bisenetv2():
    from gen_enet_bisenetv2 import BiSeNetV2
    return BiSeNetV2(CLASSES)


def _regseg48():
    from gen_ddrnet_models import RegSeg48
    return RegSeg48(CLASSES)


def _pp_liteseg_t():
    from gen_unet_stdc_models import PPLiteSeg
    return PPLiteSeg("t", CLASSES, aux=False)


def _ddrnet_23_slim():
    from gen_ddrnet_models import DDRNETS
    return DDRNETS["ddrnet_23_slim"](CLASSES, False)


# Our registry name -> builder of (callable returning the heads, module), or None where the
# transcription has no forward. The real-time networks without their auxiliary heads, as
# models_bench runs them.
TORCH = {
    "fcn_resnet50": _torchvision("fcn_resnet50"),
    "deeplabv3_resnet50": _torchvision("deeplabv3_resnet50"),
    "lraspp_mobilenet_v3_large": _torchvision("lraspp_mobilenet_v3_large"),
    "segformer_b0": _at_input_size(_segformer),
    "enet": _at_input_size(_enet),
    "bisenetv2": _at_input_size(_bisenetv2),
    "regseg48": _at_input_size(_regseg48),
    "pp_liteseg_t": _at_input_size(_pp_liteseg_t),
    "ddrnet_23_slim": _at_input_size(_ddrnet_23_slim),
    "unet": _at_input_size(_unet),
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


def ours(bench_dir, name, mode, device, threads):
    dev = "CUDA" if device == "cuda" else "cpu"
    out = subprocess.run([os.path.join(bench_dir, "models_bench"),
                          f"--benchmark_filter=^BM_model/{name}_{mode}_{dev}/",
                          "--benchmark_format=json", "--benchmark_min_time=0.5"],
                         capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    if out.returncode != 0 or not out.stdout.strip():
        return None, out.stderr.strip()[-300:]
    rows = [b for b in json.loads(out.stdout)["benchmarks"] if not b.get("error_occurred")]
    return (rows[0] if rows else None), ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench-dir", default="build/bench")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--filter", default=".")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="CPU threads of both sides (OMP_NUM_THREADS for ours); on a busy machine 1 avoids "
                         "oversubscribed OpenMP loops")
    ap.add_argument("--torch-one", nargs=4, metavar=("NAME", "MODE", "BATCH", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.torch_one:
        name, mode, n, hw = args.torch_one
        torch_one(name, mode, int(n), int(hw), args.device)
        return
    dev = args.device
    where = torch.cuda.get_device_name() if dev == "cuda" else f"CPU, {torch.get_num_threads()} thread(s) each side"
    mem = "peak alloc MB" if dev == "cuda" else "peak RSS MB"
    print(f"# {where}; torch {torch.__version__}; {CLASSES} classes; f32")
    if dev == "cpu":
        base = subprocess.run([sys.executable, "-c", "import torch, torchvision; print(open('/proc/self/status')"
                               ".read().split('VmHWM:')[1].split()[0])"], capture_output=True, text=True)
        print(f"# torch's peak RSS after importing torch and torchvision alone: {int(base.stdout) * 1024 / 1e6:.0f} MB")
    print(f"{'model':<27} {'step':<6} {'input':<12} {'ours ms':>9} {'torch ms':>9} {'speed-up':>8} "
          f"{'ours ' + mem:>17} {'torch ' + mem:>17}")
    for name in TORCH:
        if not re.search(args.filter, name):
            continue
        for mode in ("infer", "train"):
            b, err = ours(args.bench_dir, name, mode, dev, args.threads)
            if b is None:
                print(f"{name:<27} {mode:<6} models_bench failed: {err}", flush=True)
                continue
            n, hw = (int(v) for v in re.search(r"/(\d+)/(\d+)", b["name"]).groups())
            ours_s = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
            ours_mb = b.get("peak_MB", b.get("peak_rss_MB", 0))
            torch_s = torch_mb = None
            if TORCH[name] is not None:
                t = subprocess.run([sys.executable, __file__, "--device", dev, "--threads", str(args.threads),
                                    "--torch-one", name, mode, str(n), str(hw)], capture_output=True, text=True)
                if t.returncode == 0:
                    r = json.loads(t.stdout.strip().splitlines()[-1])
                    torch_s, torch_mb = r["seconds"], r["peak_mb"]
                else:
                    print(f"# torch {name} {mode} failed: {t.stderr.strip()[-300:]}")
            ts = f"{torch_s * 1e3:9.1f}" if torch_s else f"{'-':>9}"
            su = f"{torch_s / ours_s:8.2f}" if torch_s else f"{'-':>8}"
            tm = f"{torch_mb:17.0f}" if torch_mb else f"{'-':>17}"
            print(f"{name:<27} {mode:<6} {f'{n}x3x{hw}x{hw}':<12} {ours_s * 1e3:9.1f} {ts} {su} {ours_mb:17.0f} {tm}",
                  flush=True)


if __name__ == "__main__":
    main()
