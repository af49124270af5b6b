// Views (engine/ops/view.cpp): view, reshape, permute, transpose, flatten, narrow, slice,
// select, expand, squeeze, unsqueeze share the input's storage.
#include <gtest/gtest.h>

#include "tests/engine/iota.h"
#include "tests/op_harness.h"

#include "engine/ops.h"

using namespace tessel;
using namespace tessel::testing;

TEST(Tensor, ViewAndReshapeShareStorage) {
  Tensor x = iota({2, 3, 4});
  Tensor v = x.view({6, -1});
  EXPECT_EQ(v.sizes(), (Shape{6, 4}));
  EXPECT_EQ(v.storage(), x.storage());
  EXPECT_EQ(x.reshape({4, 6}).storage(), x.storage());
  Tensor t = x.transpose(1, 2);  // [2, 4, 3], not contiguous
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.reshape({2, 2, 2, 3}).storage(), x.storage());  // splits dim 1 only: still a view
  Tensor flat = t.reshape({-1});                              // needs a copy
  EXPECT_NE(flat.storage(), x.storage());
  EXPECT_EQ(flat.to_vector<double>()[1], 4);
  EXPECT_ERROR(t.view({24}), "view: shape [24] is not compatible with the strides [12, 1, 4]");
  EXPECT_ERROR(x.view({5, -1}), "view: shape [5, -1] is invalid for input of shape [2, 3, 4]");
  EXPECT_ERROR(x.view({-1, -1}), "view: only one dimension can be -1");
  EXPECT_ERROR(x.reshape({7}), "reshape: shape [7] is invalid for input of shape [2, 3, 4]");
}

TEST(Tensor, PermuteTransposeFlatten) {
  Tensor x = iota({2, 3, 4});
  Tensor p = x.permute({2, 0, 1});
  EXPECT_EQ(p.sizes(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Shape{1, 12, 4}));
  EXPECT_EQ(p.contiguous().to_vector<double>()[1], 4);  // p[0][0][1] = x[0][1][0]
  EXPECT_EQ(x.transpose(0, -1).sizes(), (Shape{4, 3, 2}));
  EXPECT_EQ(x.flatten(1).sizes(), (Shape{2, 12}));
  EXPECT_EQ(x.flatten(0, 1).sizes(), (Shape{6, 4}));
  EXPECT_EQ(scalar_tensor(1).flatten().sizes(), (Shape{1}));
  EXPECT_ERROR(x.permute({0, 0, 1}), "permute: dim 0 repeated");
  EXPECT_ERROR(x.permute({0, 1}), "permute: got 2 dims for a tensor of 3 dims");
  EXPECT_ERROR(x.transpose(0, 3), "dimension 3 is out of range for a tensor of 3 dims");
}

TEST(Tensor, NarrowSliceSelect) {
  Tensor x = iota({10});
  Tensor s = x.slice(0, 1, 8, 3);
  EXPECT_EQ(s.to_vector<double>(), (V{1, 4, 7}));
  EXPECT_EQ(s.strides(), (Shape{3}));
  EXPECT_EQ(s.offset(), 1);
  EXPECT_EQ(s.storage(), x.storage());
  EXPECT_EQ(x.slice(0, -3, 100).to_vector<double>(), (V{7, 8, 9}));
  EXPECT_EQ(x.narrow(0, 2, 3).to_vector<double>(), (V{2, 3, 4}));
  Tensor m = iota({3, 4});
  EXPECT_EQ(m.select(1, -1).to_vector<double>(), (V{3, 7, 11}));
  EXPECT_EQ(m.select(0, 1).sizes(), (Shape{4}));
  EXPECT_ERROR(m.select(0, 3), "select: index 3 out of range for dim 0 of size 3");
  EXPECT_ERROR(x.narrow(0, 8, 3), "narrow: start 8 and length 3 exceed dim 0 of size 10");
  EXPECT_ERROR(x.slice(0, 0, 5, 0), "slice: step must be positive, got 0");
}

TEST(Tensor, ExpandSqueezeUnsqueeze) {
  Tensor x = iota({3, 1});
  Tensor e = x.expand({2, 3, 4});
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  EXPECT_EQ(e.storage(), x.storage());
  EXPECT_EQ(e.contiguous().to_vector<double>()[4], 1);  // e[0][1][0]
  EXPECT_EQ(x.expand({-1, 5}).sizes(), (Shape{3, 5}));
  EXPECT_ERROR(x.expand({4, 1}), "expand: size 3 of dim 0 cannot expand to 4");
  EXPECT_EQ(x.squeeze().sizes(), (Shape{3}));
  EXPECT_EQ(x.squeeze(0).sizes(), (Shape{3, 1}));  // size 3: unchanged
  EXPECT_EQ(x.squeeze(-1).sizes(), (Shape{3}));
  EXPECT_EQ(x.unsqueeze(0).sizes(), (Shape{1, 3, 1}));
  EXPECT_EQ(x.unsqueeze(-1).sizes(), (Shape{3, 1, 1}));
  EXPECT_EQ(x.unsqueeze(1).storage(), x.storage());
  EXPECT_ERROR(x.unsqueeze(3), "unsqueeze: dim 3 out of range for 2 dims");
}
