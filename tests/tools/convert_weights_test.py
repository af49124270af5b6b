"""tools/convert_weights.py on a real PyTorch checkpoint: a wrapped, DataParallel-prefixed
torchvision ResNet-18 state dict becomes the backbone's safetensors file, every value kept.
Needs torch and torchvision; exits 77 (ctest's skip) without them. The key maps themselves are
tested without PyTorch by tests/models/pretrained_test.cpp.

    python3 tests/tools/convert_weights_test.py
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import torch
    import torchvision
except ImportError:
    print("skipped: torch and torchvision are not installed")
    sys.exit(77)

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools/convert_weights.py")
DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    return {name: torch.frombuffer(bytearray(data[a:b]), dtype=DTYPES[h["dtype"]]).reshape(h["shape"])
            for name, h in header.items() for a, b in [h["data_offsets"]]}


def main():
    torch.manual_seed(0)
    state = torchvision.models.resnet18().state_dict()
    with tempfile.TemporaryDirectory() as tmp:
        pth, out = os.path.join(tmp, "r18.pth"), os.path.join(tmp, "r18.safetensors")
        torch.save({"epoch": 3, "state_dict": {"module." + k: v for k, v in state.items()}}, pth)
        subprocess.run([sys.executable, SCRIPT, pth, out, "--from", "torchvision"], check=True)
        got = read_safetensors(out)
    want = {k: v for k, v in state.items() if not k.startswith("fc.")}
    assert sorted(got) == sorted(want), sorted(set(got) ^ set(want))
    for k, v in want.items():
        assert torch.equal(got[k], v), k
    print(f"ok: {len(got)} tensors, fc.weight and fc.bias dropped, values kept")


if __name__ == "__main__":
    main()
