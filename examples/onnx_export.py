"""
Export a pipeline to ONNX and serve it with ONNX Runtime
========================================================

``skdeep.to_onnx`` converts a fitted ``DeepNetClassifier`` (here inside a
``Pipeline`` with its ``StandardScaler``) to an ONNX graph; ONNX Runtime then
predicts without scikit-learn, NumPy code or Python at all on the serving
side. Batch normalization is folded into the weights and dropout vanishes, as
at prediction time in skdeep. Needs the onnx extra,
``pip install ".[onnx]"`` from a checkout.
"""

import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import onnxruntime
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier, to_onnx

X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)  # a float32 model exports to a float32 graph
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
pipeline = make_pipeline(
    StandardScaler(),
    DeepNetClassifier(hidden_layer_sizes=(128, 64), activation="gelu", batch_norm=True, dropout=0.2,
                      max_iter=50, random_state=0),
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    pipeline.fit(X_train, y_train)

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "digits.onnx"
    path.write_bytes(to_onnx(pipeline, X_train).SerializeToString())
    print(f"wrote {path.name}: {path.stat().st_size / 1024:.0f} KiB")
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])

print("inputs:", [(i.name, i.type, i.shape) for i in session.get_inputs()])
print("outputs:", [(o.name, o.type, o.shape) for o in session.get_outputs()])
started = time.perf_counter()
labels, probabilities = session.run(None, {"X": X_test})
seconds = time.perf_counter() - started

difference = np.abs(probabilities - pipeline.predict_proba(X_test)).max()
print(f"max |ONNX Runtime - predict_proba| = {difference:.1e}")
print(f"labels agree on {np.mean(labels == pipeline.predict(X_test)):.1%} of {len(X_test)} test rows")
print(f"test accuracy {np.mean(labels == y_test):.3f}, {len(X_test) / seconds:,.0f} rows/s in ONNX Runtime")
