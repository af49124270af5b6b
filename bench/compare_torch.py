"""Our benchmarks and PyTorch's equivalent on the same shapes, in one table.

Runs every *_bench in --bench-dir on the chosen device (Google Benchmark, JSON), times the PyTorch
equivalent of each entry listed in TORCH below, measures the device's copy bandwidth (a large
device-to-device copy, bytes read + written), and prints one row per benchmark: our time, torch's
time, the speed-up, our achieved bandwidth and its fraction of the copy bandwidth.

  python3 bench/compare_torch.py [--bench-dir build/bench] [--device cuda|cpu] [--filter REGEX]

CUDA times are from events (ours: UseManualTime; torch: torch.cuda.Event), medians of repeats.
"""
import argparse
import glob
import json
import re
import statistics
import subprocess
import time

import torch
import torch.nn.functional as F


def timeit(fn, device, repeat=20, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        if device == "cuda":
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            stop.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(stop) / 1e3)
        else:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def dtype_of(name):
    for tag, dt in DTYPES.items():
        if f"_{tag}" in name:
            return dt
    return torch.float32

#Benchmark - name pattern->builder(match, device, dtype) returning a zero - argument callable that
#runs the PyTorch equivalent.Shapes mirror the C++ benchmarks.
def _elementwise(op):
    def build(m, dev, dt):
        n = int(m.group("n"))
        a, b = torch.randn(n, device=dev, dtype=dt), torch.randn(n, device=dev, dtype=dt)
        return {"add": lambda: a + b, "relu": lambda: torch.relu(a), "gelu": lambda: F.gelu(a)}[op]
    return build


def _matmul(m, dev, dt):
    n = int(m.group("n"))
    a, b = torch.randn(n, n, device=dev, dtype=dt), torch.randn(n, n, device=dev, dtype=dt)
    return lambda: a @ b


def _conv(backward):
    def build(m, dev, dt):
        n, c, hw = int(m.group("n")), int(m.group("c")), int(m.group("hw"))
        x = torch.randn(n, c, hw, hw, device=dev, dtype=dt, requires_grad=backward)
        w = (torch.randn(c, c, 3, 3, device=dev, dtype=dt) * 0.05).requires_grad_(backward)
        if backward:
            dy = torch.randn(n, c, hw, hw, device=dev, dtype=dt)
            return lambda: F.conv2d(x, w, padding=1).backward(dy)
        def fwd():
            with torch.no_grad():
                F.conv2d(x, w, padding=1)
        return fwd
    return build


def _batch_norm(m, dev, dt):
    n = int(m.group("n"))
    x = torch.randn(n, 64, 128, 128, device=dev, dtype=dt)
    rm, rv = torch.zeros(64, device=dev, dtype=dt), torch.ones(64, device=dev, dtype=dt)
    w, b = torch.ones(64, device=dev, dtype=dt), torch.zeros(64, device=dev, dtype=dt)
    return lambda: F.batch_norm(x, rm, rv, w, b, training=True)


def _upsample(kind, backward):
    def build(m, dev, dt):
        n, h = int(m.group("n")), int(m.group("h"))
        if kind == "nearest":
            x = torch.randint(0, 19, (n, 1, h, 2 * h), device=dev, dtype=torch.uint8)
            return lambda: F.interpolate(x, size=(4 * h, 8 * h), mode="nearest")
        x = torch.randn(n, 19, h, 2 * h, device=dev, dtype=dt)
        if not backward:
            return lambda: F.interpolate(x, size=(4 * h, 8 * h), mode="bilinear", align_corners=False)
        g = torch.randn(n, 19, 4 * h, 8 * h, device=dev, dtype=dt)
        return lambda: torch.ops.aten.upsample_bilinear2d_backward(
            g, [4 * h, 8 * h], [n, 19, h, 2 * h], False)
    return build


def _logits_labels(m, dev, dt, grad=True):
    n, h, w = int(m.group("n")), int(m.group("h")), int(m.group("w"))
    x = torch.randn(n, 19, h, w, device=dev, dtype=dt, requires_grad=grad)
    y = torch.randint(0, 19, (n, h, w), device=dev)
    return x, y


def _cross_entropy(m, dev, dt):
    x, y = _logits_labels(m, dev, dt)
    return lambda: F.cross_entropy(x, y, ignore_index=255).backward()


