"""PyTorch on the same shapes as bench/*_bench.cpp, printed as name, time and rate, so the two
can be read side by side. CUDA is timed with events after a warm-up (median of repeats); CPU with
perf_counter. Usage: python3 bench/torch_bench.py [cpu|cuda]
"""
import statistics
import sys
import time

import torch


def timeit(fn, device, repeat=20):
    for _ in range(3):
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


def report(name, seconds, nbytes=0, flops=0):
    rate = []
    if nbytes:
        rate.append(f"{nbytes / seconds / 2**30:8.2f} GiB/s")
    if flops:
        rate.append(f"{flops / seconds / 1e12:8.3f} TFLOP/s")
    print(f"torch {name:<44} {seconds * 1e6:12.1f} us  {'  '.join(rate)}", flush=True)


def main():
    device = sys.argv[1] if len(sys.argv) > 1 else ("cuda" if torch.cuda.is_available() else "cpu")
    big = 1 << 28 if device == "cuda" else 1 << 24
    print(f"# torch {torch.__version__} on {device}"
          + (f" ({torch.cuda.get_device_name()})" if device == "cuda" else f" ({torch.get_num_threads()} threads)"))
    for dtype in ([torch.float32, torch.bfloat16] if device == "cuda" else [torch.float32]):
        tag = str(dtype).replace("torch.", "")
        a, b = torch.randn(big, device=device, dtype=dtype), torch.randn(big, device=device, dtype=dtype)
        es = a.element_size()
        report(f"add/{tag}/{big}", timeit(lambda: a + b, device), 3 * big * es)
        report(f"relu/{tag}/{big}", timeit(lambda: torch.relu(a), device), 2 * big * es)
        report(f"gelu/{tag}/{big}", timeit(lambda: torch.nn.functional.gelu(a), device), 2 * big * es)
        del a, b
        n = 4096 if device == "cuda" else 1024
        x, y = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
        report(f"matmul/{tag}/{n}", timeit(lambda: x @ y, device), flops=2 * n**3)
        # Segmentation-sized conv: batch 8 (2 on CPU), 64 -> 64 channels, 3x3, 128x128.
        nb = 8 if device == "cuda" else 2
        img = torch.randn(nb, 64, 128, 128, device=device, dtype=dtype, requires_grad=True)
        conv = torch.nn.Conv2d(64, 64, 3, padding=1).to(device=device, dtype=dtype)
        flops = 2 * nb * 64 * 64 * 9 * 128 * 128
        report(f"conv2d_fwd/{tag}/{nb}x64x128x128", timeit(lambda: conv(img), device), flops=flops)
        def fwd_bwd():
            conv(img).sum().backward()
        report(f"conv2d_fwd_bwd/{tag}/{nb}x64x128x128", timeit(fwd_bwd, device), flops=3 * flops)
        bn = torch.nn.BatchNorm2d(64).to(device=device, dtype=torch.float32)
        xb = torch.randn(nb, 64, 128, 128, device=device, dtype=dtype if device == "cuda" else torch.float32)
        report(f"batch_norm_train/{tag}/{nb}x64x128x128", timeit(lambda: bn(xb), device), 2 * xb.numel() * xb.element_size())
        logits = torch.randn(nb, 19, 512, 512, device=device, dtype=dtype)
        report(f"softmax/{tag}/{nb}x19x512x512", timeit(lambda: torch.softmax(logits, 1), device),
               2 * logits.numel() * logits.element_size())


if __name__ == "__main__":
    main()
