"""The synthetic GRPO workload (docs/workloads.md, "synthetic"): trainer.py and server.py."""
