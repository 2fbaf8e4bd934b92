# cnnlab's network in PyTorch, built from the README alone ("The network", "Weights
# files"), and cnnlab weights files read and written from PyTorch.
#
# The part between the two README markers is quoted verbatim in the README ("For
# teachers" → "PyTorch"); tests/interop/interop.test.ts checks that the two are equal.
# Below it: helpers the interop test needs (MNIST IDX files, the README's Glorot
# initialisation, the binary format). Only the standard library, numpy and torch.
import struct
import zlib

import numpy as np

# >>> README snippet (For teachers → PyTorch)
import json
import torch
from torch import nn


class CnnlabNet(nn.Module):
    """cnnlab's network with the weights file's tensor names; forward gives the logits."""

    def __init__(self, activation="relu", pooling="average", maps1=4, maps2=6, hidden=50):
        super().__init__()
        self.config = dict(activation=activation, pooling=pooling, maps1=maps1, maps2=maps2, hidden=hidden)
        self.f = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]
        self.pool = {"average": nn.AvgPool2d(2), "max": nn.MaxPool2d(2)}[pooling]
        self.conv1 = nn.Conv2d(1, maps1, 5)       # K¹, b¹: 1×28×28 → maps1×24×24
        self.conv2 = nn.Conv2d(maps1, maps2, 5)   # K², b²: maps1×12×12 → maps2×8×8
        self.fc1 = nn.Linear(maps2 * 16, hidden)  # W₁, b₁ on flatten (index map·16 + row·4 + col)
        self.fc2 = nn.Linear(hidden, 10)          # W₂, b₂; S = softmax(logits)

    def forward(self, x):  # x: [batch, 1, 28, 28], the MNIST bytes / 255
        x = self.pool(self.f(self.conv1(x)))
        x = self.pool(self.f(self.conv2(x)))
        return self.fc2(self.f(self.fc1(x.flatten(1))))


def save_cnnlab(model, path):
    doc = {"format": "cnnlab-weights", "version": 1, "config": model.config}
    for name, tensor in model.state_dict().items():
        doc[name] = {"shape": list(tensor.shape), "data": tensor.flatten().tolist()}
    with open(path, "w") as file:
        json.dump(doc, file)


def load_cnnlab(path):
    with open(path) as file:
        doc = json.load(file)
    model = CnnlabNet(**doc["config"])
    model.load_state_dict({name: torch.tensor(doc[name]["data"]).reshape(doc[name]["shape"])
                           for name in model.state_dict()})
    return model
# <<< README snippet


# ---------------------------------------------------------------- MNIST

def read_idx(path):
    """An uncompressed IDX file (big-endian header) as a numpy uint8 array."""
    with open(path, "rb") as file:
        data = file.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {body.size} bytes of data for shape {dims}")
    return body.reshape(dims)


def mnist(data_dir, prefix):
    """(images [N, 1, 28, 28] float32 = bytes / 255, labels [N] int64) of "train" or "t10k"."""
    images = read_idx(f"{data_dir}/{prefix}-images-idx3-ubyte")
    labels = read_idx(f"{data_dir}/{prefix}-labels-idx1-ubyte")
    x = torch.from_numpy(images.copy()).float().div_(255.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


# ---------------------------------------------------------------- initialisation

def glorot_(model, generator):
    """The README's initialisation: Glorot uniform ±√(6/(fan_in+fan_out)) for K¹, K², W₁,
    W₂ (a kernel's fan is its map count × 25), zero biases. Same distribution as cnnlab's,
    not the same numbers (cnnlab draws from its own SplitMix64)."""
    with torch.no_grad():
        for layer in (model.conv1, model.conv2, model.fc1, model.fc2):
            w = layer.weight
            fan_out, fan_in = w.shape[0], w[0].numel()
            if w.dim() == 4:
                fan_out *= w.shape[2] * w.shape[3]
            bound = (6.0 / (fan_in + fan_out)) ** 0.5
            w.uniform_(-bound, bound, generator=generator)
            layer.bias.zero_()


# ---------------------------------------------------------------- binary format

MAGIC = b"CNNLAB\0W"
ACTIVATIONS = ["relu", "tanh", "sigmoid"]
POOLINGS = ["average", "max"]


def save_cnnlab_binary(model, path):
    """The README's binary format: header, float32 parameters in state_dict order, CRC-32."""
    c = model.config
    params = torch.cat([t.flatten() for t in model.state_dict().values()]).numpy().astype("<f4")
    body = MAGIC + struct.pack("<IBBHHHI", 1, ACTIVATIONS.index(c["activation"]),
                               POOLINGS.index(c["pooling"]), c["maps1"], c["maps2"], c["hidden"],
                               params.size) + params.tobytes()
    with open(path, "wb") as file:
        file.write(body + struct.pack("<I", zlib.crc32(body)))


def load_cnnlab_binary(path):
    with open(path, "rb") as file:
        data = file.read()
    if data[:8] != MAGIC:
        raise ValueError(f"{path}: not a cnnlab binary weights file")
    version, act, pool, maps1, maps2, hidden, n = struct.unpack("<IBBHHHI", data[8:24])
    if version != 1 or len(data) != 28 + 4 * n:
        raise ValueError(f"{path}: version {version}, {len(data)} bytes for {n} parameters")
    if struct.unpack("<I", data[-4:])[0] != zlib.crc32(data[:-4]):
        raise ValueError(f"{path}: checksum mismatch")
    model = CnnlabNet(ACTIVATIONS[act], POOLINGS[pool], maps1, maps2, hidden)
    params = torch.from_numpy(np.frombuffer(data, dtype="<f4", count=n, offset=24).astype(np.float32))
    state, at = {}, 0
    for name, tensor in model.state_dict().items():
        state[name] = params[at:at + tensor.numel()].reshape(tensor.shape)
        at += tensor.numel()
    if at != n:
        raise ValueError(f"{path}: {n} parameters, the config has {at}")
    model.load_state_dict(state)
    return model
