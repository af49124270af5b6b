#!/usr/bin/env python3
"""torch.distributed's Gloo allreduce on the sizes and with the timing of bench/allreduce_bench.cpp
(2 processes on 127.0.0.1, f32 sum, median of 20 timed calls, 5 above 16 MB, after 3 warm-ups,
a barrier before each), so the two tables can be read side by side. Needs PyTorch (Debian's
python3-torch will do).

  python3 bench/allreduce_torch.py [--ranks N] [--max-mb M]
"""
import argparse
import os
import socket
import statistics
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def rank_main(rank, world, port, max_bytes):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    if rank == 0:
        print(f"# allreduce, torch {torch.__version__} gloo, {world} ranks, f32 sum")
        print(f"{'bytes':>12} {'elements':>12} {'time_us':>10} {'algbw_GB/s':>10} {'busbw_GB/s':>10}")
    size = 4096
    while size <= max_bytes:
        t = torch.ones(size // 4)
        iters = 5 if size > (16 << 20) else 20
        seconds = []
        for i in range(3 + iters):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(t)
            if i >= 3:
                seconds.append(time.perf_counter() - start)
        s = statistics.median_low(seconds)
        algbw = size / s / 1e9
        if rank == 0:
            print(f"{size:>12} {size // 4:>12} {s * 1e6:>10.1f} {algbw:>10.3f} "
                  f"{algbw * 2 * (world - 1) / world:>10.3f}", flush=True)
        size *= 4
    dist.destroy_process_group()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--max-mb", type=int, default=64)
    a = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    torch.set_num_threads(1)
    mp.spawn(rank_main, args=(a.ranks, port, a.max_mb << 20), nprocs=a.ranks)


if __name__ == "__main__":
    main()
