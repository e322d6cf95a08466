"""What pipelines/__init__.py sets for every process that runs the pipeline."""

import pytest

from tests.fresh_process import printed_by

POOL = "import pipelines, pyarrow; print(pyarrow.default_memory_pool().backend_name)"


def test_arrow_allocates_with_the_c_library_in_pipeline_processes(monkeypatch):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    assert printed_by(POOL).strip() == "system"


@pytest.mark.parametrize("chosen", ["mimalloc", "jemalloc"])
def test_an_allocator_chosen_in_the_environment_wins(monkeypatch, chosen):
    import pyarrow

    if chosen not in pyarrow.supported_memory_backends():
        pytest.skip(f"this pyarrow has no {chosen}")
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", chosen)
    assert printed_by(POOL).strip() == chosen


def test_young_collections_are_rarer_in_pipeline_processes():
    import pipelines

    code = "import pipelines, gc; print(*gc.get_threshold())"
    assert tuple(map(int, printed_by(code).split())) == pipelines.GC_THRESHOLDS
