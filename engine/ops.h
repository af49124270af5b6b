// Every op of the engine.
#pragma once

#include "engine/autograd.h"
#include "engine/ops/confusion.h"
#include "engine/ops/conv.h"
#include "engine/ops/dice.h"
#include "engine/ops/dropout.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/linalg.h"
#include "engine/ops/loss.h"
#include "engine/ops/norm.h"
#include "engine/ops/pool.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"
#include "engine/ops/softmax.h"
#include "engine/ops/upsample.h"
#include "engine/random.h"
#include "engine/tensor.h"
