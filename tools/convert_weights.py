#!/usr/bin/env python3
"""Converts a PyTorch checkpoint into a safetensors file Tessel loads, with our key names.

    python3 tools/convert_weights.py resnet50-0676ba61.pth resnet50.safetensors --from torchvision
    tessel-train recipes/deeplabv3plus_resnet50_voc.yaml model.backbone_weights=resnet50.safetensors

A backbone file holds the backbone's own state dict (models/pretrained.h): an ImageNet
classifier's weights without its classifier. What each --from reads:
  torchvision  ResNet-18 .. 152 classifiers: keys unchanged, fc.* dropped. MobileNetV3-Large:
               features.N.* become N.* (LR-ASPP's backbone), classifier.* dropped.
  timm         ResNet (resnet18 .. 152 and their *.tv_in1k, *.a1_in1k, ... weights): timm names
               ResNet as torchvision does, so the same map.
  smp          a segmentation_models_pytorch Unet("resnet34"), the whole network: our unet_resnet34
               (model.weights; model.backbone_weights takes its encoder.*, torchvision's names).
  sg           SuperGradients (checkpoints hold the weights under "net"): DDRNet-23-slim, STDC1-Seg,
               PP-LiteSeg-T, RegSeg-48 and the stdc1_classification ImageNet classifier, whole
               networks with our names (model.weights; model.backbone_weights takes the backbone's
               keys from them).
  hf           HuggingFace SegFormer / MiT (nvidia/mit-b0, nvidia/segformer-b0-*): the encoder,
               segformer.encoder.* without that prefix, or transformers 5's segformer.stages.*
               renamed to those names; the classifier and decode head dropped. A model.safetensors
               from the hub (older names: ours) also loads as it is, with no conversion.

The checkpoint may be a bare state dict or a dict holding one under "state_dict", "model",
"model_state_dict" or "net" (SuperGradients); a "module." prefix (DistributedDataParallel) is
removed. Reading a .pth needs PyTorch (and numpy) here; Tessel's build never does. A shape list
instead of a checkpoint (lines "name DTYPE ndim d0 d1 ...", as tests/fixtures/weights/*.txt, the
state dict key lists of those libraries) writes zeros of those shapes: how the tests check these
maps against the real names without PyTorch.
"""
import argparse
import json
import os
import re
import struct
import sys

# safetensors dtype names and element sizes.
SIZES = {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "U8": 1, "BOOL": 1}
WRAPPERS = ("state_dict", "model", "model_state_dict", "net")


class Zeros:
    """A tensor of zeros known by dtype and shape, from a shape list."""

    def __init__(self, dtype, shape):
        self.dtype, self.shape = dtype, shape

    def encoded(self):
        numel = 1
        for s in self.shape:
            numel *= s
        return self.dtype, self.shape, bytes(numel * SIZES[self.dtype])


def read_shape_list(path):
    state = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            # Read from the right: SuperGradients' names have spaces ("DBlock_..._d[1, 2]_...").
            words = line.split()
            for i in range(len(words) - 2, 0, -1):
                if words[i] in SIZES and words[i + 1] == str(len(words) - i - 2):
                    state[" ".join(words[:i])] = Zeros(words[i], [int(d) for d in words[i + 2:]])
                    break
            else:
                sys.exit(f"{path}: malformed line (want 'name DTYPE ndim d0 d1 ...'): {line.strip()}")
    return state


class Torch:
    """Encodes torch tensors (imported only when a checkpoint is read)."""

    def __init__(self, tensor):
        self.tensor = tensor

    def encoded(self):
        import torch
        names = {torch.float64: "F64", torch.int64: "I64", torch.float32: "F32",
                 torch.int32: "I32", torch.float16: "F16", torch.bfloat16: "BF16",
                 torch.uint8: "U8", torch.bool: "BOOL"}
        t = self.tensor.detach().cpu().contiguous()
        if t.dtype not in names:
            raise ValueError(f"dtype {t.dtype} has no safetensors name Tessel reads")
        raw = t.view(torch.int16) if t.dtype == torch.bfloat16 else t  # numpy has no bfloat16
        return names[t.dtype], list(t.shape), raw.numpy().tobytes()


