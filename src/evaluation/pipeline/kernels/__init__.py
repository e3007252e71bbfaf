"""pipeline.kernels layer."""
