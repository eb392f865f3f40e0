"""Getting models in and out: safe persistence (``save``/``load``) and ONNX export."""
