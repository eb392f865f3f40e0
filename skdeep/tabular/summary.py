"""The text of ``TabularNet*.summary()``: preprocessing, the ensemble's layers, how training ended."""

from .stopping import fit_report, fitted_stop_reason


def tabular_summary(estimator):
    """The preprocessing, layer table and end of training of a fitted tabular estimator, as one string."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    pre, spec = estimator.preprocessor_, estimator._network.spec
    n_bins = sum(max(len(edges) - 1, 0) for edges in pre.bin_edges_)
    sizes, k = spec.layer_sizes, spec.n_members
    dates = f", {len(pre.date_columns_):,} date" if pre.date_columns_ else ""
    n_targets = len(pre.target_columns_)
    targets = (f"; {n_targets:,} high-cardinality column{'s' * (n_targets > 1)} with target statistics"
               if n_targets else "")
    n_texts = len(pre.text_columns_)
    texts = (f"; {n_texts:,} free-text column{'s' * (n_texts > 1)} read as n-grams" if n_texts else "")
    lines = [
        f"{type(estimator).__name__}: {k} member(s) trained together, predictions averaged",
        f"Input: {pre.n_features_in_:,} columns ({len(pre.numeric_columns_):,} numeric, "
        f"{len(pre.categorical_columns_):,} categorical{dates}) -> {sizes[0]:,} features "
        f"({n_bins:,} piecewise-linear bin features{targets}{texts})",
    ]
    rows = [("layer", "shape (rows: inputs)", "activation", "parameters")]
    if spec.scale_factor:
        rows.append(("feature scale", f"({sizes[0]},)", "-", f"{sizes[0]:,}"))
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        last = index == len(sizes) - 1
        activation = spec.output_activation if last else spec.hidden_activation
        shape = f"{k} x ({n_in}, {n_out})"
        rows.append((f"dense {index}", shape, activation, f"{k * (n_in * n_out + n_out):,}"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    lines.append(f"Total parameters: {spec.n_params:,}   dtype: {spec.dtype}   dropout: {spec.dropout}")
    lines.append(fit_report(estimator, fitted_stop_reason(estimator)))
    return "\n".join(lines)