def read_checkpoint(path, trust):
    import pickle
    import torch
    try:
        obj = torch.load(path, map_location="cpu", weights_only=not trust)
    except TypeError:  # PyTorch before 1.13 has no weights_only
        obj = torch.load(path, map_location="cpu")
    except pickle.UnpicklingError as e:
        sys.exit(f"{path}: holds more than tensors and plain values ({e}); if you trust the file, "
                 "--trust-pickle loads it whole, running the code it names")
    for key in WRAPPERS:
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    state = {k: Torch(v) for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if not state:
        sys.exit(f"{path}: no tensors found (keys: {', '.join(list(obj)[:8])})")
    if all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def without(state, prefix):
    return {k: v for k, v in state.items() if not k.startswith(prefix)}


def only(state, prefix):
    """The keys under `prefix`, with it removed."""
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def renamed(state, rules):
    """Each key through every (regex, replacement) of `rules`, in order."""
    out = {}
    for key, v in state.items():
        for pattern, replacement in rules:
            key = re.sub(pattern, replacement, key)
        out[key] = v
    return out


def torchvision_map(state):
    if any(k.startswith("features.") for k in state):  # MobileNetV3
        return only(state, "features.")
    return without(state, "fc.")  # ResNet


# smp's DecoderBlock names its two conv-BN-ReLU units; ours are a Sequential's "0" and "1". Its
# segmentation head is a Sequential around the convolution.
SMP_RULES = [(r"^decoder\.blocks\.(\d+)\.conv([12])\.", lambda m: f"decoder.{m[1]}.{int(m[2]) - 1}."),
             (r"^segmentation_head\.0\.", "segmentation_head.")]

# transformers 5 renamed SegFormer's modules (under "segformer.stages."); checkpoints from before,
# the hub's among them, have "segformer.encoder." and the names we use.
HF5_RULES = [(r"^(\d+)\.patch_embeddings\.", r"patch_embeddings.\1."),
             (r"^(\d+)\.blocks\.(\d+)\.", r"block.\1.\2."),
             (r"^(\d+)\.layer_norm\.", r"layer_norm.\1."),
             (r"\.layernorm_before\.", ".layer_norm_1."),
             (r"\.layernorm_after\.", ".layer_norm_2."),
             (r"\.attention\.([qkv])_proj\.",
              lambda m: ".attention.self." + {"q": "query", "k": "key", "v": "value"}[m[1]] + "."),
             (r"\.attention\.o_proj\.", ".attention.output.dense."),
             (r"\.attention\.sequence_reduction\.sequence_reduction\.", ".attention.self.sr."),
             (r"\.attention\.sequence_reduction\.layer_norm\.", ".attention.self.layer_norm."),
             (r"\.mlp\.fc([12])\.", r".mlp.dense\1.")]


# SuperGradients: ConvBNReLU's children are "seq.conv", "seq.bn" (ours: a Sequential's "0", "1");
# DAPPM's pooled branches put their pooling first ("down_scale.0"), where ours sits outside;
# RegSeg's stages name their blocks ("DBlock_in32_..._s2_se4#0") and nest the shortcut (a
# stride-1 one has no pooling before its conv-BN); STDC-Seg's and PP-LiteSeg's parts sit under
# "cp." and "encoder.", RegSeg's decoder under "decoder."; segmentation heads nest one level
# deeper ("segmentation_head.0.seg_head."); STDC-Seg's fusion attention has a conv-ReLU unit
# (ours: conv, ReLU).
SG_RULES = [(r"\.seq\.conv\.", ".0."), (r"\.seq\.bn\.", ".1."),
            (r"^(spp\.branches\.[1-9]\d*\.down_scale\.)(\d+)\.", lambda m: f"{m[1]}{int(m[2]) - 1}."),
            (r"^(backbone\.stages\.\d+\.DBlock_[^.]*_s1_[^.]*#\d+\.shortcut\.shortcut\.)1\.", r"\g<1>0."),
            (r"^backbone\.stages\.(\d+)\.DBlock_[^.]*#(\d+)\.", r"stages.\1.\2."),
            (r"\.shortcut\.shortcut\.", ".shortcut."),
            (r"^decoder\.conv_bn_relu\.", "fuse."),
            (r"^(encoder|cp|decoder)\.", ""),
            (r"^(\w+)\.0\.seg_head\.", r"\1."), (r"^head\.head\.", "head."),
            (r"^ffm\.attention_block\.2\.", "ffm.attention_block.3."),
            (r"^ffm\.attention_block\.1\.0\.", "ffm.attention_block.1."),
            (r"^context_embedding\.context_embedding\.", "context_embedding."),
            (r"^(upsample(?:32|16))\.1\.", r"\1.")]


def sg_map(state):
    return renamed(state, SG_RULES)


def smp_map(state):
    return renamed(state, SMP_RULES)


def hf_map(state):
    return {**only(state, "segformer.encoder."),
            **renamed(only(state, "segformer.stages."), HF5_RULES)}


MAPS = {"torchvision": torchvision_map, "timm": torchvision_map, "smp": smp_map, "hf": hf_map,
        "sg": sg_map}


def write_safetensors(path, state):
    """The format as the reference writer lays it out: an 8-byte little-endian header length, the
    JSON header (tensors ordered by decreasing element size, then name, so each is aligned in
    the file) padded with spaces to a multiple of 8, then the data."""
    encoded = {name: t.encoded() for name, t in state.items()}
    order = sorted(encoded, key=lambda n: (-SIZES[encoded[n][0]], n))
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name in order:
        dtype, shape, data = encoded[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in order:
            f.write(encoded[name][2])
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="a PyTorch checkpoint (.pth, .pt, .bin) or a shape list (.txt)")
    p.add_argument("output", help="the safetensors file to write")
    p.add_argument("--from", dest="source", choices=sorted(MAPS), default="torchvision",
                   help="the library whose names the checkpoint has (default: torchvision)")
    p.add_argument("--trust-pickle", action="store_true",
                   help="load a checkpoint that pickles objects other than tensors (e.g. numpy "
                        "metrics) with torch.load(weights_only=False): only for files you trust")
    a = p.parse_args()
    state = (read_shape_list(a.input) if a.input.endswith(".txt")
             else read_checkpoint(a.input, a.trust_pickle))
    mapped = MAPS[a.source](state)
    if not mapped:
        sys.exit(f"{a.input}: no key is one --from {a.source} maps (first keys: "
                 f"{', '.join(list(state)[:6])}); is it a {a.source} checkpoint?")
    write_safetensors(a.output, mapped)
    print(f"wrote {a.output}: {len(mapped)} of the {len(state)} tensors in {a.input}")


if __name__ == "__main__":
    main()
