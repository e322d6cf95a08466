"""Publication checks that block: the personal-data guard over every published table and the
GX suites of the warehouse tables. A blocked table never reaches the analyst file."""

import pandas as pd
from test_quality_gate import NIK, SOURCE, Env, clean_lines

from quality.findings import FINDING_COLUMNS
from quality.table_suites import dim_wilayah_rules
from quality.tidy_suite import validate_frame
from warehouse.db import work_db
from warehouse.karantina import record_karantina
from warehouse.kualitas import blocked_tables
from warehouse.snapshot import publish_snapshot


def leak() -> pd.DataFrame:
    """A quarantine row with an unmasked NIK, as an older or buggy writer could leave it."""
    row = dict.fromkeys(FINDING_COLUMNS)
    row.update(sumber_id=SOURCE, produsen_kode="dinkes", aturan="value_range", nilai=NIK)
    row.update(pesan=f"nilai {NIK}", per_baris=True)
    return pd.DataFrame([row], columns=list(FINDING_COLUMNS))


def guard_of(result):
    [check] = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "personal_data_guard"
    ]
    return check


def test_guard_blocks_publication_of_a_table_with_personal_data(tmp_path):
    env = Env(tmp_path)
    result, summary = env.run(clean_lines())
    assert guard_of(result).passed and summary.snapshot
    published = env.read("SELECT published_at FROM kp_snapshot LIMIT 1")
    work = env.settings.data_dir / "work.duckdb"
    with work_db(work) as con:
        record_karantina(con, "leak", leak())

    lines = clean_lines()
    lines[6] = lines[6].replace("20,1", "20,2")  # a real change, so the build runs
    result, summary = env.run(lines)
    check = guard_of(result)
    assert not check.passed and check.severity.value == "ERROR"
    report = str(check.metadata["karantina"].value)
    assert "karantina: personal data found, publication blocked:" in report
    assert "nilai: 1 row(s) with a NIK (e.g. 3573************)" in report
    assert NIK not in report
    # Blocking: the snapshot did not run, the analyst file is the previous one.
    assert not summary.snapshot and "personal_data_guard" in " ".join(summary.failed_checks)
    assert env.read("SELECT published_at FROM kp_snapshot LIMIT 1") == published
    assert env.read("SELECT count(*) FROM karantina WHERE nilai LIKE '3573%'") == [(0,)]

    # The verdict is kept for the snapshot and the portal publisher; publishing on its own,
    # the snapshot takes the blocked table from the previous file and the rest from the build.
    with work_db(work) as con:
        assert blocked_tables(con) == ["karantina"]
        verdict = con.execute(
            "SELECT lolos, temuan FROM meta_kualitas WHERE tabel = 'karantina'"
        ).fetchall()
        assert verdict == [(False, 2)]  # nilai and pesan
    info = publish_snapshot(
        work,
        env.settings.warehouse,
        ["fact_indikator", "meta_kualitas"],
        carry_over=["karantina"],
    )
    assert info.carried_over == ("karantina",)
    assert env.read("SELECT count(*) FROM karantina WHERE nilai LIKE '3573%'") == [(0,)]
    assert env.read("SELECT nilai FROM fact_indikator WHERE lokasi = 'baris 7, kolom 3'") == [
        (20.2,)
    ]


def test_dimension_suite_reports_its_evidence():
    frame = pd.DataFrame(
        {
            "kode_wilayah": ["35.73", "35.73.01", "35.73.01", "3573"],
            "nama": ["Kota Malang", "Blimbing", "Blimbing", None],
            "tingkat": ["kota", "kecamatan", "kecamatan", "desa"],
        }
    )
    report = validate_frame(frame, table="warehouse.dim_wilayah", rules=dim_wilayah_rules())
    failed = {f.rule: f for f in report.failures}
    assert set(failed) == {"not_null", "unique", "kode_format", "in_set"}
    assert failed["unique"].unexpected_count == 2
    assert failed["kode_format"].message == (
        "kode_wilayah: 1 row breaks rule kode_format (expect_column_values_to_match_regex): '3573'."
    )
    assert failed["in_set"].sample == [{"kode_wilayah": "3573", "nama": None, "tingkat": "desa"}]


def test_publication_checks_are_blocking_and_source_checks_are_not():
    from pipelines.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    blocking = {
        (key.asset_key.to_user_string(), key.name): graph.get_check_spec(key).blocking
        for key in graph.asset_check_keys
    }
    assert blocking["meta_kualitas", "personal_data_guard"]
    assert blocking["smart_people", "gx_suite"] and blocking["dim_wilayah", "gx_suite"]
    assert not blocking["tidy_dinkes_faskes", "tidy_valid"]
    assert not blocking["raw_dinkes_faskes", "fetch_ok"]


def test_the_suites_results_stand_when_the_guard_breaks(tmp_path, monkeypatch):
    """The suites validate while the guard scans (assets/warehouse_build.py): a guard that
    breaks still lets their results through, and nothing is published."""
    import assets.warehouse_build as step

    def broken(*args, **kwargs):
        raise RuntimeError("guard broke")

    monkeypatch.setattr(step, "guard_tables", broken)
    env = Env(tmp_path)
    result, summary = env.run(clean_lines())
    suites = [e for e in result.get_asset_check_evaluations() if e.check_name == "gx_suite"]
    assert suites and all(e.passed for e in suites)
    assert {e.asset_key.to_user_string() for e in suites} >= {"dim_wilayah", "smart_living"}
    assert not result.success and not summary.snapshot
    assert not env.settings.warehouse.exists()
