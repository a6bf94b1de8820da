"""A straightforward PyTorch version of lesson 04's network and optimiser, for comparison.

The same model as :mod:`phaselab.grokking`, written the way one would in PyTorch: an embedding
shared by both operands, the two embeddings concatenated, one hidden ReLU layer, a linear
read-out, cross-entropy and ``torch.optim.AdamW`` with weight decay on every parameter, all in
float32 on the CPU. It starts from the very parameters :func:`phaselab.grokking.init_params`
draws, so both implementations follow the same trajectory and the time per step compares like
with like.

PyTorch is optional: it is never a dependency of the course. Import this module only after
:func:`available` says PyTorch is installed.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np


def available() -> bool:
    """True if PyTorch can be imported."""
    return importlib.util.find_spec("torch") is not None


def version() -> str | None:
    """The installed PyTorch version, or ``None``."""
    if not available():
        return None
    import torch

    return str(torch.__version__)


def build_model(params: dict[str, np.ndarray]) -> Any:
    """A ``torch.nn.Module`` holding copies of ``params`` (from ``grokking.init_params``).

    ``w1`` (``2d x H``) and ``w2`` (``H x p``) are stored transposed, as ``nn.Linear`` keeps
    its weights (``out x in``).
    """
    import torch
    from torch import nn

    p, d = params["embed"].shape
    hidden = params["w1"].shape[1]

    class ModularAdditionNet(nn.Module):
        """Embedding of both operands, concatenated, a ReLU layer, a linear read-out."""

        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(p, d)
            self.hidden = nn.Linear(2 * d, hidden)
            self.readout = nn.Linear(hidden, p)

        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            x = torch.cat([self.embed(a), self.embed(b)], dim=1)
            return self.readout(torch.relu(self.hidden(x)))

    model = ModularAdditionNet()
    with torch.no_grad():
        model.embed.weight.copy_(torch.from_numpy(np.asarray(params["embed"], np.float32)))
        model.hidden.weight.copy_(torch.from_numpy(np.asarray(params["w1"], np.float32).T))
        model.hidden.bias.copy_(torch.from_numpy(np.asarray(params["b1"], np.float32)))
        model.readout.weight.copy_(torch.from_numpy(np.asarray(params["w2"], np.float32).T))
        model.readout.bias.copy_(torch.from_numpy(np.asarray(params["b2"], np.float32)))
    return model


def model_params(model: Any) -> dict[str, np.ndarray]:
    """The model's parameters as numpy arrays, named and shaped like ``grokking.init_params``."""
    return {
        "embed": model.embed.weight.detach().numpy().copy(),
        "w1": model.hidden.weight.detach().numpy().T.copy(),
        "b1": model.hidden.bias.detach().numpy().copy(),
        "w2": model.readout.weight.detach().numpy().T.copy(),
        "b2": model.readout.bias.detach().numpy().copy(),
    }


class TorchTrainer:
    """Full-batch AdamW training of :func:`build_model` on fixed examples.

    Parameters
    ----------
    params
        Initial parameters (copied).
    train_set
        Rows ``(a, b, (a + b) mod p)``.
    lr, betas, eps, weight_decay
        AdamW's settings, as in :class:`phaselab.grokking.GrokConfig`.
    """

    def __init__(self, params: dict[str, np.ndarray], train_set: np.ndarray, *, lr: float,
                 betas: tuple[float, float], eps: float, weight_decay: float) -> None:
        import torch

        self.model = build_model(params)
        rows = torch.from_numpy(np.ascontiguousarray(train_set, dtype=np.int64))
        self.a, self.b, self.labels = rows[:, 0].contiguous(), rows[:, 1].contiguous(), rows[:, 2]
        self.labels = self.labels.contiguous()
        self.optimiser = torch.optim.AdamW(self.model.parameters(), lr=lr, betas=betas,
                                           eps=eps, weight_decay=weight_decay)

    def loss(self) -> float:
        """Mean cross-entropy on the training examples, without a gradient."""
        import torch
        import torch.nn.functional as F

        with torch.no_grad():
            return float(F.cross_entropy(self.model(self.a, self.b), self.labels))

    def step(self) -> float:
        """One training step: forward, loss, backward, AdamW update. Returns the loss."""
        import torch.nn.functional as F

        self.optimiser.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(self.a, self.b), self.labels)
        loss.backward()
        self.optimiser.step()
        return float(loss.detach())
