"""The backend conformance suite (flowkit.testing.run_conformance) covers every op type a
backend must provide, and every installed backend passes it."""
import pytest

from flowkit.testing import run_conformance
from flowkit.testing_cases import CASES, PENDING_CASES


def test_cases_cover_every_required_kernel():
    report = run_conformance("numpy", gradients=True)
    assert report.ok, str(report)
    assert report.missing() == [], f"op types with no conformance case: {report.missing()}"


def test_case_names_are_unique():
    names = [c.name for c in CASES] + [c.name for c, _ in PENDING_CASES]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


def test_backend_conforms_to_numpy_reference(backend):
    name, device = backend
    if name == "numpy":
        pytest.skip("the NumPy backend is the reference")
    report = run_conformance(name, device)
    assert report.ok, str(report)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=pytest.mark.xfail(
    reason=reason, strict=True)) for c, reason in PENDING_CASES])
def test_pending_case(case, backend):
    """Cases blocked by known bugs outside the backends. When one passes (strict XPASS
    fails this test), move it from PENDING_CASES to CASES."""
    name, device = backend
    report = run_conformance(name, device, cases=[case])
    assert report.ok, str(report)
