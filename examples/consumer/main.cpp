// Fits y = 3x - 1 with the engine's autograd: proof that the installed headers and library work.
#include <engine/ops.h>

#include <cmath>
#include <iostream>

int main() {
  using namespace tessel;
  manual_seed(1);
  Tensor x = rand({64, 1});
  Tensor y = x * 3.0 - 1.0;
  Tensor w = zeros({1}).requires_grad_();
  Tensor b = zeros({1}).requires_grad_();
  double loss_value = 0;
  for (int step = 0; step < 300; ++step) {
    Tensor loss = mean(pow(x * w + b - y, 2.0));
    loss.backward();
    loss_value = loss.item();
    NoGradGuard no_grad;
    sub_(w, w.grad() * 0.5);
    sub_(b, b.grad() * 0.5);
    w.set_grad(Tensor());
    b.set_grad(Tensor());
  }
  std::cout << "w=" << w.item() << " b=" << b.item() << " loss=" << loss_value << "\n";
  return std::abs(w.item() - 3.0) < 0.05 && std::abs(b.item() + 1.0) < 0.05 ? 0 : 1;
}
