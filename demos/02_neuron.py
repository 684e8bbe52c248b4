# %% [markdown]
# # 2. One neuron, tanh(x*w + b), forward and backward by hand and by the engine
#
# The chain rule by hand: with n = x*w + b and o = tanh(n),
# do/dn = 1 - tanh(n)**2,  dn/dw = x,  dn/dx = w,  dn/db = 1,
# so do/dw = (1 - o**2) * x, and so on. The engine must give the same numbers.

# %% [markdown]
# Build the neuron from Values and call backward: every Value now holds its gradient.

# %%
import math

from micrograd_plus import Value
from micrograd_plus.lecture import setup
from micrograd_plus.viz import Stepper, explain, to_dot

demo = setup("neuron")
x, w, b = Value(0.5, "x"), Value(-2.0, "w"), Value(0.8, "b")
n = x * w + b
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()

# %% [markdown]
# The same gradients by hand, from the chain rule above: they agree to the last digit.

# %%
o_hand = math.tanh(0.5 * -2.0 + 0.8)
do_dn = 1 - o_hand**2
by_hand = {"x": do_dn * -2.0, "w": do_dn * 0.5, "b": do_dn}
print(f"o = tanh({n.data:.4g}) = {o.data:.4f}   (by hand {o_hand:.4f})")
for name, leaf in [("x", x), ("w", w), ("b", b)]:
    print(f"do/d{name}: engine {leaf.grad:.6f}, by hand {by_hand[name]:.6f}")
    assert math.isclose(leaf.grad, by_hand[name], rel_tol=1e-12)

# %% [markdown]
# The chain rule as the engine applied it, one line per edge of the graph.

# %%
print(explain(o))

# %% [markdown]
# The graph with its gradients: each edge carries what flowed back along it. The page
# neuron.html steps a class through the same passes, one product at a time.

# %%
demo.show(to_dot(o, params=[w, b]), "neuron")
demo.show(Stepper(o, params=[w, b]), "neuron")
