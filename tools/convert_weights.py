#!/usr/bin/env python3
"""Converts a PyTorch checkpoint into a safetensors file Tessel loads, with our key names.

    python3 tools/convert_weights.py resnet50-0676ba61.pth resnet50.safetensors --from torchvision
    tessel-train recipes/deeplabv3plus_resnet50_voc.yaml model.backbone_weights=resnet50.safetensors

A backbone file holds the backbone's own state dict (models/pretrained.h): an ImageNet
classifier's weights without its classifier. What each --from reads:
  torchvision  ResNet-18 .. 152 classifiers: keys unchanged, fc.* dropped. MobileNetV3-Large:
               features.N.* become N.* (LR-ASPP's backbone), classifier.* dropped.
  timm         ResNet (resnet18 .. 152 and their *.tv_in1k, *.a1_in1k, ... weights): timm names
               ResNet as torchvision does, so the same map. MobileNetV3 (mobilenetv3_large_100):
               to torchvision's features.N names, as above (timm's BatchNorm eps is 1e-5,
               torchvision's 1e-3). timm has no STDC.
  smp          segmentation_models_pytorch's Unet on resnet34 or resnet50, Linknet, FPN, MAnet and
               UnetPlusPlus on resnet34: whole networks whose names are ours already
               (model.weights; model.backbone_weights takes their encoder.*, torchvision's names).
  sg           SuperGradients (checkpoints hold the weights under "net"): DDRNet-23-slim/23/39,
               STDC1/2-Seg, PP-LiteSeg-T/B and RegSeg-48 are whole networks whose names are ours
               already (model.weights; model.backbone_weights takes the backbone's keys from
               them); an stdc1/2_classification ImageNet classifier becomes its backbone under the
               backbone's own names (backbone.* without the prefix; conv_last, fc, linear dropped).
  dinov2       the official DINOv2 backbones (dinov2_vits14_pretrain.pth): dinov2_vits14's
               backbone names already (model.backbone_weights); mask_token dropped.
  hf           HuggingFace SegFormer / MiT (nvidia/mit-b0, nvidia/segformer-b0-*): the encoder,
               segformer.encoder.* without that prefix, or transformers 5's segformer.stages.*
               renamed to those names; the classifier and decode head dropped. A model.safetensors
               from the hub (older names: ours) also loads as it is, with no conversion.
  mmseg        mmsegmentation (its configs' names): PSPNet and DeepLabV3+ on ResNetV1b (*_r50b-d8:
               pspnet_*, deeplabv3plus_*, whole), BiSeNetV2 (whole), STDC1/2-Seg (stdc*_seg less
               the classifier, which has a bias in mmseg, and the auxiliary heads, which read
               other features: model.backbone_weights), the backbone of other ResNetV1b networks
               and SegFormer's MiT encoder (segformer_b0; query, key and value split from
               in_proj). Refused, saying why: ResNetV1c (*_r50-d8, deep stem), UNet, DDRNet.

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

    def chunk(self, n):
        return [Zeros(self.dtype, [self.shape[0] // n] + self.shape[1:])] * n

    def reshape(self, shape):
        return Zeros(self.dtype, shape)

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
        self.tensor, self.shape = tensor, list(tensor.shape)

    def chunk(self, n):
        return [Torch(t) for t in self.tensor.chunk(n)]

    def reshape(self, shape):
        return Torch(self.tensor.reshape(shape))

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


def first_key(state, prefix):
    return next((k for k in state if k.startswith(prefix)), None)


def dropped(state, prefix, why):
    """`state` without the keys under `prefix`, saying so on stderr when there were any."""
    if first_key(state, prefix):
        print(f"note: left out {prefix}* ({why})", file=sys.stderr)
    return without(state, prefix)


def torchvision_map(state):
    if any(k.startswith("features.") for k in state):  # MobileNetV3
        return only(state, "features.")
    return without(state, "fc.")  # ResNet



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


# timm's MobileNetV3: the stem, then blocks.S.B numbered on as torchvision's features.N, each
# block's parts by its kind (an inverted residual with conv_pwl, its projection after the SE
# when there is one; the first stage's depthwise-separable block; the last 1x1 ConvBnAct); the
# head (conv_head, a linear layer as a 1x1 conv) and classifier dropped, as torchvision's.
TIMM_MOBILENETV3_PARTS = {
    "conv_pwl": {"conv_pw": "block.0.0", "bn1": "block.0.1", "conv_dw": "block.1.0",
                 "bn2": "block.1.1", "se.conv_reduce": "block.2.fc1",
                 "se.conv_expand": "block.2.fc2", "conv_pwl": "block.P.0", "bn3": "block.P.1"},
    "conv_pw": {"conv_dw": "block.0.0", "bn1": "block.0.1", "conv_pw": "block.1.0",
                "bn2": "block.1.1"},
    "conv": {"conv": "0", "bn1": "1"}}


def timm_mobilenetv3_map(state):
    blocks = sorted({(int(m[1]), int(m[2])) for k in state
                     if (m := re.match(r"blocks\.(\d+)\.(\d+)\.", k))})
    out = {}
    for key, v in without(without(state, "conv_head."), "classifier.").items():
        if m := re.match(r"(conv_stem|bn1)\.(\w+)$", key):
            out[f"0.{0 if m[1] == 'conv_stem' else 1}.{m[2]}"] = v
            continue
        m = re.match(r"blocks\.(\d+)\.(\d+)\.(.+)\.(\w+)$", key)
        block = m and f"blocks.{m[1]}.{m[2]}."
        kind = m and next((k for k in TIMM_MOBILENETV3_PARTS if f"{block}{k}.weight" in state),
                          None)
        part = kind and TIMM_MOBILENETV3_PARTS[kind].get(m[3])
        if not part:
            sys.exit(f"--from timm: {key}: not a part of timm's MobileNetV3 that this map knows")
        projection = "3" if block + "se.conv_reduce.weight" in state else "2"
        index = blocks.index((int(m[1]), int(m[2]))) + 1
        out[f"{index}.{part.replace('P', projection)}.{m[4]}"] = v
    return out


def timm_map(state):
    return timm_mobilenetv3_map(state) if "conv_stem.weight" in state else torchvision_map(state)


# mmsegmentation (weights under "state_dict"; mmcv's ConvModule names its parts "conv", "bn").
# Networks are told apart by their keys. Those whose layout no Tessel network has are refused:
MMSEG_REFUSED = [
    ("backbone.stem.0.weight", "mmseg's ResNetV1c (the *_r50-d8 configs) has a deep stem of three "
     "3x3 convolutions (backbone.stem.*) where torchvision's ResNet, which Tessel's ResNets are, "
     "has one 7x7 conv1; the *_r50b-d8 configs' ResNetV1b checkpoints convert"),
    ("backbone.encoder.0.0.convs.", "mmseg's UNet upsamples by interpolation and a 1x1 ConvModule "
     "(decoder.N.upsample.interp_upsample) and classifies with an FCNHead; Tessel's unet uses 2x2 "
     "transposed convolutions and a 1x1 classifier"),
    ("backbone.context_branch_layers.", "mmseg's DDRNet is not mapped: its modules are named and "
     "nested differently from SuperGradients' DDRNet that Tessel's ddrnet_* mirror, and no test "
     "checks that its layers line up; convert SuperGradients' checkpoints (--from sg)")]

# STDC-Seg (STDCContextPathNet): to SuperGradients' names, which stdc1_seg / stdc2_seg have. In a
# stride-2 STDC module, mmseg's "downsample" (the strided depthwise conv) leads SG's second branch.
MMSEG_STDC_RULES = [
    (r"^backbone\.backbone\.stages\.([01])\.",
     lambda m: f"cp.backbone.stages.block_s{2 ** (int(m[1]) + 1)}.0."),
    (r"^backbone\.backbone\.stages\.([234])\.",
     lambda m: f"cp.backbone.stages.block_s{2 ** (int(m[1]) + 1)}."),
    (r"(block_s\d+\.0)\.downsample\.", r"\1.conv_list.1.0."),
    (r"(block_s\d+\.0)\.layers\.1\.", r"\1.conv_list.1.1."),
    (r"\.layers\.(\d)\.", r".conv_list.\1."),
    (r"^backbone\.arms\.0\.", "cp.arm32."), (r"^backbone\.arms\.1\.", "cp.arm16."),
    (r"\.conv_layer\.", ".conv_first."), (r"\.atten_conv_layer\.", ".attention_block."),
    (r"^backbone\.convs\.0\.", "cp.upsample32.1."), (r"^backbone\.convs\.1\.", "cp.upsample16.1."),
    (r"^backbone\.conv_avg\.", "cp.context_embedding.context_embedding.1."),
    (r"^backbone\.ffm\.conv0\.", "ffm.pw_conv."),
    (r"^backbone\.ffm\.attention\.1\.", "ffm.attention_block.1."),
    (r"^backbone\.ffm\.attention\.2\.conv\.", "ffm.attention_block.2."),
    (r"^decode_head\.convs\.0\.", "segmentation_head.0.seg_head.0."),
    (r"\.conv\.", ".seq.conv."), (r"\.bn\.", ".seq.bn.")]

# MiT (MixVisionTransformer, keys under "backbone."): to the names of HuggingFace's encoder. mmseg
# packs each attention's query, key and value into nn.MultiheadAttention's in_proj (split below)
# and makes the MLP's linear layers 1x1 convolutions (reshaped below).
MMSEG_MIT_RULES = [
    (r"^layers\.(\d+)\.0\.projection\.", r"patch_embeddings.\1.proj."),
    (r"^layers\.(\d+)\.0\.norm\.", r"patch_embeddings.\1.layer_norm."),
    (r"^layers\.(\d+)\.1\.(\d+)\.", r"block.\1.\2."),
    (r"^layers\.(\d+)\.2\.", r"layer_norm.\1."),
    (r"\.norm([12])\.", r".layer_norm_\1."),
    (r"\.attn\.attn\.out_proj\.", ".attention.output.dense."),
    (r"\.attn\.attn\.in_proj_", ".attention.self.in_proj."),
    (r"\.attn\.sr\.", ".attention.self.sr."), (r"\.attn\.norm\.", ".attention.self.layer_norm."),
    (r"\.ffn\.layers\.0\.", ".mlp.dense1."), (r"\.ffn\.layers\.1\.", ".mlp.dwconv.dwconv."),
    (r"\.ffn\.layers\.4\.", ".mlp.dense2.")]


def mmseg_mit_map(state):
    out = {}
    for key, v in renamed(only(state, "backbone."), MMSEG_MIT_RULES).items():
        if ".in_proj." in key:
            for name, part in zip(("query", "key", "value"), v.chunk(3)):
                out[key.replace("in_proj", name)] = part
        elif ".mlp.dense" in key and key.endswith(".weight"):
            out[key] = v.reshape(v.shape[:2])
        else:
            out[key] = v
    return out


def mmseg_map(state):
    for prefix, why in MMSEG_REFUSED:
        if key := first_key(state, prefix):
            sys.exit(f"--from mmseg: {key}: {why}")
    if "backbone.layers.0.0.projection.weight" in state:  # SegFormer
        dropped(state, "decode_head.", "mmseg's SegformerHead, a ConvModule per stage, is not "
                "HuggingFace's all-MLP head that segformer_b0 has: the file is the encoder")
        return mmseg_mit_map(state)
    if first_key(state, "backbone.backbone.stages."):  # STDC-Seg
        state = dropped(state, "decode_head.conv_seg.", "mmseg's classifier has a bias, "
                        "SuperGradients' (stdc*_seg's) none: train it anew")
        return renamed(dropped(state, "auxiliary_head.", "mmseg's auxiliary heads read the context "
                               "path, SuperGradients' (stdc*_seg with aux) the backbone"),
                       MMSEG_STDC_RULES)
    if first_key(state, "backbone.detail."):  # BiSeNetV2: ours has mmseg's names
        return state
    if "backbone.layer1.0.conv1.weight" in state:  # ResNetV1b: torchvision's names
        # PSPHead and DepthwiseSeparableASPPHead: our pspnet_* and deeplabv3plus_* have them.
        if any(first_key(state, f"decode_head.{h}.") for h in ("psp_modules", "c1_bottleneck")):
            return state
        head = ("no Tessel network has this mmseg decode head; the backbone loads with "
                "model.backbone_weights")
        return dropped(dropped(state, "decode_head.", head), "auxiliary_head.", head)
    sys.exit(f"--from mmseg: no Tessel network mirrors this mmsegmentation model (first keys: "
             f"{', '.join(list(state)[:4])})")


def sg_map(state):
    """Tessel's SuperGradients networks have SG's module names, so a network's checkpoint loads as
    it is. An STDC ImageNet classifier (what SG's STDC-Seg and PP-LiteSeg recipes start from)
    becomes its backbone under the backbone's own names, which model.backbone_weights takes."""
    if first_key(state, "conv_last.") and first_key(state, "backbone.stages."):
        return only(state, "backbone.")
    return dict(state)


def dinov2_map(state):
    """The official DINOv2 backbones (dinov2_vits14_pretrain.pth, ...): our names already; the
    mask_token, which only DINOv2's masked-image pretraining reads, is left out."""
    return dropped(state, "mask_token", "only DINOv2's pretraining uses it")


def smp_map(state):
    return dict(state)  # Tessel's SMP networks use SMP's names


def hf_map(state):
    return {**only(state, "segformer.encoder."),
            **renamed(only(state, "segformer.stages."), HF5_RULES)}


MAPS = {"torchvision": torchvision_map, "timm": timm_map, "smp": smp_map, "hf": hf_map,
        "dinov2": dinov2_map,
        "sg": sg_map, "mmseg": mmseg_map}


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
