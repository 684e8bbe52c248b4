# %% [markdown]
# # 10. Vanishing gradients and dead ReLUs
#
# Backpropagation multiplies local derivatives layer by layer. Sigmoid's derivative is
# at most 0.25, so through eight sigmoid layers the gradient shrinks by a factor of
# hundreds or more before it reaches the first layer: the early layers barely learn.
# ReLU's derivative is 1 wherever the neuron is active, so it loses far less on the way
# (what it still loses here comes from the small initial weights and from dead neurons);
# and a neuron whose input is negative for every sample passes nothing back: it is dead.

# %% [markdown]
# Two deep, narrow MLPs, sigmoid and ReLU, one backward pass each. Look at the mean
# gradient per layer, first to last, and at each network's picture for one sample:
# each neuron's delta dL/d(w . x + b), purple where it vanished, black where dead.

# %%
import numpy as np

from micrograd_plus import Value
from micrograd_plus.datasets import make_moons
from micrograd_plus.lecture import setup
from micrograd_plus.losses import binary_cross_entropy_with_logits
from micrograd_plus.nn import MLP
from micrograd_plus.viz import draw_network

demo = setup("vanishing")
X, y = make_moons(16 if demo.quick else 40, noise=0.1, seed=demo.seed)
depth, width = 8, 6
sizes = {}
for activation in ["sigmoid", "relu"]:
    model = MLP(2, [width] * depth + [1], activation=activation, seed=demo.seed)
    loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
    loss.backward()
    # a neuron's gradient dL/d(w.x + b) is its bias's gradient
    sizes[activation] = [
        np.mean([abs(n.b.grad) for n in layer.neurons]) for layer in model.layers[:-1]
    ]
    dead = 0
    for layer_index in range(depth):
        for neuron_index in range(width):
            pre = []
            for x in X:
                xs = [Value(float(v)) for v in x]
                for layer in model.layers[:layer_index]:
                    xs = layer.forward(xs)
                pre.append(model.layers[layer_index].neurons[neuron_index].preactivation(xs).data)
            dead += activation == "relu" and max(pre) <= 0
    print(f"{activation}: mean |gradient| per hidden layer, first to last:")
    print("   " + "  ".join(f"{s:.1e}" for s in sizes[activation]))
    if activation == "relu":
        print(f"   dead ReLUs (input <= 0 on every sample): {dead} of {depth * width}")
    # one sample's activations and deltas: pale (or purple) columns are vanished layers
    picture = draw_network(model, X[0], target=y[0], loss="bce")
    demo.show(picture, f"{activation}_network")

# %% [markdown]
# The ratio of the first layer's gradient to the last's: tiny for sigmoid.

# %%
sigmoid_shrink = sizes["sigmoid"][0] / sizes["sigmoid"][-1]
relu_shrink = sizes["relu"][0] / max(sizes["relu"][-1], 1e-300)
print(f"first layer / last layer: sigmoid {sigmoid_shrink:.1e}, relu {relu_shrink:.1e}")
assert sigmoid_shrink < 0.01  # vanished
assert relu_shrink > 10 * sigmoid_shrink
