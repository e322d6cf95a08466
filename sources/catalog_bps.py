"""The catalog fields of kind `bps_webapi`: which dynamic table of BPS's WebAPI an entry reads.

BPS publishes a dynamic table per variable and domain (`3573` Kota Malang, `3500` Jawa Timur);
its rows are the vertical variable (vervar: kecamatan, kab/kota), its columns the derived
variable (turvar, e.g. Laki-laki / Perempuan) under each year (tahun) and derived period
(turtahun: month, quarter). The selections below are passed to the WebAPI as they are; BPS
writes a list as `1;2;3` and a range as `2:6`. The API key is never part of an entry: it comes
from KOTAPINTAR_BPS_KEY (sources/bps.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

# BPS ids as the WebAPI takes them: one id, a list `1;2;3` or a range `2:6`. YAML reads a
# single id as a number, which the validators below accept: the JSON Schema says so too.
IDS_PATTERN = r"^\d+([;:]\d+)*$"
BpsIds = Annotated[
    str,
    Field(pattern=IDS_PATTERN),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": IDS_PATTERN}, {"type": "integer", "minimum": 0}]}
    ),
]
Domain = Annotated[
    str,
    Field(pattern=r"^\d{4}$"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}$"},
                {"type": "integer", "minimum": 0, "maximum": 9999},
            ]
        }
    ),
]


class BpsSpec(BaseModel):
    """kind `bps_webapi`: the WebAPI's `model/data` request of one variable in one domain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: Domain = Field(
        description='four digits: `3573` Kota Malang, `3500` Jawa Timur, `"0000"` Indonesia'
    )
    variable: int = Field(
        ge=1, description="the `var` id (in the address of the table on bps.go.id)"
    )
    turvar: BpsIds | None = Field(
        None, description="derived variables to ask for (`1;2;3`, `2:6`; default: all)"
    )
    vervar: BpsIds | None = Field(
        None, description="vertical variable values (regions) to ask for (default: all)"
    )
    th: BpsIds | None = Field(
        None, description="period (year) ids: BPS numbers 2023 as `123` (default: all)"
    )
    turth: BpsIds | None = Field(
        None, description="derived period ids (months, quarters; default: all)"
    )
    lang: Literal["ind", "eng"] = Field("ind", description="the language of BPS's labels")
    unit: str | None = Field(
        None,
        description='the unit as BPS writes it ("Ribu Jiwa") when it is not the `unit` of the '
        "indicators the table yields; a different unit from BPS is a warning",
    )

    @field_validator("domain", mode="before")
    @classmethod
    def _domain_digits(cls, value: Any) -> Any:
        # YAML reads `domain: 3573` as a number; `0000` (national) must be quoted anyway.
        return f"{value:04d}" if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("turvar", "vervar", "th", "turth", mode="before")
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def check_bps_entry(entry: Any) -> None:
    """The rules of kind `bps_webapi` on a whole entry (raises ValueError naming the field)."""
    if entry.kind != "bps_webapi":
        if entry.bps is not None:
            raise ValueError("`bps` is only for kind `bps_webapi`")
        return
    if entry.bps is None:
        raise ValueError(
            "kind `bps_webapi` needs `bps` (at least `domain` and `variable` of the BPS table)"
        )
    if not entry.is_url:
        raise ValueError(
            "kind `bps_webapi` needs `location`: the WebAPI's base URL "
            "(https://webapi.bps.go.id/v1/api)"
        )
    lowered = entry.location.lower()
    if "/key/" in lowered or "key=" in lowered:
        raise ValueError(
            "`location` must not hold the API key: set it in KOTAPINTAR_BPS_KEY (environment "
            "or .env) and give only the base URL (https://webapi.bps.go.id/v1/api)"
        )
    if entry.parse.layout != "long":
        raise ValueError(
            "kind `bps_webapi` reads the table as layout `long`: one row per vervar, tahun and "
            "turtahun, one column per turvar (`values`: turvar label, or `nilai`, -> code)"
        )