def torch_dice_ce_edge(x, y, ignore=255):
    """CE + CE on edge pixels (3x3 window) + soft Dice, written with torch ops as users do."""
    valid = y != ignore
    ce = F.cross_entropy(x, y, ignore_index=ignore, reduction="none")
    lf = F.pad(y.unsqueeze(1).float(), (1, 1, 1, 1), mode="replicate")
    edge = (F.max_pool2d(lf, 3, 1) != -F.max_pool2d(-lf, 3, 1)).squeeze(1) & valid
    p = torch.softmax(x.float(), 1)
    onehot = F.one_hot(y.clamp(max=x.shape[1] - 1), x.shape[1]).permute(0, 3, 1, 2) * valid.unsqueeze(1)
    pv = p * valid.unsqueeze(1)
    inter, denom = (pv * onehot).sum((0, 2, 3)), pv.sum((0, 2, 3)) + onehot.sum((0, 2, 3))
    dice = 1 - ((2 * inter + 1) / (denom + 1)).mean()
    return ce.sum() / valid.sum() + (ce * edge).sum() / edge.sum().clamp(min=1) + dice


def _dice_ce_edge(m, dev, dt):
    x, y = _logits_labels(m, dev, dt)
    return lambda: torch_dice_ce_edge(x, y).backward()


def _confusion(from_logits):
    def build(m, dev, dt):
        n, h, w = int(m.group("n")), int(m.group("h")), int(m.group("w"))
        target = torch.randint(0, 19, (n, h, w), device=dev, dtype=torch.uint8)
        src = torch.randn(n, 19, h, w, device=dev, dtype=dt) if from_logits else \
            torch.randint(0, 19, (n, h, w), device=dev, dtype=torch.uint8)
        def run():  # mmsegmentation's way: mask, int64, bincount
            pred = src.argmax(1) if from_logits else src
            mask = target != 255
            return torch.bincount(19 * target[mask].long() + pred[mask].long(), minlength=19 * 19)
        return run
    return build


def _layer_op(kind):
    def build(m, dev, dt):
        n, hw = int(m.group("n")), int(m.group("hw"))
        x = torch.randn(n, 19, hw, hw, device=dev, dtype=dt)
        if kind == "softmax":
            return lambda: torch.softmax(x, 1)
        if kind == "sum_all":
            return lambda: x.sum()
        if kind == "sum_channels":
            return lambda: x.sum((0, 2, 3))
        if kind == "max_pool":
            return lambda: F.max_pool2d(x, 3, 2, 1)
        if kind == "max_unpool":
            values, idx = F.max_pool2d(x, 2, return_indices=True)
            return lambda: F.max_unpool2d(values, idx, 2)
        if kind == "reflect_pad":
            return lambda: F.pad(x, (2, 2, 2, 2), mode="reflect")
        idx = torch.randint(0, 19, (n, 1, hw, hw), device=dev)
        return lambda: torch.gather(x, 1, idx)
    return build


def _sort_rows(m, dev, dt):
    x = torch.rand(19, int(m.group("n")), device=dev)
    return lambda: torch.sort(x, dim=1, descending=True, stable=True)


