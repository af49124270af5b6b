// Pretrained backbones (models/pretrained.h) from the checkpoints people have: the state dict key
// lists of torchvision, timm, segmentation_models_pytorch, transformers, SuperGradients and
// mmsegmentation (tests/fixtures/weights/*.txt, written by gen_weight_keys.py with those
// libraries), converted by tools/convert_weights.py as a user would (zeros of those shapes: the
// script reads a shape list without PyTorch), load into our networks' backbones, every tensor of
// them.
#include "models/pretrained.h"

#include <gtest/gtest.h>

#include "core/strings.h"
#include "models/registry.h"
#include "nn/safetensors.h"
#include "tests/models/weight_files.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

using tessel::testing::TempDir;
using testing::convert;
using testing::have_python;
using testing::unconverted;

// What a converted file holds: the backbone; the whole network (model.weights loads it
// strictly); part of it (every tensor of the file is one of the network's, by name and shape).
enum Holds { only_backbone, whole, part };

struct Checkpoint {
  const char* model;
  ModelOptions options;
  const char* fixture;
  const char* source;        // convert_weights.py --from
  int64_t backbone_tensors;  // all loaded by model.backbone_weights; 0: no backbone
  Holds holds = only_backbone;
};

// Cityscapes' 19 classes, with the auxiliary heads.
const ModelOptions kCityscapesAux{.num_classes = 19, .aux = true};

class ConvertedCheckpoint : public ::testing::TestWithParam<Checkpoint> {};

TEST_P(ConvertedCheckpoint, Loads) {
  if (!have_python()) GTEST_SKIP() << "python3 runs tools/convert_weights.py";
  const Checkpoint& c = GetParam();
  TempDir dir;
  std::string file = convert(dir, c.fixture, c.source);
  if (c.backbone_tensors > 0) {
    auto model = create(c.model, c.options);
    // Non-zero everywhere, so that the zeros of the file show where it loaded.
    std::vector<nn::ModulePtr> backbone;
    for (const std::string& part : model->backbone_paths())
      backbone.push_back(model->get_submodule(part));
    for (const nn::ModulePtr& part : backbone)
      for (auto& [name, t] : part->state_dict()) t.fill_(1.0);
    const std::string n = std::to_string(c.backbone_tensors);
    EXPECT_EQ(load_backbone_weights(*model, file).summary(),
              "loaded " + n + "/" + n + " backbone tensors from " + file + " into " +
                  join(model->backbone_paths()) + "; missing: none; unexpected: none");
    for (const nn::ModulePtr& part : backbone)
      for (auto& [name, t] : part->state_dict())
        EXPECT_EQ(sum(abs(t.to(DType::F64))).item(), 0.0) << name << " was not loaded";
  }
  if (c.holds != only_backbone) {
    nn::IncompatibleKeys keys =
        nn::load_state_dict_file(file, *create(c.model, c.options), c.holds == whole);
    EXPECT_TRUE(keys.unexpected_keys.empty()) << join(keys.unexpected_keys);
  }
}

