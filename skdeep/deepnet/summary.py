"""The matrix-dimension table of a fitted network, in both notations."""

from sklearn.utils.validation import check_is_fitted


def layer_table(estimator):
    """Text table of a fitted estimator's layers, one row per layer ``l``.

    For each layer: its units ``n[l]``, activation, the shape of ``W[l]`` in
    the course's column notation ``(n[l], n[l-1])``, the shape of the matching
    ``coefs_[l-1]`` with samples in rows ``(n[l-1], n[l])``, the shape of
    ``b[l]``, batch normalization and dropout where used, and the number of
    parameters (batch normalization's ``gamma`` and ``beta`` included; its
    running statistics are state, not parameters), then the total.

    Parameters
    ----------
    estimator : DeepNetClassifier or DeepNetRegressor
        A fitted estimator.

    Returns
    -------
    table : str
    """
    check_is_fitted(estimator)
    network = estimator._current_network()
    sizes = network.layer_sizes
    header = ("layer", "n[l]", "activation", "W[l] (n[l], n[l-1])", "coefs_[l-1]", "b[l]",
              "extras", "params")
    rows = [("0 (input)", str(sizes[0]), "-", "-", "-", "-", "", "0")]
    total = 0
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        is_output = l == len(sizes) - 1
        count = n_in * n_out + n_out
        extras = []
        if network.batch_norm and not is_output:
            extras.append("batch_norm")
            count += 2 * n_out  # gamma and beta
        if not is_output and network.dropout[l - 1] > 0:
            extras.append(f"dropout {network.dropout[l - 1]:g}")
        total += count
        rows.append(
            (
                f"{l} (output)" if is_output else f"{l} (hidden)",
                str(n_out),
                estimator.out_activation_ if is_output else estimator.activation,
                f"({n_out}, {n_in})",
                f"({n_in}, {n_out})",
                f"({n_out},)",
                ", ".join(extras),
                f"{count:,}",
            )
        )
    rows.append(("total", "", "", "", "", "", "", f"{total:,}"))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    rule = "-" * len(line(header))
    return "\n".join([line(header), rule, *map(line, rows[:-1]), rule, line(rows[-1])])
