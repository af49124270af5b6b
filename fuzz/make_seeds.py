"""Seed corpora of the fuzz targets (fuzz/corpus/<target>/): small valid inputs of each kind the
parsers take, written by the libraries users make them with. scripts/fuzz.sh adds the test
fixtures (tests/fixtures/png, tests/fixtures/bad) and the shipped recipes (recipes/) as seeds too.

Made with Python 3.11, Pillow 13.0.0, NumPy 2.4.6, safetensors 0.8.0 (pip, in a venv):
  python3 -m venv /tmp/seedvenv && /tmp/seedvenv/bin/pip install pillow numpy safetensors
  /tmp/seedvenv/bin/python fuzz/make_seeds.py
"""
import io
import json
import os
import shutil

import numpy as np
from PIL import Image
from safetensors.numpy import save

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
rng = np.random.default_rng(0)
H, W = 11, 17


def target(name):
    folder = os.path.join(CORPUS, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return lambda file, data: open(os.path.join(folder, file), "wb").write(data)


def encoded(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def voc_palette(n=256):
    """The Pascal VOC colour map (data/image_io.h voc_palette)."""
    out = []
    for i in range(n):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        out.append((r, g, b))
    return out


rgb = Image.fromarray(rng.integers(0, 256, (H, W, 3), dtype=np.uint8))
labels = rng.integers(0, 21, (H, W), dtype=np.uint8)
labels[0, :3] = 255
palette = [v for c in voc_palette() for v in c]

image = target("image")
image("rgb.png", encoded(rgb, "PNG"))
image("rgba.png", encoded(rgb.convert("RGBA"), "PNG"))
image("grey_alpha.png", encoded(rgb.convert("LA"), "PNG"))
image("grey16.png", encoded(Image.fromarray(labels.astype(np.uint16) * 3000), "PNG"))
trns = Image.fromarray(labels).convert("P")
trns.putpalette(palette)
image("palette_trns.png", encoded(trns, "PNG", transparency=0))
image("rgb_420.jpg", encoded(rgb, "JPEG", quality=75))
image("rgb_444_progressive.jpg", encoded(rgb, "JPEG", quality=95, subsampling=0, progressive=True))
image("grey.jpg", encoded(rgb.convert("L"), "JPEG"))
image("cmyk.jpg", encoded(rgb.convert("CMYK"), "JPEG"))

mask = target("mask")
indexed = Image.fromarray(labels).convert("P")
indexed.putpalette(palette)
mask("palette.png", encoded(indexed, "PNG"))
for bits in (1, 2, 4):
    low = Image.fromarray(labels % (1 << bits)).convert("P")
    low.putpalette(palette[:3 << bits])
    mask("palette_%dbit.png" % bits, encoded(low, "PNG", bits=bits))
mask("grey.png", encoded(Image.fromarray(labels), "PNG"))
coloured = np.array(voc_palette(), dtype=np.uint8)[labels]
mask("voc_colours.png", encoded(Image.fromarray(coloured), "PNG"))

weights = target("safetensors")
weights("mixed.safetensors", save({
    "conv.weight": rng.standard_normal((2, 3, 1, 1)).astype(np.float32),
    "conv.bias": np.zeros(2, np.float16),
    "bn.num_batches_tracked": np.array(7, np.int64),
    "scale": np.array([0.5], np.float64),
    "ids": np.arange(3, dtype=np.int32),
    "lut": np.arange(4, dtype=np.uint8),
    "keep": np.array([True, False]),
    "empty": np.zeros((0, 3), np.float32),
}, metadata={"format": "pt", "step": "12"}))
weights("nothing.safetensors", save({}))

doc = target("json")
header = {"__metadata__": {"format": "pt"},
          "a.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
          "a.bias": {"dtype": "BF16", "shape": [2], "data_offsets": [24, 28]}}
doc("header.json", json.dumps(header).encode())
doc("grammar.json", json.dumps({"s": "caf\u00e9 \u20ac \U0001F600 \"\\/\b\f\n\r\t", "n": [
    0, -1, 2.5e-3, 1e308, 18446744073709551615, -9223372036854775808], "b": [True, False, None],
    "o": {"nested": [[[{}]]]}}, ensure_ascii=False).encode())
doc("state.json", json.dumps({"iteration": 300, "epoch": 2, "best": {"mIoU": 0.58},
                              "rng": [1, 2, 3, 4]}).encode())

recipe = target("recipe")
recipe("overrides.yaml", b"model:\n  name: unet\n#overrides\noptimizer.lr=0.01\n"
       b"train.iterations=10\ndata.train_augment=[{hflip: {p: 0.5}}]\n")
recipe("flow.yaml", b"{model: {name: fcn_resnet50}, loss: [{output: out, loss: dice, weight: 1}]}\n")

index = target("dataset_index")
labels_json = [{"name": "sky", "readable": "Sky", "color": [70, 130, 180], "evaluate": True},
               {"name": "car", "readable": "Car", "color": [0, 0, 142], "evaluate": True},
               {"name": "void", "readable": "Unlabeled", "color": [0, 0, 0], "evaluate": False}]
index("mapillary", b"\x00" + json.dumps({"labels": labels_json}).encode())
index("datumaro_map", b"\x01" + json.dumps({
    "label_map": {"0": "background", "1": "car"},
    "segmentation_colors": [[0, 0, 0], [128, 0, 0]]}).encode())
index("datumaro_list", b"\x01" + json.dumps({"labels": ["background", "person"]}).encode())
index("voc_ids", b"\x02a\n\n")
index("voc_sbd_pairs", b"\x02/JPEGImages/a.jpg /SegmentationClassAug/a.png\r\n")
index("folder_names", b"\x03background\nbig cat\n")
index("folder_colours", b"\x03background 0 0 0\nbig cat 128 0 0\n")