// Backbone counts: the libraries' ImageNet classifiers less their classifier (fc.weight and
// fc.bias; MobileNetV3's two linear layers; SegFormer's), or, from a whole network's checkpoint,
// the keys under its backbone's path. SuperGradients' networks as its models.get builds them
// (19 Cityscapes classes; STDC1-Seg with its auxiliary and detail heads, the others without).
// mmsegmentation's as its configs build them: the whole network where ours mirrors it
// (PSPNet and DeepLabV3+ on ResNetV1b, BiSeNetV2), the backbone where only that matches
// (DeepLabV3's ASPPHead, SegFormer's head), STDC-Seg less its auxiliary heads and classifier.
// The official DINOv2 ViT-S/14 backbone (less its mask_token) as the DINOv2 recipe loads it.
// SuperGradients' ImageNet backbone for DDRNet-23-slim ("ddrnet23_slim_bb_imagenet.pth") as its
// Cityscapes recipes load it, into the ImageNet classifier's .backbone: _backbone and the
// high-resolution branch beside it (230 tensors, all of which model.backbone_weights loads).
INSTANTIATE_TEST_SUITE_P(
    Libraries, ConvertedCheckpoint,
    ::testing::Values(
        Checkpoint{"deeplabv3plus_resnet50", {}, "torchvision_resnet50", "torchvision", 318},
        Checkpoint{"fcn_resnet18", {}, "torchvision_resnet18", "torchvision", 120},
        Checkpoint{"deeplabv3_resnet101", {}, "torchvision_resnet101", "torchvision", 624},
        Checkpoint{
            "lraspp_mobilenet_v3_large", {}, "torchvision_mobilenet_v3_large", "torchvision", 308},
        Checkpoint{"pspnet_resnet50", {}, "timm_resnet50", "timm", 318},
        Checkpoint{"unet_resnet34", {}, "torchvision_resnet34", "torchvision", 216},
        Checkpoint{"segformer_b0", {}, "hf_mit_b0", "hf", 192},
        Checkpoint{"unet_resnet34", {.num_classes = 21}, "smp_unet_resnet34", "smp", 216, whole},
        Checkpoint{"pp_liteseg_t", {}, "sg_stdc1_classification", "sg", 174},
        Checkpoint{"ddrnet_23_slim", {.num_classes = 19}, "sg_ddrnet_23_slim", "sg", 230, whole},
        Checkpoint{"stdc1_seg", kCityscapesAux, "sg_stdc1_seg50", "sg", 174, whole},
        Checkpoint{"pp_liteseg_t", {.num_classes = 19}, "sg_pp_lite_t_seg75", "sg", 174, whole},
        Checkpoint{"regseg48", {.num_classes = 19}, "sg_regseg48", "sg", 0, whole},
        Checkpoint{"lraspp_mobilenet_v3_large", {}, "timm_mobilenetv3_large_100", "timm", 308},
        Checkpoint{"pspnet_resnet50", kCityscapesAux, "mmseg_pspnet_r50b", "mmseg", 318, whole},
        Checkpoint{"deeplabv3plus_resnet50", kCityscapesAux, "mmseg_deeplabv3plus_r50b", "mmseg",
                   318, whole},
        Checkpoint{"deeplabv3_resnet50", {}, "mmseg_deeplabv3_r50b", "mmseg", 318},
        Checkpoint{"bisenetv2", kCityscapesAux, "mmseg_bisenetv2", "mmseg", 0, whole},
        Checkpoint{"stdc1_seg", {.num_classes = 19}, "mmseg_stdc1", "mmseg", 174, part},
        Checkpoint{"stdc2_seg", {.num_classes = 19}, "mmseg_stdc2", "mmseg", 318, part},
        Checkpoint{"ddrnet_23_slim", {}, "sg_ddrnet_23_slim_bb_imagenet", "sg", 230, part},
        Checkpoint{"segformer_b0", {}, "mmseg_segformer_mit_b0", "mmseg", 192},
        Checkpoint{"dinov2_vits14", {}, "dinov2_vits14", "dinov2", 174}),
    [](const auto& info) { return std::string(info.param.fixture); });

// mmsegmentation checkpoints whose backbone no Tessel network has are refused, saying why.
TEST(PretrainedWeights, ConverterRefusesMmsegNetworksWeDoNotHave) {
  if (!have_python()) GTEST_SKIP() << "python3 runs tools/convert_weights.py";
  TempDir dir;
  std::string messages;
  EXPECT_NE(testing::run_convert(dir, "mmseg_pspnet_r50", "mmseg", messages), 0);
  EXPECT_NE(messages.find("--from mmseg: backbone.stem.0.weight: mmseg's ResNetV1c"),
            std::string::npos)
      << messages;
  EXPECT_NE(testing::run_convert(dir, "mmseg_unet_s5_d16", "mmseg", messages), 0);
  EXPECT_NE(messages.find("--from mmseg: backbone.encoder.0.0.convs.0.conv.weight: mmseg's UNet"),
            std::string::npos)
      << messages;
}

