"""Golden generators, one module per engine area; each exposes generate(out_dir)."""
