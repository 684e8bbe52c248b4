# %% [markdown]
# # 12. From scalars to tensors: one graph, a whole batch
#
# The scalar engine builds a new graph for every sample, though for a network the graph
# is the same every time: only the numbers change. Record it once, as a program, and
# replay the program with numpy arrays in place of numbers: every sample of the batch
# goes through at once. That is what a tensor framework does.

# %% [markdown]
# The program of one sample's loss through a small MLP: one line per op, each node
# named as in the pictures.

# %%
import copy
import time

import numpy as np

from micrograd_plus.datasets import load_digits, make_moons
from micrograd_plus.lecture import setup
from micrograd_plus.losses import binary_cross_entropy_with_logits
from micrograd_plus.nn import MLP
from micrograd_plus.optim import Adam
from micrograd_plus.parameters import matrix
from micrograd_plus.plots import figure, loss_curve, style
from micrograd_plus.training import ModelTape, accuracy, outputs, train

demo = setup("scalars_to_tensors")
small_model = MLP(2, [2, 1], seed=demo.seed)
small = ModelTape(small_model, "bce")
print(small)

# %% [markdown]
# The same program as the tape runs it. The fusion pass finds each layer in it, sums of
# weight-times-input products that read the same inputs, and replays the layer as one
# matrix product: a layer is a matrix multiply, read here from the graph above. Its
# weight matrix is no copy: a model keeps all its parameters in one array, and `L1.W`
# is a view of it, row i the weights of neuron i.

# %%
fused = small.tape.fused()
print(fused)
assert fused.splitlines()[:2] == ["h1 = relu(x @ L1.W.T + L1.b)", "h2 = h1 @ L2.W.T + L2.b"]
views = matrix([neuron.w for neuron in small_model.layers[0].neurons])
assert views is not None
W = views[0]
print("L1.W =", W.tolist())
print("L1.N2.w0 =", small_model.layers[0].neurons[1].w[0].data)
assert W[1, 0] == small_model.layers[0].neurons[1].w[0].data

# %% [markdown]
# One training step of MLP(2 -> [16, 16, 1]) on 100 moons, computed both ways. The
# gradients agree to rounding; the tape is a hundred times faster or more.

# %%
X, y = make_moons(100, noise=0.1, seed=demo.seed)
scalar_model = MLP(2, [16, 16, 1], seed=demo.seed)
tape_model = copy.deepcopy(scalar_model)

start = time.perf_counter()
loss = binary_cross_entropy_with_logits([scalar_model(x) for x in X], y)
loss.backward()
scalar_ms = (time.perf_counter() - start) * 1000

tape = ModelTape(tape_model, "bce")
tape.forward(X, y)  # the first replay also checks the tape against the scalar engine
tape_model.zero_grad()
start = time.perf_counter()
tape_loss = float(np.mean(tape.forward(X, y)))
tape.backward()
tape_ms = (time.perf_counter() - start) * 1000

names = [name for name, _ in scalar_model.named_parameters()]
scalar_grads = np.array([p.grad for p in scalar_model.parameters()])
tape_grads = np.array([p.grad for p in tape_model.parameters()])
print(f"loss: scalar {loss.data:.12f}, tape {tape_loss:.12f}")
print(f"{'parameter':<24}{'scalar engine':>18}{'tape':>18}")
for i in range(0, len(names), 67):
    print(f"{names[i]:<24}{scalar_grads[i]:>18.12f}{tape_grads[i]:>18.12f}")
largest = float(np.max(np.abs(scalar_grads - tape_grads)))
print(f"largest difference over all {len(names)} gradients: {largest:.1e}")
print(f"one step: scalar {scalar_ms:.0f} ms, tape {tape_ms:.2f} ms ({scalar_ms / tape_ms:.0f}x)")
assert largest < 1e-12 * max(1.0, float(np.max(np.abs(scalar_grads))))
assert abs(loss.data - tape_loss) < 1e-12

# %% [markdown]
# A real data set: the 8x8 handwritten digits that scikit-learn ships (1,797 images,
# no download), trained with the tape in mini-batches. Look at the test accuracy, on
# images the model never saw.

# %%
try:
    images, labels = load_digits()
except ModuleNotFoundError as missing:
    images = labels = None
    print(missing)

if images is not None:
    images = images / 16.0
    order = np.random.default_rng(demo.seed).permutation(len(images))
    cut = int(0.8 * len(images))
    train_rows, test_rows = order[:cut], order[cut:]
    model = MLP(64, [32, 10], seed=demo.seed)
    steps = 60 if demo.quick else 600 if demo.full else 150
    start = time.perf_counter()
    history = train(
        model, images[train_rows], labels[train_rows], loss="cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.01), steps=steps, batch_size=128,
        seed=demo.seed, engine="tape",
    )  # fmt: skip
    seconds = time.perf_counter() - start
    test_accuracy = accuracy(model, images[test_rows], labels[test_rows], "cross_entropy", "tape")
    print(f"{model}: {steps} steps in {seconds:.1f} s; test accuracy {test_accuracy:.1%}")
    assert test_accuracy >= (0.8 if demo.quick else 0.95)

# %% [markdown]
# The loss per step, and the test images the model got wrong, each with the truth and
# the model's answer.

# %%
if images is not None:
    demo.show(loss_curve(history, title="digits: loss and batch accuracy"), "digits_loss")
    said = outputs(model, images[test_rows], "tape").argmax(axis=1)
    wrong = [i for i, (a, b) in enumerate(zip(said, labels[test_rows])) if a != b][:16]
    fig, axes = figure(2, 8, size=(12, 3.8))
    with style():
        for axis in axes.ravel():
            axis.set_axis_off()
        for axis, i in zip(axes.ravel(), wrong):
            axis.imshow(images[test_rows][i].reshape(8, 8), cmap="gray_r")
            axis.set_title(f"{labels[test_rows][i]}, said {said[i]}", fontsize=11)
        fig.suptitle(f"{len(wrong)} of the {len(test_rows)} test digits it got wrong (truth, said)")
    demo.show(fig, "digits_wrong")
