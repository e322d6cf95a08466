"""The one choke point for Dagster metadata (assets/metadata.py): every text an asset hands to
Dagster, in any metadata kind, event or failure, is masked; everything else is left alone."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from assets.metadata import masked_event, masked_metadata, masks_personal_data
from assets.table_metadata import table_metadata

NIK = "3573014506900003"
PHONE = "0812-3456-7890"
EMAIL = "budi.santoso@example.org"
CELL = f"NIK {NIK}, hp {PHONE}, {EMAIL}"


def text_of(metadata: dict) -> str:
    return repr(metadata)


def test_every_metadata_kind_is_masked():
    metadata = masked_metadata(
        {
            "plain": CELL,
            "text": dg.MetadataValue.text(CELL),
            "md": dg.MetadataValue.md(f"| catatan |\n|---|\n| {CELL} |"),
            "json": dg.MetadataValue.json({"cells": [CELL, {"found": NIK}], "n": int(NIK)}),
            "path": dg.MetadataValue.path(f"/tmp/{EMAIL}.txt"),
            "url": dg.MetadataValue.url(f"https://example.org/?surel={EMAIL}"),
            "number": int(NIK),
            "float": float(NIK),
            "int_value": dg.MetadataValue.int(int(NIK)),
            "table": dg.MetadataValue.table(
                [dg.TableRecord({"catatan": CELL})],
                schema=dg.TableSchema([dg.TableColumn("catatan", "string", description=CELL)]),
            ),
            "schema": dg.MetadataValue.table_schema(
                dg.TableSchema(
                    [dg.TableColumn("catatan", constraints=dg.TableColumnConstraints(other=[CELL]))]
                )
            ),
            "raw_schema": dg.TableSchema([dg.TableColumn("catatan", description=CELL)]),
            f"failed: {PHONE}": 1,
        }
    )
    dumped = text_of(metadata)
    for secret in (NIK, PHONE, EMAIL, "34567890"):
        assert secret not in dumped
    for masked in ("3573************", "0812******90", "b***@example.org"):
        assert masked in dumped


def test_table_previews_and_schemas_are_masked_in_the_recorded_event(tmp_path):
    @dg.asset
    @masks_personal_data
    def catatan() -> dg.MaterializeResult:
        with duckdb.connect(str(tmp_path / "work.duckdb")) as con:
            con.execute("CREATE TABLE catatan (kode VARCHAR, catatan VARCHAR, nomor BIGINT)")
            con.execute("INSERT INTO catatan VALUES ('35.73.01', ?, ?)", [CELL, int(NIK)])
            con.execute(f"COMMENT ON COLUMN catatan.catatan IS 'tanya {EMAIL}'")
            return dg.MaterializeResult(metadata=table_metadata(con, "catatan"))

    instance = dg.DagsterInstance.ephemeral()
    assert dg.materialize([catatan], instance=instance).success
    event = instance.get_latest_materialization_event(dg.AssetKey("catatan"))
    recorded = event.asset_materialization.metadata
    for secret in (NIK, PHONE, EMAIL):
        assert secret not in repr(recorded)
    [row] = recorded["preview"].records
    assert row.data == {
        "kode": "35.73.01",  # a region code is no personal data
        "catatan": "NIK 3573************, hp 0812******90, b***@example.org",
        "nomor": "3573************",
    }
    schema = recorded["dagster/column_schema"].value
    assert schema.columns[1].description == "tanya b***@example.org"
    assert recorded["preview"].schema == schema


def test_what_is_not_personal_data_is_left_as_it_is():
    metadata = {
        "rows": 20,
        "bytes": 6_281_234_567,  # starts like +62 8..., but a number is no phone number
        "share": 0.05,
        "late": False,
        "sha256": "08744533991c91e7b961131e571981624fbf191570889ed0a699f083e55963bd",
        "when": dg.MetadataValue.timestamp(1_764_551_234.5),
        "message": "validation failed (5 of 20 rows quarantined)",
    }
    assert masked_metadata(metadata) == metadata


def test_events_yielded_returned_and_raised_are_masked():
    key = dg.AssetKey(["tidy", "x"])

    @masks_personal_data
    def body():
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={"preview": dg.MetadataValue.md(CELL)},
            check_results=[dg.AssetCheckResult(check_name="c", passed=False, metadata={"m": CELL})],
        )
        yield dg.AssetObservation(asset_key=key, metadata={"m": CELL})
        yield dg.AssetCheckResult(
            asset_key=key, check_name="c", passed=False, metadata={"m": CELL}, description=CELL
        )
        raise dg.Failure(description=CELL, metadata={"m": CELL})

    events = []
    with pytest.raises(dg.Failure) as failure:
        for event in body():
            events.append(event)
    assert len(events) == 3
    assert NIK not in repr(events) and EMAIL not in repr(events)
    assert NIK not in failure.value.description and NIK not in repr(failure.value.metadata)

    @masks_personal_data
    def check():
        return dg.AssetCheckResult(passed=True, metadata={"m": CELL})

    assert NIK not in repr(check().metadata)
    assert masked_event(None) is None


def test_other_exceptions_keep_their_type_with_a_masked_message():
    @masks_personal_data
    def body():
        raise ValueError(f"cannot read {CELL}")

    with pytest.raises(ValueError) as error:
        body()
    assert NIK not in str(error.value) and "3573************" in str(error.value)
