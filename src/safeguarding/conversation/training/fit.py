"""Logistic regressions fitted with L-BFGS: many tactics at once over sparse message
features, and one category at a time over dense conversation features; Platt scaling.

Deterministic: full-batch optimisation from zeros, so the same data gives the same weights."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from safeguarding.errors import MissingDependencyError


def _scipy() -> tuple[Any, Any]:
    try:
        from scipy import optimize, sparse
    except ImportError:
        raise MissingDependencyError("scipy", "train", "Training") from None
    return optimize, sparse


def _loss(
    x: Any,
    y: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    lam: float,
    theta: npt.NDArray[np.float64],
    d: int,
    k: int,
) -> tuple[float, npt.NDArray[np.float64]]:
    w = theta[: d * k].reshape(d, k)
    b = theta[d * k :]
    z = _product(x, w) + b
    # log(1 + e^z) - y z, stable for any z
    loss = (np.logaddexp(0.0, z) - y * z) * weights[:, None]
    p = 0.5 * (1.0 + np.tanh(0.5 * z))
    g = (p - y) * weights[:, None]
    grad_w = _product_t(x, g) + lam * w
    total = float(loss.sum() + 0.5 * lam * float((w * w).sum()))
    return total, np.concatenate([grad_w.ravel(), g.sum(axis=0)])


def _product(x: Any, w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """x @ w, where x may be a (sparse, dense) pair of column blocks: BLAS for the dense
    block instead of a sparse product over its every cell."""
    if isinstance(x, tuple):
        sparse_part, dense_part = x
        width = sparse_part.shape[1]
        product: npt.NDArray[np.float64] = np.asarray(sparse_part @ w[:width]) + (
            dense_part @ w[width:]
        )
        return product
    return np.asarray(x @ w)


def _product_t(x: Any, g: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    if isinstance(x, tuple):
        sparse_part, dense_part = x
        return np.vstack([np.asarray(sparse_part.T @ g), dense_part.T @ g])
    return np.asarray(x.T @ g)


def fit_logistic(
    x: Any,
    y: npt.NDArray[np.float64],
    *,
    lam: float,
    weights: npt.NDArray[np.float64] | None = None,
    max_iter: int = 400,
    non_negative: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Weights [d, k] and biases [k] of k independent logistic regressions (y: [n, k] of 0/1)
    sharing the inputs x ([n, d], dense, scipy sparse, or a (sparse, dense) pair of column
    blocks); row weights scale each row's loss. `non_negative` ([d]) keeps those inputs'
    weights at zero or above in every regression (a monotone model in those inputs)."""
    optimize, _ = _scipy()
    n, d = (x[0].shape[0], x[0].shape[1] + x[1].shape[1]) if isinstance(x, tuple) else x.shape
    y = y.reshape(n, -1).astype(np.float64)
    k = y.shape[1]
    row_weights = np.ones(n) if weights is None else weights.astype(np.float64)
    bounds = None
    if non_negative is not None:
        lower = np.where(non_negative, 0.0, -np.inf)
        bounds = [(float(lower[i // k]), None) for i in range(d * k)] + [(None, None)] * k
    result = optimize.minimize(
        lambda t: _loss(x, y, row_weights, lam, t, d, k),
        np.zeros(d * k + k),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter},
    )
    theta = result.x
    return theta[: d * k].reshape(d, k), theta[d * k :]


def fit_tactics(
    x: Any, y: npt.NDArray[np.float64], *, alpha: float, epochs: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Weights [d, k] and biases [k] of k logistic regressions over many sparse features
    (x: a (sparse, dense) pair of column blocks), by stochastic gradient descent.

    Chosen over full-batch L-BFGS (fit_logistic) by measurement: on the tagged messages it
    ranks held-out sources' tactics as well and fits in seconds, not many minutes, which is
    what makes a leave-one-source-out run (one fit per source) practical. A fixed seed and a
    fixed number of epochs (no early stopping) make it deterministic."""
    _, sparse = _scipy()
    try:
        from sklearn.linear_model import SGDClassifier
    except ImportError:
        raise MissingDependencyError("scikit-learn", "train", "Training") from None
    sparse_part, dense_part = x
    inputs = sparse.hstack([sparse_part, sparse.csr_matrix(dense_part)]).tocsr()
    k = y.shape[1]
    weights = np.zeros((inputs.shape[1], k))
    biases = np.zeros(k)
    for column in range(k):
        target = y[:, column] > 0.5
        if target.all() or not target.any():
            # Nothing to learn from one class: a constant, as a fit would approach.
            biases[column] = 10.0 if target.all() else -10.0
            continue
        model = SGDClassifier(
            loss="log_loss", alpha=alpha, max_iter=epochs, tol=None, random_state=0
        )
        model.fit(inputs, target)
        weights[:, column] = model.coef_[0]
        biases[column] = model.intercept_[0]
    return weights, biases


def fit_hidden(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    *,
    units: int,
    alpha: float,
    epochs: int,
    seed: int = 13,
    networks: int = 1,
) -> tuple[npt.NDArray[np.float64], ...]:
    """One hidden layer of ReLU units and a logistic output over dense inputs, standardised
    first: (mean, scale, w [d, units], b [units], out [units], bias [1]). Adam (scikit-learn's
    MLPClassifier) for a fixed number of epochs from a fixed seed: deterministic on the same
    data and machine. It stops at `epochs` without converging on purpose (no early stopping:
    the held-out replay chose the epochs), so scikit-learn's convergence warning is quiet.

    With `networks` > 1, that many are fitted from seeds seed, seed + 1, ... and returned as
    one layer of networks * units units whose logit is the mean of theirs: units side by
    side, output weights divided by their number, output biases averaged. Why a bag: one
    network's oblique readings vary with its seed; the mean of a few varies less, so fewer
    single benign messages spike (docs/conversation.md, "Version 9")."""
    if networks > 1:
        bag = [
            fit_hidden(x, y, units=units, alpha=alpha, epochs=epochs, seed=seed + k)
            for k in range(networks)
        ]
        mean, scale = bag[0][0], bag[0][1]
        return (
            mean,
            scale,
            np.hstack([n[2] for n in bag]),
            np.concatenate([n[3] for n in bag]),
            np.concatenate([n[4] for n in bag]) / networks,
            np.array([np.mean([n[5].reshape(-1)[0] for n in bag])]),
        )
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        raise MissingDependencyError("scikit-learn", "train", "Training") from None
    import warnings

    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-3
    model = MLPClassifier(
        hidden_layer_sizes=(units,), alpha=alpha, max_iter=epochs, random_state=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit((x - mean) / scale, y > 0.5)
    w, out = model.coefs_
    b, bias = model.intercepts_
    return mean, scale, w, b, out[:, 0], bias


def platt(
    logits: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64] | None = None,
) -> tuple[float, float]:
    """(a, c) so that sigmoid(a * logit + c) is calibrated on these held-out predictions;
    a is kept positive, so calibration never reverses the ranking."""
    w, b = fit_logistic(logits.reshape(-1, 1), y, lam=1e-6, weights=weights)
    return max(float(w[0, 0]), 1e-3), float(b[0])


def sparse_rows(
    pointers: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    values: npt.NDArray[np.float32],
    width: int,
) -> Any:
    _, sparse = _scipy()
    return sparse.csr_matrix(
        (values.astype(np.float64), indices, pointers), shape=(len(pointers) - 1, width)
    )