// A checkpoint as torchvision writes it: the classifier is reported as unexpected. Into
// ResNet-101, layer3's blocks 6 to 22 are missing too (17 blocks of 3 convolutions and 3 norms of
// 5 tensors: 17 * 18), and keep their initialisation.
TEST(PretrainedWeights, ReportsMissingAndUnexpectedKeys) {
  TempDir dir;
  std::string file = unconverted(dir, "torchvision_resnet50");
  auto resnet50 = create("deeplabv3_resnet50", {.num_classes = 3});
  EXPECT_EQ(load_backbone_weights(*resnet50, file).summary(),
            "loaded 318/318 backbone tensors from " + file +
                " into backbone; missing: none; unexpected: fc.weight, fc.bias");
  auto resnet101 = create("deeplabv3_resnet101", {.num_classes = 3});
  BackboneLoad r = load_backbone_weights(*resnet101, file);
  EXPECT_EQ(r.keys.missing_keys.size(), 17u * 18u);
  EXPECT_EQ(r.summary(), "loaded 318/624 backbone tensors from " + file +
                             " into backbone; missing: layer3.6.conv1.weight, layer3.6.bn1.weight, "
                             "layer3.6.bn1.bias, layer3.6.bn1.running_mean, "
                             "layer3.6.bn1.running_var, layer3.6.bn1.num_batches_tracked, "
                             "layer3.6.conv2.weight, layer3.6.bn2.weight and 298 more; "
                             "unexpected: fc.weight, fc.bias");
}

// A whole network's file: the keys under the backbone's path are the backbone's.
TEST(PretrainedWeights, TakesTheBackboneOfAWholeNetwork) {
  TempDir dir;
  std::string file = dir.path("deeplabv3.safetensors");
  nn::save_state_dict(file, *create("deeplabv3_resnet50", {.num_classes = 21, .aux = true}));
  auto model = create("pspnet_resnet50", {.num_classes = 3});
  BackboneLoad r = load_backbone_weights(*model, file);
  EXPECT_EQ(r.loaded, 318);
  EXPECT_TRUE(r.keys.empty()) << r.summary();
}

TEST(PretrainedWeights, ErrorsNameTheFileAndTheKey) {
  TempDir dir;
  std::string resnet50 = unconverted(dir, "torchvision_resnet50");
  // ResNet-50's bottleneck into ResNet-18's basic block: nothing is loaded.
  auto resnet18 = create("fcn_resnet18", {.num_classes = 3});
  Tensor before = resnet18->get_parameter("backbone.conv1.weight").clone();
  std::string msg = tessel::testing::error_of([&] { load_backbone_weights(*resnet18, resnet50); });
  EXPECT_NE(msg.find("load_backbone_weights: " + resnet50), std::string::npos) << msg;
  EXPECT_NE(msg.find("size mismatch for backbone.layer1.0.conv1.weight: copying a tensor with "
                     "shape "
                     "[64, 64, 1, 1] from the state_dict, the shape in the current model is "
                     "[64, 64, 3, 3]"),
            std::string::npos)
      << msg;
  EXPECT_EQ(sum(abs(resnet18->get_parameter("backbone.conv1.weight") - before)).item(), 0.0);

  EXPECT_ERROR(load_backbone_weights(*resnet18, dir.path("absent.safetensors")),
               dir.path("absent.safetensors"));

  std::string other = dir.path("other.safetensors");
  nn::write_safetensors(other, nn::StateDict{{"features.0.weight", zeros({2})}});
  EXPECT_ERROR(load_backbone_weights(*resnet18, other),
               "load_backbone_weights: " + other +
                   ": none of its 1 tensors is a key of FCN's backbone (the file has "
                   "features.0.weight; the backbone has conv1.weight, bn1.weight");

  auto unet = create("unet", {.num_classes = 3});
  EXPECT_ERROR(load_backbone_weights(*unet, resnet50), "UNet has no pretrained backbone");
}

}  // namespace
}  // namespace tessel::models
