"""Developer tools: the benchmark, relevance evaluation, the hardening harnesses, data-file generators.

Run from the project root (`python -m tools.bench …`, or the wrappers in scripts/); not installed with the
package, and never imported by search/, indexer/ or web/.
"""
