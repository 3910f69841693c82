"""The maintainer's tools: the kata's self-check, benchmarks and the student release. Never shipped."""
