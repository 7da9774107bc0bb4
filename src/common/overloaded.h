// Overloaded: a set of lambdas as one visitor, for std::visit over the model's variants.
#pragma once

namespace edgelite {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace edgelite