TORCH = [
    (r"BM_softmax/\w+/(?P<n>\d+)/(?P<hw>\d+)", _layer_op("softmax")),
    (r"BM_sum/all_\w+/(?P<n>\d+)/(?P<hw>\d+)", _layer_op("sum_all")),
    (r"BM_sum/channels_\w+/(?P<n>\d+)/(?P<hw>\d+)", _layer_op("sum_channels")),
    (r"BM_max_pool/\w+/(?P<n>\d+)/(?P<hw>\d+)", _layer_op("max_pool")),
    (r"BM_max_unpool/\w+/(?P<n>\d+)/(?P<hw>\d+)", _layer_op("max_unpool")),
    (r"BM_reflect_pad/\w+/(?P<n>\d+)/(?P<hw>\d+)", _layer_op("reflect_pad")),
    (r"BM_gather/\w+/(?P<n>\d+)/(?P<hw>\d+)", _layer_op("gather")),
    (r"BM_sort_rows/\w+/(?P<n>\d+)", _sort_rows),
    (r"BM_upsample/bilinear_backward_\w+/(?P<n>\d+)/(?P<h>\d+)", _upsample("bilinear", True)),
    (r"BM_upsample/bilinear_(cpu|CUDA)_\w+/(?P<n>\d+)/(?P<h>\d+)", _upsample("bilinear", False)),
    (r"BM_upsample/nearest_\w+/(?P<n>\d+)/(?P<h>\d+)", _upsample("nearest", False)),
    (r"BM_cross_entropy/\w+/(?P<n>\d+)/(?P<h>\d+)/(?P<w>\d+)", _cross_entropy),
    (r"BM_dice_ce_edge/\w+/(?P<n>\d+)/(?P<h>\d+)/(?P<w>\d+)", _dice_ce_edge),
    (r"BM_confusion/labels_\w+/(?P<n>\d+)/(?P<h>\d+)/(?P<w>\d+)", _confusion(False)),
    (r"BM_confusion/logits_\w+/(?P<n>\d+)/(?P<h>\d+)/(?P<w>\d+)", _confusion(True)),
    (r"BM_add/\w+/(?P<n>\d+)", _elementwise("add")),
    (r"BM_unary/relu_\w+/(?P<n>\d+)", _elementwise("relu")),
    (r"BM_unary/gelu_\w+/(?P<n>\d+)", _elementwise("gelu")),
    (r"BM_matmul/\w+/(?P<n>\d+)", _matmul),
    (r"BM_conv2d/fwd_bwd_\w+/(?P<n>\d+)/(?P<c>\d+)/(?P<hw>\d+)", _conv(True)),
    (r"BM_conv2d/fwd_(cpu|CUDA)\w*/(?P<n>\d+)/(?P<c>\d+)/(?P<hw>\d+)", _conv(False)),
    (r"BM_batch_norm/train_\w+/(?P<n>\d+)", _batch_norm),
]


def copy_bandwidth(device):
    n = (1 << 28) if device == "cuda" else (1 << 25)
    x, y = torch.empty(n, device=device), torch.randn(n, device=device)
    return 2 * 4 * n / timeit(lambda: x.copy_(y), device)


def run_ours(bench_dir, device, pattern):
    rows = []
    for exe in sorted(glob.glob(f"{bench_dir}/*_bench")):
        if exe.endswith("/models_bench"):  # whole networks: bench/compare_models_torch.py
            continue
        flt = ("CUDA" if device == "cuda" else "cpu")
        out = subprocess.run([exe, f"--benchmark_filter={flt}", "--benchmark_format=json",
                              "--benchmark_min_time=0.2"], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"# {exe} failed: {out.stderr.strip()[-300:]}")
            continue
        if not out.stdout.strip():  # no benchmark of this program matched the device filter
            continue
        for b in json.loads(out.stdout)["benchmarks"]:
            if b.get("error_occurred") or not re.search(pattern, b["name"]):
                continue
            rows.append(b)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench-dir", default="build/bench")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--filter", default=".")
    args = ap.parse_args()
    dev = args.device
    name = torch.cuda.get_device_name() if dev == "cuda" else f"CPU, torch threads {torch.get_num_threads()}"
    bw = copy_bandwidth(dev)
    print(f"# {name}; torch {torch.__version__}; copy bandwidth {bw / 1e9:.0f} GB/s (read + write)")
    print(f"{'benchmark':<52} {'ours us':>10} {'torch us':>10} {'speed-up':>8} {'ours GB/s':>10} {'% copy bw':>9}")
    for b in run_ours(args.bench_dir, dev, args.filter):
        ours = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        gbs = b.get("bytes/s", 0) / 1e9
        torch_s = None
        for pat, build in TORCH:
            m = re.search(pat, b["name"])
            if m:
                torch_s = timeit(build(m, dev, dtype_of(b["name"])), dev)
                break
        t = f"{torch_s * 1e6:10.1f}" if torch_s else f"{'-':>10}"
        s = f"{torch_s / ours:8.2f}" if torch_s else f"{'-':>8}"
        print(f"{b['name']:<52} {ours * 1e6:10.1f} {t} {s} {gbs:10.1f} {100 * gbs * 1e9 / bw:8.0f}%", flush=True)


if __name__ == "__main__":
    main()
