"""The backend conformance suite (flowkit.testing.run_conformance) covers every op type a
backend must provide, and every installed backend passes it."""
import pytest

from flowkit.testing import run_conformance


def test_cases_cover_every_required_kernel():
    report = run_conformance("numpy", gradients=True)
    assert report.ok, str(report)
    assert report.missing() == [], f"op types with no conformance case: {report.missing()}"


def test_backend_conforms_to_numpy_reference(backend):
    name, device = backend
    if name == "numpy":
        pytest.skip("the NumPy backend is the reference")
    report = run_conformance(name, device)
    assert report.ok, str(report)
