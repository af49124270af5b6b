#!/usr/bin/env python3
"""Time and peak memory of torch.onnx.export (the TorchScript exporter) of torchvision's
deeplabv3_resnet101 at 512x512, to set beside tessel-export's (README, Exporting to ONNX).

  python bench/torch_export_memory.py [--dynamic]   # dynamic batch, height and width

Needs torch and torchvision (pip). Peak RSS includes importing torch, as tessel-export's
includes loading its libraries.
"""
import argparse
import resource
import tempfile
import time

import torch
import torchvision


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--dynamic", action="store_true")
    args = ap.parse_args()
    model = torchvision.models.segmentation.deeplabv3_resnet101(
        weights=None, weights_backbone=None, num_classes=21, aux_loss=False).eval()
    x = torch.randn(1, 3, 512, 512)
    axes = {"dynamic_axes": {"input": {0: "batch", 2: "height", 3: "width"}}} if args.dynamic else {}
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        torch.onnx.export(model, x, f"{tmp}/m.onnx", input_names=["input"], output_names=["out"],
                          opset_version=17, dynamo=False, **axes)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch {torch.__version__} dynamic={args.dynamic}: {time.time() - start:.2f} s, "
          f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
